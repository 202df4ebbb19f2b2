"""Progress reads well: times as minutes and seconds ("6m 24s", not "23924.8s"), and a long
epoch (an 8-minute text epoch used to show nothing) reports its batches every few seconds."""

from __future__ import annotations

import re

import pytest
import torch
from pairs import Pairs
from torch import nn

from forecaster.training import TrainConfig, fit
from forecaster.training import progress as progress_module
from forecaster.training.progress import Progress, duration


class Clock:
    """Time that moves only when told to, so that the throttling is tested exactly."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("seconds", "text"), [
    (0.0, "0s"), (0.4, "0s"), (42.4, "42s"), (59.6, "1m 00s"), (60, "1m 00s"), (384, "6m 24s"),
    (3599.4, "59m 59s"), (3720, "1h 02m"), (23924.8, "6h 39m"), (90000, "25h 00m"),
    (-3, "0s"),
])
def test_durations_read_as_minutes_and_seconds(seconds, text):
    assert duration(seconds) == text


def test_a_short_epoch_reports_no_batches_and_a_long_one_every_few_seconds(capsys):
    clock = Clock()
    progress = Progress(epochs=10, mode="lines", clock=clock)
    progress.start_epoch()
    step = 1 / 128  # seconds a batch; exact in binary, so the 5 s mark falls on a batch
    for done in range(1, 100):  # 99 batches in 0.77 s: too short to report
        clock.now += step
        progress.batch(1, done, 1000)
    assert capsys.readouterr().err == ""
    for done in range(100, 1000):  # 7 s more: one line each 5 s, never more
        clock.now += step
        progress.batch(1, done, 1000)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    # 640 of 1000 batches after 5 s: 2.8 s left of this epoch, then 9 epochs of 7.8 s
    assert lines[0] == ("batch 640/1000 of epoch 1/10  elapsed 5s  epoch left 3s  "
                        "left <= 1m 13s")
    clock.now += 2000  # an epoch line: the time left in hours and minutes, not "18070.3s"
    progress.epoch(1, 0.5, 0.25, best=True)
    assert capsys.readouterr().err.strip().endswith("elapsed 33m 28s  left <= 5h 01m")


def test_the_epoch_line_says_how_much_patience_is_left(capsys):
    progress = Progress(epochs=84, mode="lines", clock=Clock())
    progress.epoch(20, 0.00042, 0.00047, best=True, waited=15, patience=17)
    line = capsys.readouterr().err
    assert "val_loss 0.00047  (best)  patience 15/17" in line


def test_the_bar_shows_the_batches_of_a_long_epoch(capsys):
    clock = Clock()
    progress = Progress(epochs=3, mode="bar", clock=clock)
    progress.start_epoch()
    clock.now += 384.0  # 6m 24s for the first 100 of 200 batches
    progress.batch(1, 100, 200)
    progress.close()
    assert "batch 100/200, epoch ends in 6m 24s" in capsys.readouterr().err


def test_a_long_epoch_of_a_real_fit_reports_its_batches(capsys, monkeypatch):
    """Batch size 1 over 3000 cases makes the epoch long in batches (3000 optimiser steps);
    the reporting interval is shortened so that the test does not wait seconds."""
    monkeypatch.setattr(progress_module, "LINE_EVERY_S", 0.05)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3000, 4, generator=generator)
    data = Pairs(x, x.sum(dim=1, keepdim=True))
    fit(nn.Linear(4, 1), data, None, nn.functional.mse_loss,
        TrainConfig(epochs=2, batch_size=1, progress="lines", device="cpu"))
    err = capsys.readouterr().err.splitlines()
    batches = [line for line in err if line.startswith("batch ")]
    assert batches, err
    assert all(re.fullmatch(r"batch \d+/3000 of epoch [12]/2  elapsed \d+s  epoch left "
                            r"\d+s  left <= \d+s", line) for line in batches), batches
    assert any(line.startswith("epoch 1/2") for line in err)
    # the batch lines come before the epoch's own line, in order
    assert err.index(batches[0]) < next(i for i, line in enumerate(err)
                                        if line.startswith("epoch 1/2"))
