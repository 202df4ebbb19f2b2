"""One classification run end to end: fit, score beside baselines, write a run directory.

The same for text and numeric sequences: metrics.json (the model beside its baselines, like a
forecasting run's), confusion.png, loss.png, model_card.md and model/ (with input_example.csv,
a few raw test cases as the MLflow model's input example).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.classification.evaluation import BASELINE_LABELS, ClassificationEvaluation
from forecaster.classification.raw_input import TEXT_COLUMN, flatten_sequences
from forecaster.classification.sequence_data import SequenceSet
from forecaster.estimator_checks import saved_params
from forecaster.forecasting.report import write_json
from forecaster.output import atomic_directory, check_out_dir
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.reporting import RunReporter

INPUT_EXAMPLE = "input_example.csv"


@dataclass
class ClassificationRun:
    out: Path
    evaluation: ClassificationEvaluation
    summary: dict[str, Any]


def stratified_split(data: Any, test_size: float, seed: int) -> tuple[Any, Any]:
    """Train and test parts with the same class shares (for data with no fixed split)."""
    from sklearn.model_selection import train_test_split

    from forecaster.errors import DataError

    if not 0 < test_size < 1:
        raise DataError(f"test size must be a fraction between 0 and 1, got {test_size}.")
    counts = Counter(np.asarray(data.labels).tolist())
    rare = sorted(label for label, count in counts.items() if count < 2)
    if rare:
        raise DataError(f"'{data.source}': class(es) {rare[:5]} have a single case, so a "
                        f"stratified test split cannot hold them. Add cases, or pass a test "
                        f"file with --test.")
    train_rows, test_rows = train_test_split(np.arange(len(data)), test_size=test_size,
                                             stratify=data.labels, random_state=seed)
    return (data.take(np.sort(train_rows), f"{data.source} (train)"),
            data.take(np.sort(test_rows), f"{data.source} (test)"))


def without_repeats(data: Any, keep: bool = False) -> tuple[Any, str | None]:
    """Texts with repeats dropped (a text seen in training must not be scored as a test case),
    and a note saying how many; sequences as they are."""
    if isinstance(data, SequenceSet) or keep:
        return data, None
    from forecaster.classification.text_data import drop_repeated_texts

    unique, dropped = drop_repeated_texts(data)
    if len(unique) == 0:  # every text repeated with different labels: sklearn's split raised
        from forecaster.data.printable import printable
        from forecaster.errors import DataError

        raise DataError(f"'{printable(data.source)}': every one of its {len(data)} texts is a "
                        f"repeat of another with a different label, so none is left to learn "
                        f"from (copies that disagree on the label are all dropped). Check the "
                        f"text column (--text-column), or pass --keep-repeats.")
    note = (f"{dropped} repeated text(s) in '{data.source}' dropped (a text seen in training "
            f"must not be scored as a test case; --keep-repeats keeps them)") if dropped else None
    return unique, note


@dataclass
class PreparedData:
    train: Any
    test: Any
    split: dict[str, Any] | None  # how the test part was cut from the file (None: a test file)
    notes: list[str]


def prepare_data(path: Path, kind: str, *, test_path: Path | None = None,
                 test_size: float = 0.2, seed: int = 0, keep_repeats: bool = False,
                 **read: Any) -> PreparedData:
    """Training and test cases, as `forecaster classify train` and a classify pipeline take
    them: repeats dropped, then the given test file or a stratified `test_size` split."""
    from forecaster.classification.case_files import read_cases

    dataset, note = without_repeats(read_cases(path, kind, **read), keep_repeats)
    notes = [note] if note else []
    if test_path is not None:
        _refuse_same_file(path, test_path)
        test, note = without_repeats(read_cases(test_path, kind, **read), keep_repeats)
        return PreparedData(dataset, test, None, notes + ([note] if note else []))
    train, test = stratified_split(dataset, test_size, seed)
    return PreparedData(train, test, {"test_size": test_size, "seed": seed,
                                      "keep_repeats": keep_repeats}, notes)


def _refuse_same_file(path: Path, test_path: Path) -> None:
    """Scoring on the training file itself would report in-sample accuracy as a test score
    (1-nearest neighbour: 1.000) without a word."""
    import os

    from forecaster.data.printable import printable
    from forecaster.errors import ConfigError

    try:
        same = os.path.samefile(path, test_path)
    except OSError:  # one of them cannot be found: reading it says so, naming it
        return
    if same:
        raise ConfigError(f"The test file '{printable(test_path)}' (--test-path; data.test_path "
                          f"in a pipeline) is the training data '{printable(path)}' itself: its "
                          f"scores would be in-sample. Pass a separate test file (e.g. a UCR "
                          f"_TEST.ts), or leave it out to hold out part of the data "
                          f"(--test-size).")


def data_kind(data: Any) -> str:
    return "sequence" if isinstance(data, SequenceSet) else "text"


def input_example(data: Any, rows: int = 5) -> pd.DataFrame:
    """Raw cases in the form the MLflow model takes."""
    if isinstance(data, SequenceSet):
        return flatten_sequences(data, rows)
    return pd.DataFrame({TEXT_COLUMN: list(data.texts[:rows])})


def _file_facts(files: dict[str, Path | None]) -> dict[str, Any]:
    from forecaster.data.input_files import sha256_of

    return {role: {"path": str(Path(path).resolve()), "sha256": sha256_of(path)}
            for role, path in files.items() if path is not None and Path(path).is_file()}


def _data_summary(train: Any, test: Any, classes: list[str],
                  files: dict[str, Path | None]) -> dict[str, Any]:
    counts = Counter(np.asarray(train.labels).tolist())
    summary = {"kind": data_kind(train), "train": train.source, "test": test.source,
               "train_cases": len(train), "test_cases": len(test), "classes": classes,
               "train_class_counts": {label: counts.get(label, 0) for label in classes},
               "files": _file_facts(files)}
    if hasattr(train, "describe"):
        summary.update(train.describe())
    return summary


def check_run(train: Any, model: Any, val_size: float | None = None) -> None:
    """The checks `model.fit` makes before training (settings, two classes or more, a
    validation share of each): a caller makes them before it opens anything, e.g. an MLflow run
    that a refusal would leave FAILED."""
    from forecaster.classification.common import class_targets
    from forecaster.classification.validation import validation_split

    model._check_params()
    _, targets = class_targets(train.labels, train.source)
    validation_split(targets, val_size, 0)


def classification_run(train: Any, test: Any, model: Any, out: Path, *,
                       overwrite: bool = False, reporter: RunReporter | None = None,
                       files: dict[str, Path | None] | None = None,
                       extra: dict[str, Any] | None = None,
                       checkpoint: Checkpoint | None = None,
                       val_size: float | None = None) -> ClassificationRun:
    """Fit `model` on `train`, score on `test` beside its baselines, write `out` atomically.

    `files` names the data files read (recorded with their SHA-256); `extra` is added to
    metrics.json; `checkpoint` (batch jobs) lets a killed fit resume; `val_size` is the fit's
    validation share (None: automatic, see classification/validation.py).
    """
    inputs = [path for path in (files or {}).values() if path is not None]
    check_out_dir(out, overwrite, inputs)
    model.fit(train, val_size=val_size, reporter=reporter, checkpoint=checkpoint)
    evaluation = model.evaluate(test, train=train)
    history = model.history_
    summary = {
        "task": "classification",
        "data": _data_summary(train, test, list(model.classes_), files or {}),
        "model": {**saved_params(model), "label": model.label},
        "baselines": {name: BASELINE_LABELS.get(name, name)
                      for name in evaluation.metrics if name != "model"},
        "training": {**asdict(model.train_config_), "epochs_run": history.epochs_run,
                     "best_epoch": history.best_epoch, "monitored": history.monitor,
                     "val_size": "auto" if val_size is None else val_size,
                     "validation_cases": model.calibration_cases_,
                     "stopped_early": history.stopped_early,
                     "interrupted": history.interrupted, "seconds": round(history.seconds, 3),
                     "samples_per_second": round(history.train_samples * history.epochs_run
                                                 / max(history.seconds, 1e-9), 1),
                     "device": history.device, "threads_used": history.threads,
                     "train_loss": history.train_loss, "val_loss": history.val_loss,
                     "val_accuracy": history.val_metrics.get("accuracy", [])},
        **(extra or {}),
    }
    from forecaster.classification.card import classification_card
    from forecaster.classification.plots import plot_confusion, plot_training

    payload = {**summary, **evaluation.to_dict()}
    with atomic_directory(out, overwrite, inputs) as tmp:
        model.save(tmp / "model")
        input_example(test).to_csv(tmp / "model" / INPUT_EXAMPLE, index=False)
        write_json(tmp / "metrics.json", payload)
        plot_confusion(tmp / "confusion.png", evaluation)
        plot_training(tmp / "loss.png", history)
        (tmp / "model_card.md").write_text(classification_card(payload), encoding="utf-8")
    return ClassificationRun(out, evaluation, summary)
