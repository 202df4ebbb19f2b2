"""What every classifier on the recurrent core does the same way: check the classes, train
through the one fit loop (on the split of `validation.py`), calibrate the probabilities on the
validation cases, predict in batches, and refuse labels the model never saw.
`SequenceClassifier` and `TextClassifier` differ only in how they turn their data into
(values, lengths) tensors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from forecaster.classification.batches import SequenceBatches
from forecaster.classification.calibration import calibration_summary, fit_temperature, softmax
from forecaster.errors import DataError
from forecaster.training import History, TrainConfig, fit
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.reporting import RunReporter

PREDICT_BATCH = 1024


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Share of cases whose largest logit is the target class (a validation metric)."""
    return float((outputs.argmax(dim=1) == targets).float().mean())


def class_targets(labels: np.ndarray | None, source: str) -> tuple[list[str], np.ndarray]:
    """Sorted classes and each case's class index; DataError for unlabelled or one-class data."""
    if labels is None:
        raise DataError(f"'{source}' has no labels, so a classifier cannot learn from it. Pass "
                        f"data with a label for every case.")
    classes = sorted(set(labels.tolist()))
    if len(classes) < 2:
        raise DataError(f"'{source}' has a single class ({classes[0]!r}): there is nothing to "
                        f"tell apart. Check the label column.")
    counts = np.unique(labels, return_counts=True)[1]
    single = int((counts < 2).sum())
    if single * 2 > len(classes):
        raise DataError(f"'{source}' has {len(classes)} classes in {len(labels)} cases, and "
                        f"{single} of them have a single case: too few examples per class to "
                        f"learn from (or to hold out for validation). Check that the label "
                        f"column holds the classes (not an id or the text), or gather at least "
                        f"a few cases per class.")
    return classes, np.searchsorted(classes, labels)


def train_network(build: Callable[[], nn.Module], train: SequenceBatches,
                  val: SequenceBatches, config: TrainConfig,
                  reporter: RunReporter | None = None, checkpoint: Checkpoint | None = None
                  ) -> tuple[nn.Module, History, float]:
    """Build the network under the run's seed (repeatable weights), train it with cross-entropy
    through the one fit loop, and return it on the CPU with its History and the temperature
    fitted on the validation cases (1.0 without any)."""
    torch.manual_seed(config.seed)
    network = build()
    history = fit(network, train, val if len(val) else None, nn.functional.cross_entropy,
                  config, metrics={"accuracy": accuracy}, reporter=reporter,
                  checkpoint=checkpoint)
    network.to("cpu")
    if not len(val):
        return network, history, 1.0
    logits = predict_logits(network, val.values, val.lengths, classes=0)
    return network, history, fit_temperature(logits, val.targets.numpy())


def predict_logits(network: nn.Module, values: torch.Tensor, lengths: torch.Tensor,
                   classes: int) -> np.ndarray:
    """(n, classes) logits, in batches trimmed to their longest sequence."""
    network.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(values), PREDICT_BATCH):
            part = slice(start, start + PREDICT_BATCH)
            longest = int(lengths[part].max())
            out.append(network(values[part, :longest], lengths[part]).float().numpy())
    return np.concatenate(out) if out else np.empty((0, classes), dtype=np.float32)


def predict_probabilities(network: nn.Module, values: torch.Tensor, lengths: torch.Tensor,
                          classes: int, temperature: float = 1.0) -> np.ndarray:
    """(n, classes) probabilities: the softmax of the logits divided by `temperature`."""
    logits = predict_logits(network, values, lengths, classes)
    return softmax(logits, temperature).astype(np.float32)


def scored_predictions(model: Any, logits: np.ndarray, labels: np.ndarray
                       ) -> tuple[np.ndarray, dict[str, Any]]:
    """A fitted classifier's predicted labels for `logits` and its calibration on these
    labelled cases (T, ECE before and after)."""
    targets = np.searchsorted(model.classes_, labels)
    predicted = np.asarray(model.classes_)[logits.argmax(axis=1)]
    return predicted, calibration_summary(logits, targets, model.temperature_,
                                          model.calibration_cases_)


def check_known_labels(labels: np.ndarray | None, classes: list[str], source: str) -> np.ndarray:
    """The labels of data to score, refusing missing labels and classes the model never saw."""
    if labels is None:
        raise DataError(f"'{source}' has no labels, so predictions cannot be scored. Pass data "
                        f"with a label for every case.")
    unseen = sorted(set(labels.tolist()) - set(classes))
    if unseen:
        raise DataError(f"'{source}' has label(s) {unseen} that the model never saw (it knows "
                        f"{classes}). Drop those cases, or train on data that has them.")
    return labels


def majority_predictions(train_labels: np.ndarray | None, test_labels: np.ndarray
                         ) -> np.ndarray:
    """The most frequent training class for every test case; without training labels, the test
    set's own most frequent class (an optimistic baseline). Ties go to the first class in text
    order, as in scikit-learn's DummyClassifier."""
    values, counts = np.unique(train_labels if train_labels is not None else test_labels,
                               return_counts=True)
    return np.full(len(test_labels), values[counts.argmax()])
