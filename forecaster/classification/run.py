"""One sequence-classification run end to end: fit, score beside baselines, write a run dir."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from forecaster.classification.evaluation import ClassificationEvaluation
from forecaster.classification.sequence_classifier import SequenceClassifier
from forecaster.classification.sequence_data import SequenceSet
from forecaster.forecasting.report import write_json
from forecaster.forecasting.rundir import atomic_directory, check_out_dir


def subset(data: SequenceSet, rows: np.ndarray, source: str) -> SequenceSet:
    return SequenceSet(values=data.values[rows], lengths=data.lengths[rows],
                       labels=data.labels[rows], source=source)


def stratified_split(data: SequenceSet, test_size: float, seed: int
                     ) -> tuple[SequenceSet, SequenceSet]:
    """Train and test parts with the same class shares (for data with no fixed split)."""
    from sklearn.model_selection import train_test_split

    train_rows, test_rows = train_test_split(np.arange(len(data)), test_size=test_size,
                                             stratify=data.labels, random_state=seed)
    return (subset(data, np.sort(train_rows), f"{data.source} (train)"),
            subset(data, np.sort(test_rows), f"{data.source} (test)"))


def classification_run(train: SequenceSet, test: SequenceSet, model: SequenceClassifier,
                       out: Path, overwrite: bool = False
                       ) -> tuple[ClassificationEvaluation, dict[str, Any]]:
    """Fit on `train`, score on `test` beside majority and 1-NN, write `out` atomically."""
    check_out_dir(out, overwrite)
    model.fit(train)
    evaluation = model.evaluate(test, train=train)
    history = model.history_
    summary = {
        "data": {"train": train.source, "test": test.source, "train_cases": len(train),
                 "test_cases": len(test), "steps": int(train.values.shape[1]),
                 "channels": int(train.values.shape[2]), "classes": model.classes_},
        "model": {**model.get_params(), "label": model.label},
        "training": {**asdict(model.train_config_), "epochs_run": history.epochs_run,
                     "best_epoch": history.best_epoch, "seconds": round(history.seconds, 3),
                     "samples_per_second": round(len(train) * 0.8 * history.epochs_run
                                                 / max(history.seconds, 1e-9), 1),
                     "device": history.device, "torch_threads": torch.get_num_threads(),
                     "train_loss": history.train_loss, "val_loss": history.val_loss,
                     "val_accuracy": history.val_metrics.get("accuracy", [])},
    }
    from forecaster.classification.plots import plot_confusion
    from forecaster.forecasting.plots import plot_loss

    with atomic_directory(out, overwrite) as tmp:
        model.save(tmp / "model")
        write_json(tmp / "metrics.json", {**summary, **evaluation.to_dict()})
        plot_confusion(tmp / "confusion.png", evaluation)
        plot_loss(tmp / "loss.png", history.train_loss, history.val_loss, history.best_epoch)
    return evaluation, summary
