"""`forecaster classify`: text and numeric-sequence classification on the same recurrent core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forecaster.classification.case_files import DATA_KINDS, read_cases, resolve_kind
from forecaster.cli.options import echo_json, handle_errors, info
from forecaster.cli.setting_options import AliasedOption, setting_option
from forecaster.cli.signal_exit import exits_on_signal
from forecaster.cli.tracking_options import (
    report_tracking,
    start_tracking,
    tracked_run,
    tracking_options,
)
from forecaster.core.config import ARCHITECTURES, CELLS, POOLINGS
from forecaster.data.choices import PRETRAIN
from forecaster.data.printable import printable
from forecaster.training.config import DEVICES, OPTIMIZERS
from forecaster.training.monitor import MONITORS


def _data_options(command):
    decorators = [
        click.option("--kind", type=click.Choice(("auto", *DATA_KINDS)), default="auto",
                     show_default=True,
                     help="text: a CSV with a text and a label column; sequence: a UCR/UEA .ts "
                          "file or a CSV of flattened sequences (needs --steps). auto: a .ts "
                          "file, --steps or a CSV of numbers means sequence, else text."),
        click.option("--text-column", default="text", show_default=True,
                     help="Column holding the texts (--kind text)."),
        click.option("--label-column", default=None,
                     help="Column holding the labels (default: 'label' for text, the last "
                          "column for a flat sequence CSV)."),
        click.option("--steps", type=int, default=None,
                     help="Time steps per row of a flat sequence CSV (e.g. 28 for MNIST)."),
        click.option("--encoding", default="utf-8", show_default=True,
                     help="Text encoding of the files, e.g. latin-1."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


@click.group()
def classify() -> None:
    """Classify texts (e.g. review sentiment) or numeric sequences (UCR/UEA .ts files, digits
    read row by row) with the same recurrent core as the forecasters.

    \b
    Examples:
      forecaster classify train datasets/rotten_tomatoes.csv
      forecaster classify train datasets/mnist_5k.csv.gz --steps 28 --out runs/mnist
      forecaster classify train datasets/ucr/GunPoint/GunPoint_TRAIN.ts \\
          --test-path datasets/ucr/GunPoint/GunPoint_TEST.ts
      forecaster classify predict runs/mnist/model datasets/mnist_5k.csv.gz --steps 28
      forecaster classify evaluate runs/mnist/model datasets/mnist_5k.csv.gz --steps 28
    """


TRAIN_EXAMPLES = """
\b
Examples:
  # review sentiment: a bidirectional LSTM with attention beside TF-IDF + logistic regression
  forecaster classify train datasets/rotten_tomatoes.csv
\b
  # the Keras textbook recipe: Embedding(10000, 32) -> SimpleRNN(32), 500 tokens, RMSprop
  forecaster classify train datasets/rotten_tomatoes.csv --cell rnn --hidden-size 32 \\
      --embedding-dim 32 --unidirectional --pooling last --max-words 10000 \\
      --max-length 500 --optimizer rmsprop --epochs 10 --batch-size 32
\b
  # digits read row by row (28 steps of 28 pixels), 80/20 stratified split
  forecaster classify train datasets/mnist_5k.csv.gz --steps 28
"""


@classify.command(epilog=TRAIN_EXAMPLES)
@click.argument("data", type=click.Path(path_type=Path))
@_data_options
@click.option("--test-path", "--test", "test_file", cls=AliasedOption, aliases=["--test"],
              type=click.Path(path_type=Path), default=None,
              help="Score on this file (e.g. a UCR _TEST.ts); default: a stratified --test-size.")
@click.option("--test-size", default=0.2, show_default=True,
              help="Share of DATA held out for testing when --test-path is not given.")
@click.option("--val-size", type=click.FloatRange(0, 1, max_open=True), default=None,
              help="Share of the training cases held out for early stopping and calibration. "
                   "Default: 0.2 when that is 100 cases or more; a smaller set is trained on "
                   "whole, keeping the epoch of lowest training loss, uncalibrated (8 held-out "
                   "cases cannot rank epochs). 0: never hold out.")
@click.option("--keep-repeats", is_flag=True,
              help="Text: keep repeated texts (by default repeats are dropped before splitting, "
                   "so the same text cannot sit in train and test).")
@click.option("--cell", type=click.Choice(CELLS), default=None,
              help="Recurrent cell (default: lstm for text, gru for sequences).")
@setting_option("num_layers", type=int, default=None,
                help="Stacked recurrent layers (default 1).")
@setting_option("hidden_size", type=int, default=None, help="Units per layer (default 64).")
@click.option("--bidirectional/--unidirectional", default=None,
              help="Read both ways (default: bidirectional).")
@click.option("--pooling", type=click.Choice(POOLINGS), default=None,
              help="How the sequence becomes one vector (default attention: learned weights "
                   "over the steps; padding never counts).")
@click.option("--dropout", type=float, default=None,
              help="Dropout (default: 0.5 for text, 0 for sequences).")
@click.option("--architecture", type=click.Choice(ARCHITECTURES), default=None,
              help="Sequences: recurrent+conv (default: a convolution branch beside the "
                   "recurrent encoder, as in LSTM-FCN) or recurrent (the encoder alone).")
@click.option("--embedding-dim", type=int, default=None, help="Text: word-vector size.")
@click.option("--max-words", type=int, default=None,
              help="Text: vocabulary size (most frequent training words; others are OOV).")
@click.option("--max-length", type=int, default=None,
              help="Text: tokens kept per text (the first ones).")
@click.option("--word-dropout", type=float, default=None,
              help="Text: share of training words hidden as unknown each batch (default 0.2; "
                   "it helped the most on short reviews).")
@click.option("--pretrain", type=click.Choice(PRETRAIN), default=None,
              help="Text: lm first trains the embedding and encoder as a language model on "
                   "the training texts (predicting each next and previous word), then the "
                   "classifier starts from them (default: none).")
@click.option("--ngrams", type=click.IntRange(0, 2), default=None,
              help="Text: a bag-of-n-grams branch beside the encoder, its logits added (as "
                   "fastText): 2 words and word pairs, 1 words, 0 none.")
@click.option("--epochs", type=int, default=None,
              help="Passes over the training set (default: about 1000 optimiser steps, with "
                   "early stopping).")
@click.option("--batch-size", default=64, show_default=True)
@setting_option("learning_rate", type=float, default=1e-3, show_default=True,
                help="Learning rate.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True)
@click.option("--patience", type=int, default=None,
              help="Epochs without validation improvement before stopping (0: never).")
@click.option("--min-delta", type=float, default=1e-3, show_default=True,
              help="Early stopping's minimum gain: an epoch resets the patience only if its "
                   "validation loss is below the best by this share of it (0.001: 0.1%; 0: any "
                   "gain).")
@click.option("--monitor", type=click.Choice(MONITORS), default="auto", show_default=True,
              help="What picks the kept epoch and early stopping: the validation accuracy "
                   "(auto; equal accuracies go to the lower loss) or the validation loss.")
@click.option("--seed", default=0, show_default=True, help="CPU runs with a seed repeat exactly.")
@setting_option("clip_norm", type=float, default=1.0, show_default=True,
                help="Gradient-norm clip (0: off).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option("--amp/--no-amp", default=True, show_default=True,
              help="bf16 autocast on CUDA (ignored on CPU).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for training (default: the cores less one, at least one, so a "
                   "busy neighbour cannot stall it; $OMP_NUM_THREADS also sets it).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run directory (default: runs/<file>-<kind>-<cell>-<time>).")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Plain log lines instead of a progress bar.")
@tracking_options
@handle_errors
@exits_on_signal
def train(data: Path, kind: str, text_column: str, label_column: str | None,
          steps: int | None, encoding: str, test_file: Path | None, test_size: float,
          val_size: float | None, keep_repeats: bool, cell: str | None, num_layers: int | None,
          hidden_size: int | None,
          bidirectional: bool | None, pooling: str | None, dropout: float | None,
          architecture: str | None, embedding_dim: int | None, max_words: int | None,
          max_length: int | None,
          word_dropout: float | None, pretrain: str | None, ngrams: int | None,
          epochs: int | None,
          batch_size: int,
          learning_rate: float, optimizer: str, patience: int | None, min_delta: float,
          monitor: str, seed: int,
          clip_norm: float, device: str, amp: bool, threads: int | None,
          out: Path | None, overwrite: bool,
          as_json: bool, quiet: bool, tracking_uri: str | None, experiment: str | None,
          no_tracking: bool, tracking_optional: bool, register: str | None) -> None:
    """Train a classifier on DATA and score it beside baselines on a held-out test set.

    Text: majority class and TF-IDF + logistic regression. Sequences: majority class,
    1-nearest neighbour (Euclidean) and 1-NN DTW. The run directory holds metrics.json,
    confusion.png, loss.png, model_card.md and model/; the run is logged to MLflow like a
    forecasting run.
    """
    from forecaster.classification.classification_run import (
        check_run,
        classification_run,
        prepare_data,
    )
    from forecaster.classification.sequence_classifier import SequenceClassifier
    from forecaster.classification.text_classifier import TextClassifier
    from forecaster.forecasting.rundir import default_run_dir
    from forecaster.output import check_out_dir
    from forecaster.settings import build_classifier, picked
    from forecaster.training.threads import describe_threads

    kind = resolve_kind(kind, data, steps, text_column)
    prepared = prepare_data(data, kind, test_path=test_file, test_size=test_size, seed=seed,
                            keep_repeats=keep_repeats, steps=steps, text_column=text_column,
                            label_column=label_column, encoding=encoding)
    for note in prepared.notes:
        info(f"Note: {note}.")
    train_set, test_set = prepared.train, prepared.test
    settings = {**picked(click.get_current_context().params, TextClassifier,
                         SequenceClassifier),
                "epochs": epochs or None, "clip_norm": clip_norm or None}  # 0: auto / off
    model = build_classifier(kind, settings, progress="lines" if quiet else "auto")
    check_run(train_set, model, val_size)  # refusals come before any MLflow run is opened
    stem = data.name.split(".")[0].removesuffix("_TRAIN")
    out = out or default_run_dir(f"{stem}-{kind}-{model.cell}")
    check_out_dir(out, overwrite, inputs=[data, test_file])
    tracking = start_tracking(tracking_uri, experiment or f"{stem}-{kind}-classifier",
                              register, no_tracking=no_tracking, optional=tracking_optional,
                              encoding=encoding)
    info(f"{data}: {len(train_set)} training and {len(test_set)} test cases, "
         f"{len(train_set.classes)} classes. Training {model.label} with seed {seed} on "
         f"{describe_threads(threads)}.")
    with tracked_run(tracking, out.name):
        result = classification_run(train_set, test_set, model, out, overwrite=overwrite,
                                    reporter=tracking.reporter,
                                    files={"train": data, "test": test_file},
                                    extra={**tracking.facts(), "split": prepared.split},
                                    val_size=val_size)
        tracking.finish(result.out,
                        interrupted=result.summary["training"]["interrupted"])
    evaluation = result.evaluation
    if as_json:
        echo_json({"run_dir": str(out), **evaluation.to_dict(),
                   "training": {k: result.summary["training"][k] for k in
                                ("epochs_run", "best_epoch", "seconds", "samples_per_second",
                                 "device")},
                   "mlflow": tracking.summary()})
    else:
        click.echo(f"\n{len(test_set)} test cases, {len(model.classes_)} classes.\n")
        click.echo(score_table(evaluation, model.label, result.summary["baselines"]))
        if evaluation.calibration is not None:
            from forecaster.classification.calibration import calibration_line

            click.echo(f"\n{calibration_line(evaluation.calibration)}")
        click.echo(f"\n{evaluation.verdict}\nRun written to {printable(str(out))}/ (metrics.json, "
                   f"confusion.png, loss.png, model_card.md, model/).")
    report_tracking(tracking)


def score_table(evaluation: Any, model_label: str, baselines: dict[str, str]) -> str:
    names = {"model": model_label, **baselines}
    shown = [names.get(key, key) for key in evaluation.metrics]
    width = max(36, *(len(name) + 2 for name in shown))  # a long model label stays aligned
    lines = [f"{'classifier':<{width}}{'ACCURACY':>10}{'MACRO-F1':>10}"]
    for name, values in zip(shown, evaluation.metrics.values(), strict=True):
        lines.append(f"{name:<{width}}{values['accuracy']:>10.4f}{values['macro_f1']:>10.4f}")
    return "\n".join(lines)


def load_classifier_ref(reference: str, tracking_uri: str | None) -> Any:
    """A classifier from a model directory or an MLflow `models:/` URI; what loading warns
    (e.g. a model saved before calibration) becomes a note on stderr."""
    import warnings

    from forecaster.classification.calibration import UncalibratedModelWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UncalibratedModelWarning)
        if reference.startswith(("models:/", "runs:/")):
            from forecaster.tracking.registry import load_registered

            model = load_registered(reference, tracking_uri)
        else:
            from forecaster.classification.saved_models import load_classifier

            model = load_classifier(reference)
    for warning in caught:
        if issubclass(warning.category, UncalibratedModelWarning):
            info(f"Note: {warning.message}")
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    return model


def _kind_of(model: Any) -> str:
    from forecaster.classification.saved_models import is_text_model

    return "text" if is_text_model(model) else "sequence"


_model_uri = click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None,
                          metavar="URI", help="Where models:/ URIs are looked up.")


@classify.command()
@click.argument("model_ref", metavar="MODEL")
@click.argument("data", type=click.Path(path_type=Path))
@_data_options
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Also write the labels and probabilities to this CSV file.")
@click.option("--id-column", default=None, metavar="NAME",
              help="Column of a text CSV carried to the output to join it back (default: a "
                   "column named id, if any; otherwise a 'row' column numbers the cases from "
                   "1).")
@click.option("--json", "as_json", is_flag=True)
@_model_uri
@handle_errors
def predict(model_ref: str, data: Path, kind: str, text_column: str, label_column: str | None,
            steps: int | None, encoding: str, out: Path | None, id_column: str | None,
            as_json: bool, tracking_uri: str | None) -> None:
    """Labels and class probabilities for every case of DATA (labels in DATA are not needed),
    each beside its id (or row number) and, for texts, the text, so the output joins back.

    MODEL is a model directory (runs/<run>/model) or a registry URI (models:/NAME@ALIAS).
    """
    import pandas as pd

    from forecaster.classification.saved_models import case_keys, probabilities_table
    from forecaster.output import atomic_file, check_file_target

    if out is not None:  # before any work: not a folder, not an input, a writable place
        check_file_target(out, [data, model_ref])
    model = load_classifier_ref(model_ref, tracking_uri)
    kind = _kind_of(model)
    cases = read_cases(data, kind, steps=steps, text_column=text_column,
                       label_column=label_column, encoding=encoding, require_labels=False)
    keys = case_keys(data, cases, id_column=id_column, text_column=text_column,
                     encoding=encoding)
    table = pd.concat([keys, probabilities_table(model, model.predict_proba(cases))], axis=1)
    if out is not None:
        with atomic_file(out) as tmp:
            table.to_csv(tmp, index=False)
    if as_json:
        echo_json({"classes": model.classes_, "predictions": [
            {**{key: row[key] for key in keys.columns}, "label": row["label"],
             "probabilities": [round(float(row[f"probability_{c}"]), 6) for c in model.classes_]}
            for row in table.to_dict("records")]})
        return
    from forecaster.data.printable import printable

    shown = table.copy()
    for column in keys.columns:  # ids and texts from the user's file, control characters escaped
        if shown[column].dtype == object:
            shown[column] = [printable(value) for value in shown[column]]
    if kind == "text":  # a whole review per line would hide the columns; --out has it all
        shown[text_column] = [_shortened(text) for text in table[text_column]]
    click.echo(shown.to_string(index=False, float_format=lambda p: f"{p:.4f}"))


def _shortened(text: str, width: int = 40) -> str:
    """One line of at most `width` characters, for the terminal table."""
    from forecaster.data.printable import printable

    line = printable(" ".join(text.split()))
    return line if len(line) <= width else line[:width - 1] + "…"


@classify.command()
@click.argument("model_ref", metavar="MODEL")
@click.argument("data", type=click.Path(path_type=Path))
@_data_options
@click.option("--train", "train_file", type=click.Path(path_type=Path), default=None,
              help="Training data the baselines are fitted on (default: the training file "
                   "recorded in the run directory around MODEL).")
@click.option("--in-sample", "include_seen", is_flag=True,
              help="Also score cases that were in the training data (the verdict then says "
                   "in-sample). By default they are left out, so the scores are a test.")
@click.option("--json", "as_json", is_flag=True)
@_model_uri
@handle_errors
def evaluate(model_ref: str, data: Path, kind: str, text_column: str, label_column: str | None,
             steps: int | None, encoding: str, train_file: Path | None, include_seen: bool,
             as_json: bool, tracking_uri: str | None) -> None:
    """Score a saved classifier on labelled DATA beside the baselines, fitted on the training
    data (--train, or the file its run directory recorded).

    Cases of DATA that were in the training data are left out (and counted), so scoring the
    training file itself scores only its held-out test part; --in-sample keeps them."""
    model = load_classifier_ref(model_ref, tracking_uri)
    kind = _kind_of(model)
    read = {"steps": steps, "text_column": text_column, "label_column": label_column,
            "encoding": encoding}
    cases = read_cases(data, kind, **read)
    split = None
    if train_file is None:
        train_file, split = _recorded_training(model_ref)
    if train_file is None:
        raise click.UsageError("Pass the training data with --train FILE: the baselines the "
                               "model is compared with are fitted on it.")
    from forecaster.classification.classification_run import stratified_split, without_repeats

    train_set, _ = without_repeats(read_cases(train_file, kind, **read),
                                   bool(split and split.get("keep_repeats")))
    if split:  # the run split its file: the baselines see only the training part, as then
        train_set, _ = stratified_split(train_set, split["test_size"], split["seed"])
    import numpy as np

    from forecaster.classification.evaluation import in_sample, seen_in_training
    from forecaster.errors import DataError

    seen = seen_in_training(cases, train_set)
    total, seen_count = len(cases), int(seen.sum())
    if seen_count and not include_seen:
        if seen_count == total:
            raise DataError(f"Every one of the {total} cases of '{printable(data)}' was in the "
                            f"training data the model and its baselines were fitted on: there "
                            f"is nothing unseen to test on. Score other labelled data, or pass "
                            f"--in-sample to score these (labelled in-sample).")
        cases = cases.take(np.flatnonzero(~seen), f"{cases.source} (unseen)")
    evaluation = model.evaluate(cases, train=train_set)
    scored_seen = seen_count if include_seen else 0
    if scored_seen:
        evaluation = in_sample(evaluation, model.label, scored_seen, total)
    span = ("test" if not scored_seen else
            "in-sample" if scored_seen == total else "partly in-sample")
    facts = {"scored_span": span, "cases": len(cases), "in_sample_cases": scored_seen,
             "left_out_seen_cases": seen_count - scored_seen}
    if as_json:
        echo_json({"model": model_ref, "data": str(data), "train": str(train_file),
                   **facts, **evaluation.to_dict()})
        return
    from forecaster.classification.evaluation import BASELINE_LABELS

    left_out = (f" {seen_count} case(s) seen in training left out (--in-sample keeps them)."
                if facts["left_out_seen_cases"] else "")
    what = ("test cases, none seen in training" if span == "test" else
            f"cases, {scored_seen} of them IN-SAMPLE (seen in training)")
    click.echo(f"{len(cases)} {what} of {printable(data)}; baselines fitted on "
               f"{printable(train_file)}.{left_out}\n")
    click.echo(score_table(evaluation, model.label, BASELINE_LABELS))
    if evaluation.calibration is not None:
        from forecaster.classification.calibration import calibration_line

        click.echo(f"\n{calibration_line(evaluation.calibration, 'the scored cases')}")
    click.echo(f"\n{evaluation.verdict}")


def _recorded_training(model_ref: str) -> tuple[Path | None, dict | None]:
    """The training file (and the split made of it) that the run around MODEL recorded."""
    import json

    metrics = Path(model_ref).parent / "metrics.json"
    if model_ref.startswith(("models:/", "runs:/")) or not metrics.is_file():
        return None, None
    recorded = json.loads(metrics.read_text(encoding="utf-8"))
    path = recorded.get("data", {}).get("files", {}).get("train", {}).get("path")
    if not path or not Path(path).is_file():
        return None, None
    return Path(path), recorded.get("split")
