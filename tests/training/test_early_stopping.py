"""Early stopping fires on a plateau: a gain resets the patience only if it beats the loss of the
last counted gain by `min_delta` of it, while the weights kept stay those of the lowest loss.

On GOOG the validation loss flattened by epoch 4-5, yet all 84 epochs ran because ever-tinier
gains reset the patience; with min_delta 0.001 it stops at epoch 21 (RMSE 17.829 vs 17.822)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from pairs import Pairs
from torch import nn

from forecaster.cli import main
from forecaster.training import TrainConfig, fit
from forecaster.training.monitor import counts_as_gain

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"




def linear_data(n: int = 384) -> Pairs:
    """A noisy linear relation. Fitted by full-batch Adam, a linear model's loss on it creeps
    down to the noise floor by ever-smaller steps: the plateau that kept GOOG training."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]]) + 0.3 * torch.randn(n, 1,
                                                                             generator=generator)
    return Pairs(x, y)


def plateau_fit(min_delta: float):
    """Monitored on the training cases themselves, so that every epoch is a (tiny) gain."""
    torch.manual_seed(0)
    model, data = nn.Linear(4, 1), linear_data()
    history = fit(model, data, data, nn.functional.mse_loss,
                  TrainConfig(epochs=300, patience=5, learning_rate=0.01, batch_size=384,
                              min_delta=min_delta, progress="off", device="cpu"))
    return model, data, history


@pytest.mark.parametrize(("loss", "reference", "min_delta", "counts"), [
    (0.99, 1.0, 1e-3, True),  # 1% better
    (0.9995, 1.0, 1e-3, False),  # 0.05% better: a plateau's creep
    (0.9995, 1.0, 0.0, True),  # any gain counts with 0
    (1.0, 1.0, 0.0, False),  # equal is no gain
    (5.0, float("inf"), 1e-3, True),  # the first epoch always counts
    (-1.01, -1.0, 1e-3, True),  # a negative loss (a custom one) improves downwards too
    (-1.0005, -1.0, 1e-3, False),
])
def test_a_gain_counts_only_beyond_the_relative_minimum(loss, reference, min_delta, counts):
    assert counts_as_gain(loss, reference, min_delta) is counts


def test_a_plateau_stops_early_where_any_gain_would_go_on():
    _, _, creeping = plateau_fit(min_delta=0.0)
    model, data, stopped = plateau_fit(min_delta=1e-3)
    assert not creeping.stopped_early and creeping.epochs_run == 300  # every gain reset it
    assert stopped.stopped_early and stopped.epochs_run < 300
    # the kept weights are the lowest loss seen, even when that gain was too small to count
    lowest = min(range(stopped.epochs_run), key=lambda i: stopped.val_loss[i])
    assert stopped.best_epoch == lowest + 1
    with torch.no_grad():
        kept = float(nn.functional.mse_loss(model(data.x), data.y))
    assert kept == pytest.approx(min(stopped.val_loss), rel=1e-5)
    # and the epochs it saved were worth a fraction of a per cent of the loss
    assert kept < min(creeping.val_loss) * 1.005


@pytest.mark.parametrize(("value", "message"), [
    (-0.1, "min_delta=-0.1 must be a share of the best validation loss, 0 or more and below 1 "
           "(e.g. 0.001: an epoch must beat the best loss by 0.1% to reset the patience; 0: any "
           "gain does)."),
    (1.0, "min_delta=1.0 must be a share of the best validation loss"),
    (float("nan"), "min_delta=nan must be a share"),
])
def test_a_bad_min_delta_is_refused_naming_it(value, message):
    from forecaster.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        TrainConfig(min_delta=value)
    assert message in str(info.value)


def test_the_cli_refuses_a_bad_min_delta_with_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["train", str(GOOG), "-t", "Close", "--min-delta", "2",
                                       "--no-tracking", "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert "min_delta=2.0 must be a share of the best validation loss" in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", [["train"], ["classify", "train"]])
def test_help_says_what_min_delta_means(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert "--min-delta" in result.output
    assert "resets the patience only if its validation loss is below" in " ".join(
        result.output.split())


def test_goog_stops_on_its_plateau_and_keeps_the_same_best_epoch(tmp_path):
    """Real data: a small GRU on GOOG (without calendar inputs, the plateau this test was
    built on). Counting every gain runs longer for the same model."""
    runs = {}
    for min_delta in ("0", "0.001"):
        out = tmp_path / min_delta
        result = CliRunner().invoke(main, [
            "train", str(GOOG), "-t", "Close", "--cell", "gru", "--num-layers", "1",
            "--hidden-size", "8", "--lookback", "20", "--device", "cpu", "--quiet",
            "--no-tracking", "--calendar", "none", "--min-delta", min_delta, "--out",
            str(out)])
        assert result.exit_code == 0, result.output
        runs[min_delta] = json.loads((out / "metrics.json").read_text())
    every, relative = runs["0"]["training"], runs["0.001"]["training"]
    assert relative["stopped_early"]
    assert relative["epochs_run"] < every["epochs_run"]
    assert relative["best_epoch"] <= every["best_epoch"]


def test_a_pipeline_min_delta_outside_0_to_1_is_exit_2_at_validate(tmp_path):
    air = GOOG.parent / "airpassengers.csv"
    path = tmp_path / "job.yaml"
    path.write_text(f"data:\n  path: {air}\n  targets: [y]\ntraining:\n  min_delta: 1.5\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}: 'training.min_delta' must be in [0, 1), got 1.5." in result.output
