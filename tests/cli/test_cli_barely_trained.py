"""`forecaster train` says when the kept model barely trained: its own printed line, metrics.json,
--json, the model card and the MLflow tags, from real small runs on the shipped airpassengers."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from forecaster.cli import main
from forecaster.tracking.records import read_run_dir, run_params, run_tags

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"
SMALL = ["--cell", "gru", "--num-layers", "1", "--hidden-size", "8", "--patience", "0",
         "--device", "cpu", "--threads", "1", "--quiet"]


def train(out: Path, *options: str) -> tuple[str, dict]:
    result = CliRunner().invoke(main, ["train", str(AIR), *SMALL, *options, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return result.stdout, json.loads((out / "metrics.json").read_text(encoding="utf-8"))


def test_a_kept_first_epoch_is_said_everywhere(tmp_path):
    stdout, metrics = train(tmp_path / "run", "--epochs", "1")
    training = metrics["training"]
    assert training["best_epoch"] == 1 and training["barely_trained"] is True
    note = training["barely_trained_note"]
    assert note == (
        "Barely trained: only one epoch ran and it was kept, so the network behaves close to "
        "its starting point; its forecasts are the reference it is relative to (the last "
        "value) moved by what an untrained network outputs, not by a learned change. More "
        "epochs may help.")
    assert f"\n{note}\n" in stdout  # its own line, after the verdict
    assert stdout.index(metrics["verdict"]) < stdout.index(note)
    card = (tmp_path / "run" / "model_card.md").read_text(encoding="utf-8")
    assert "**Barely trained:** only one epoch ran and it was kept" in card
    tags = run_tags(*read_run_dir(tmp_path / "run")[:2])
    assert tags["barely_trained"] == "true" and tags["barely_trained_note"] == note
    assert not any("barely" in name for name in run_params(metrics))  # an outcome, not a setting


def test_a_later_epoch_hardly_better_than_the_first_is_barely_trained(tmp_path):
    """A learning rate of 1e-6: the last of 4 epochs is kept, 0.01% below the first."""
    result = CliRunner().invoke(main, ["train", str(AIR), *SMALL, "--epochs", "4",
                                       "--learning-rate", "1e-6", "--json",
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    training = json.loads(result.stdout)["training"]
    assert training["best_epoch"] == 4 and training["barely_trained"] is True
    assert training["barely_trained_note"].startswith(
        "Barely trained: epoch 4 of 4 was kept, but its validation loss is only ")
    assert training["barely_trained_note"].endswith(
        "lower than the first epoch's (less than 1%), so the network behaves close to its "
        "starting point; its forecasts are the reference it is relative to (the last value) "
        "moved by what an untrained network outputs, not by a learned change. More epochs, a "
        "higher learning rate, or more data may help.")


def test_a_trained_model_says_nothing(tmp_path):
    stdout, metrics = train(tmp_path / "run", "--epochs", "6", "--learning-rate", "1e-2")
    training = metrics["training"]
    assert training["best_epoch"] == 6
    assert training["val_loss"][-1] < 0.5 * training["val_loss"][0]
    assert training["barely_trained"] is False and training["barely_trained_note"] is None
    assert "Barely trained" not in stdout
    card = (tmp_path / "run" / "model_card.md").read_text(encoding="utf-8")
    assert "Barely trained" not in card
    tags = run_tags(*read_run_dir(tmp_path / "run")[:2])
    assert tags["barely_trained"] == "false" and "barely_trained_note" not in tags


def test_an_untrained_window_norm_none_model_is_not_called_the_last_value(tmp_path):
    stdout, metrics = train(tmp_path / "run", "--epochs", "1", "--window-norm", "none")
    assert "its forecasts are what an untrained network outputs, not learned from the " \
           "series." in metrics["training"]["barely_trained_note"]


def test_a_loss_that_rises_after_epoch_one_asks_for_a_lower_rate(tmp_path):
    """Too large a step: epoch 1 of 4 is kept (patience 3) and every later loss is higher."""
    stdout, metrics = train(tmp_path / "run", "--epochs", "8", "--learning-rate", "3",
                            "--patience", "3")
    training = metrics["training"]
    assert (training["best_epoch"], training["epochs_run"]) == (1, 4)
    assert training["barely_trained_note"].startswith(
        "Barely trained: epoch 1 of 4 was kept (no later epoch had a lower validation loss)")
    assert training["barely_trained_note"].endswith(
        "The validation loss rose after epoch 1: a lower learning rate, or more data, may "
        "help.")
    assert "epoch 1 kept" in metrics["verdict_short"]  # the verdict's caveat agrees
