"""What the fit loop watches (`monitor`): classifiers may keep the epoch of the best validation
accuracy (ties: the lower loss) instead of the lowest validation loss; the History says which;
checkpoints resume to the same result, older ones (written before `monitor`) too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from pairs import Pairs
from torch import nn

from forecaster.classification import SequenceClassifier, read_ts
from forecaster.classification.validation import validation_split
from forecaster.errors import ConfigError
from forecaster.training import TrainConfig, fit
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.loop import EpochRecord
from forecaster.training.monitor import Monitor, resolve_monitor
from forecaster.training.reporting import RunReporter

ITALY = Path(__file__).resolve().parents[2] / "datasets" / "ucr" / "ItalyPowerDemand"


def record(epoch: int, loss: float, accuracy: float) -> EpochRecord:
    return EpochRecord(epoch, train_loss=1.0, val_loss=loss, val_metrics={"accuracy": accuracy})


# ---------------------------------------------------------------- the rule, on hand-made epochs
def test_accuracy_keeps_the_most_accurate_epoch_and_breaks_ties_by_the_lower_loss():
    monitor = Monitor("accuracy", min_delta=1e-3)
    kept = [monitor.update(r) for r in (record(1, 0.60, 0.70), record(2, 0.50, 0.75),
                                        record(3, 0.55, 0.80), record(4, 0.52, 0.80),
                                        record(5, 0.40, 0.78), record(6, 0.53, 0.80))]
    assert kept == [True, True, True, True, False, False]
    assert monitor.best_epoch == 4  # 0.80 at epochs 3, 4, 6: epoch 4 has the lowest loss
    assert Monitor.replay("loss", 1e-3, [record(e, loss, 0.5) for e, loss in
                                         enumerate((0.6, 0.5, 0.55, 0.52, 0.40), 1)]
                          ).best_epoch == 5


def test_accuracy_patience_resets_on_more_accuracy_or_a_real_loss_gain_at_equal_accuracy():
    monitor = Monitor("accuracy", min_delta=1e-2)
    monitor.update(record(1, 0.50, 0.80))
    monitor.update(record(2, 0.30, 0.79))  # lower loss, less accurate: no gain
    assert monitor.waited == 1
    monitor.update(record(3, 0.499, 0.80))  # equal accuracy, loss 0.2 % lower: too small
    assert monitor.waited == 2
    monitor.update(record(4, 0.45, 0.80))  # equal accuracy, loss 10 % lower: a gain
    assert monitor.waited == 0
    monitor.update(record(5, 0.90, 0.81))  # one more case right, however high the loss
    assert monitor.waited == 0
    assert monitor.best_epoch == 5


@pytest.mark.parametrize(("asked", "metrics", "validated", "watched"), [
    ("auto", {"accuracy"}, True, "accuracy"),  # a classifier
    ("auto", set(), True, "loss"),  # a forecaster
    ("loss", {"accuracy"}, True, "loss"),
    ("accuracy", {"accuracy"}, True, "accuracy"),
    ("accuracy", {"accuracy"}, False, "loss"),  # no validation cases: the training loss
])
def test_auto_is_accuracy_for_classifiers_and_loss_otherwise(asked, metrics, validated, watched):
    assert resolve_monitor(asked, metrics, validated) == watched


def test_accuracy_without_an_accuracy_is_refused_naming_the_setting():
    torch.manual_seed(0)
    data = Pairs(torch.randn(64, 4), torch.randn(64, 1))
    with pytest.raises(ConfigError, match=r"^monitor='accuracy' needs a validation accuracy, "
                                          r"which only classifiers report; use monitor='loss'"):
        fit(nn.Linear(4, 1), data, data, nn.functional.mse_loss,
            TrainConfig(epochs=1, monitor="accuracy", progress="off", device="cpu"))


def test_an_unknown_monitor_is_refused():
    with pytest.raises(ConfigError, match=r"^monitor='val_acc' is not known; use one of auto, "
                                          r"loss, accuracy\.$"):
        TrainConfig(monitor="val_acc")


# ---------------------------------------------------------------- a real classifier
@pytest.fixture(scope="module")
def italy():
    return read_ts(ITALY / "ItalyPowerDemand_TRAIN.ts")


def small(monitor: str, epochs: int = 12) -> SequenceClassifier:
    return SequenceClassifier(hidden_size=8, training=TrainConfig(
        epochs=epochs, patience=0, batch_size=16, learning_rate=3e-3, monitor=monitor,
        progress="off", device="cpu"))


@pytest.mark.parametrize("monitor", ["auto", "accuracy"])
def test_a_classifier_keeps_the_epoch_of_the_best_validation_accuracy(italy, monitor):
    model = small(monitor).fit(italy, val_size=0.2)
    history = model.history_
    assert history.monitor == "accuracy"
    accuracy, loss = history.val_metrics["accuracy"], history.val_loss
    best = max(range(history.epochs_run), key=lambda i: (accuracy[i], -loss[i]))
    assert history.best_epoch == best + 1
    # and those are the weights kept: the validation cases score as that epoch did
    _, targets = np.unique(italy.labels, return_inverse=True)
    _, val_rows = validation_split(targets, 0.2, 0)
    kept = (model.predict(italy.take(val_rows, "val")) == italy.labels[val_rows]).mean()
    assert kept == pytest.approx(accuracy[best])


def test_monitor_loss_keeps_the_lowest_validation_loss(italy):
    history = small("loss").fit(italy, val_size=0.2).history_
    assert history.monitor == "loss"
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1


# ---------------------------------------------------------------- checkpoints
class Killed(Exception):
    pass


class KillAtEpoch4(RunReporter):
    def epoch(self, epoch, metrics):
        if epoch == 4:
            raise Killed


def killed_run(italy, monitor: str, path: Path) -> Checkpoint:
    checkpoint = Checkpoint(path, key="italy")
    with pytest.raises(Killed):
        small(monitor, epochs=8).fit(italy, val_size=0.2, reporter=KillAtEpoch4(),
                                     checkpoint=checkpoint)
    return checkpoint


@pytest.mark.parametrize("monitor", ["accuracy", "loss"])
def test_a_resumed_fit_ends_as_an_uninterrupted_one(italy, tmp_path, monitor):
    checkpoint = killed_run(italy, monitor, tmp_path / "checkpoint.pt")
    resumed = small(monitor, epochs=8).fit(italy, val_size=0.2, checkpoint=checkpoint)
    whole = small(monitor, epochs=8).fit(italy, val_size=0.2)
    assert resumed.history_.resumed_from_epoch == 3
    assert resumed.history_.epochs == whole.history_.epochs
    assert resumed.history_.best_epoch == whole.history_.best_epoch
    assert resumed.history_.monitor == monitor


def test_a_checkpoint_from_before_monitor_still_resumes(italy, tmp_path):
    """Written by the previous version: no `monitor`, its own best_loss/waited/reference."""
    checkpoint = killed_run(italy, "loss", tmp_path / "checkpoint.pt")
    state = torch.load(checkpoint.path, weights_only=True)
    del state["monitor"]
    losses = [epoch["val_loss"] for epoch in state["epochs"]]
    state.update(best_loss=min(losses), waited=0, reference=min(losses))
    checkpoint.save(state)
    resumed = small("loss", epochs=8).fit(italy, val_size=0.2, checkpoint=checkpoint)
    whole = small("loss", epochs=8).fit(italy, val_size=0.2)
    assert resumed.history_.resumed_from_epoch == 3
    assert resumed.history_.epochs == whole.history_.epochs
    assert resumed.history_.best_epoch == whole.history_.best_epoch
