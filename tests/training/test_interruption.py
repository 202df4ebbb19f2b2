"""Ctrl-C at any moment of training: the losses stay one record per finished epoch (never a
train list one longer than the validation list), the best epoch is kept, and the run directory
with its loss plot is still written. Before the first epoch finishes there is nothing to keep,
so the interrupt goes on to the caller and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from forecaster import Forecaster, TrainConfig, load_series, train_run
from forecaster.forecasting.plots import plot_loss
from forecaster.training import RunReporter, fit

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"
TRAIN_BATCHES, VAL_BATCHES, EPOCHS = 6, 1, 3  # 192 training rows in batches of 32
FETCHES = (TRAIN_BATCHES + VAL_BATCHES) * EPOCHS


class Interrupting:
    """A batch source that presses Ctrl-C on the k-th batch fetched (training or validation:
    both sources share one counter), like a user at a random moment."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, counter: list[int], at: int) -> None:
        self.x, self.y, self.counter, self.at = x, y, counter, at

    def __len__(self) -> int:
        return len(self.x)

    def fetch(self, rows):
        self.counter[0] += 1
        if self.counter[0] == self.at:
            raise KeyboardInterrupt
        return self.x[rows], self.y[rows]

    def to(self, device):
        return self


def sources(at: int) -> tuple[Interrupting, Interrupting]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]])
    counter = [0]
    return (Interrupting(x[:192], y[:192], counter, at),
            Interrupting(x[192:], y[192:], counter, at))


@pytest.mark.parametrize("at", range(1, FETCHES + 1))
def test_ctrl_c_at_every_batch_keeps_whole_epochs(at, tmp_path):
    train, val = sources(at)
    config = TrainConfig(epochs=EPOCHS, batch_size=32, patience=0, progress="off",
                         device="cpu")
    finished = (at - 1) // (TRAIN_BATCHES + VAL_BATCHES)  # epochs complete before the press
    if finished == 0:
        with pytest.raises(KeyboardInterrupt):
            fit(nn.Linear(4, 1), train, val, nn.functional.mse_loss, config)
        return
    history = fit(nn.Linear(4, 1), train, val, nn.functional.mse_loss, config)
    assert history.interrupted
    assert history.epochs_run == finished
    assert len(history.train_loss) == len(history.val_loss) == finished
    assert [record.epoch for record in history.epochs] == list(range(1, finished + 1))
    assert 1 <= history.best_epoch <= finished
    plot_loss(tmp_path / "loss.png", history.train_loss, history.val_loss, history.best_epoch)
    assert (tmp_path / "loss.png").stat().st_size > 0


class InterruptAt(RunReporter):
    """Ctrl-C while the tracking backend hears epoch `at`."""

    def __init__(self, at: int) -> None:
        self.at = at

    def epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        if epoch == self.at:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def air():
    return load_series(AIR, target="y")


def small() -> Forecaster:
    return Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=12, training=TrainConfig(
        epochs=4, patience=0, progress="off", device="cpu"))


@pytest.mark.parametrize("at", [1, 2, 4])
def test_an_interrupted_run_still_writes_its_directory_and_loss_plot(air, tmp_path, at):
    out = tmp_path / "run"
    result = train_run(air, small(), out, reporter=InterruptAt(at))
    assert result.out == out
    training = json.loads((out / "metrics.json").read_text(encoding="utf-8"))["training"]
    assert training["interrupted"] is True
    assert training["epochs_run"] == at  # the epoch being reported had finished
    assert len(training["train_loss"]) == len(training["val_loss"]) == at
    assert (out / "loss.png").stat().st_size > 0 and (out / "model" / "config.json").is_file()
