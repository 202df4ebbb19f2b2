"""The barely-trained rule: the first epoch kept, or a kept loss within 1% of the first's."""

from __future__ import annotations

from forecaster.training.barely import barely_trained, barely_trained_note, gain_over_first
from forecaster.training.loop import EpochRecord, History

START = "its forecasts are the last value moved by what an untrained network outputs"


def history(val: list[float] | None, best: int, train: list[float] | None = None) -> History:
    """A History as fit records it: one record per epoch, the epoch kept."""
    train = train or [1.0] * len(val or [])
    records = [EpochRecord(epoch, loss, None if val is None else val[epoch - 1])
               for epoch, loss in enumerate(train, start=1)]
    return History(epochs=records, best_epoch=best)


def test_the_first_epoch_kept_is_barely_trained_and_says_the_loss_rose():
    kept = history([0.10, 0.30, 0.25, 0.20], best=1)
    assert barely_trained(kept)
    assert barely_trained_note(kept, START) == (
        "Barely trained: epoch 1 of 4 was kept (no later epoch had a lower validation loss), "
        "so the network behaves close to its starting point; its forecasts are the last value "
        "moved by what an untrained network outputs. The validation loss rose after epoch 1: "
        "a lower learning rate, or more data, may help.")


def test_a_level_loss_after_epoch_one_asks_for_more_training_not_a_lower_rate():
    note = barely_trained_note(history([0.100, 0.1005, 0.1002], best=1), START)
    assert note.endswith("More epochs, a higher learning rate, or more data may help.")


def test_a_single_epoch_says_only_one_ran():
    note = barely_trained_note(history([0.2], best=1), START)
    assert note.startswith("Barely trained: only one epoch ran and it was kept, so")
    assert note.endswith("More epochs may help.")


def test_a_later_epoch_within_one_percent_of_the_first_is_barely_trained():
    kept = history([0.2000, 0.1995, 0.1990], best=3)
    assert gain_over_first(kept) == 1 - 0.1990 / 0.2000
    assert barely_trained(kept)
    assert "epoch 3 of 3 was kept, but its validation loss is only 0.50% lower than the first " \
           "epoch's (less than 1%)" in barely_trained_note(kept, START)


def test_a_gain_of_one_percent_or_more_is_trained():
    kept = history([0.200, 0.150, 0.198], best=2)
    assert not barely_trained(kept)
    assert barely_trained_note(kept, START) is None
    assert not barely_trained(history([0.2, 0.198], best=2))  # exactly 1%: trained


def test_without_a_validation_set_the_training_loss_is_read():
    kept = history(None, best=2, train=[0.5, 0.4999])
    assert barely_trained(kept)
    assert "its loss is only 0.02% lower" in barely_trained_note(kept, START)
    assert not barely_trained(history(None, best=2, train=[0.5, 0.3]))


def test_a_history_without_epochs_is_judged_on_the_kept_epoch_alone():
    """A model loaded from disk keeps only its best epoch."""
    assert barely_trained(History(best_epoch=1))
    assert not barely_trained(History(best_epoch=7))
