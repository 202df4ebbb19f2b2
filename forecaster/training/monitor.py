"""What the fit loop watches: which epoch's weights it keeps, and when early stopping fires.

Forecasters watch the validation loss. Classifiers may watch the validation accuracy instead:
the loss of a classifier bottoms out several epochs before its accuracy peaks (rotten_tomatoes:
lowest loss at epoch 17, best accuracy at epoch 24), so keeping the lowest-loss epoch leaves
accuracy on the table. Accuracy moves in steps of one case, so equal accuracies are common;
between them the lower loss wins, for the kept epoch and for the patience alike.

The state is rebuilt from the epoch records (`Monitor.replay`), so a checkpoint resumes with the
same kept epoch and patience count that an uninterrupted run would have had, whatever version
wrote it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forecaster.errors import ConfigError

if TYPE_CHECKING:
    from forecaster.training.loop import EpochRecord

MONITORS: tuple[str, ...] = ("auto", "loss", "accuracy")  # auto: accuracy for classifiers
WATCHED: tuple[str, ...] = ("loss", "accuracy")  # what "auto" resolves to

Score = tuple[float, ...]  # compared in order, lower is better


def resolve_monitor(asked: str, metric_names: Iterable[str], validated: bool) -> str:
    """"loss" or "accuracy": what the loop watches for `monitor=asked`.

    "auto" watches the accuracy when the estimator reports one (classifiers), else the loss.
    Without validation cases there is no accuracy to watch, so the training loss decides (as
    it does for the loss); `fit` says so when accuracy was asked for by name.
    """
    has_accuracy = "accuracy" in set(metric_names)
    if asked == "accuracy" and not has_accuracy:
        raise ConfigError("monitor='accuracy' needs a validation accuracy, which only "
                          "classifiers report; use monitor='loss' (or 'auto', which is the loss "
                          "for forecasters).")
    if asked == "loss" or not has_accuracy or not validated:
        return "loss"
    return "accuracy"


def counts_as_gain(loss: float, reference: float, min_delta: float) -> bool:
    """Whether `loss` improves on `reference` (the loss of the last gain that counted) by the
    share `min_delta` of it: on a plateau, ever-tinier gains no longer reset the patience,
    while a slow steady descent still adds up to gains that do."""
    if not math.isfinite(reference):  # nothing to beat yet (inf - inf would be NaN)
        return True
    return loss < reference - abs(reference) * min_delta


@dataclass
class Monitor:
    """The kept epoch and the patience count, epoch by epoch.

    Watching the loss: the lowest validation loss is kept, and a gain resets the patience only
    if it beats the last counted one by `min_delta` of it. Watching the accuracy: the highest
    validation accuracy is kept, ties going to the lower loss; any higher accuracy (one more
    case right) resets the patience, and so does an equal accuracy whose loss counts as a gain.
    """

    watch: str  # "loss" | "accuracy"
    min_delta: float
    best: Score = (math.inf, math.inf)
    best_epoch: int = 0
    reference: Score = (math.inf, math.inf)  # the score of the last gain that counted
    waited: int = 0

    def score(self, record: EpochRecord) -> Score:
        """(loss,) or (error rate, loss); the training loss when there was no validation."""
        loss = record.train_loss if record.val_loss is None else record.val_loss
        if self.watch == "accuracy":
            return 1.0 - record.val_metrics["accuracy"], loss
        return (loss,)

    def update(self, record: EpochRecord) -> bool:
        """Take one finished epoch; True when it is the best so far (its weights are kept)."""
        score = self.score(record)
        best = score < self.best[:len(score)]
        if best:
            self.best, self.best_epoch = score, record.epoch
        if self._gain(score):
            self.reference, self.waited = score, 0
        else:
            self.waited += 1
        return best

    def _gain(self, score: Score) -> bool:
        if self.watch == "accuracy":
            error, loss = score
            if not math.isfinite(self.reference[0]):  # the first epoch
                return True
            return error < self.reference[0] or (
                error == self.reference[0] and counts_as_gain(loss, self.reference[1],
                                                              self.min_delta))
        return counts_as_gain(score[0], self.reference[0], self.min_delta)

    @classmethod
    def replay(cls, watch: str, min_delta: float, records: Iterable[EpochRecord]) -> Monitor:
        """The state after `records`, as the loop reached it epoch by epoch."""
        monitor = cls(watch, min_delta)
        for record in records:
            monitor.update(record)
        return monitor

    def describe(self) -> str:
        """What early stopping waited for, for the message that says it stopped."""
        if self.watch == "accuracy":
            return (f"the validation accuracy has not risen (nor, at equal accuracy, the loss "
                    f"fallen by {self.min_delta:.2%} or more)")
        return f"the validation loss has not improved by {self.min_delta:.2%} or more"
