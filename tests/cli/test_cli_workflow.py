"""The command line as a user runs it: train, predict, evaluate, backtest on real data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.forecasting.baselines import BASELINES

SMALL = ["--cell", "gru", "--num-layers", "1", "--hidden-size", "8", "--lookback", "20", "--epochs",
         "3", "--patience", "0", "--quiet"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, goog_csv) -> Path:
    out = tmp_path_factory.mktemp("runs") / "goog"
    result = CliRunner().invoke(main, ["train", str(goog_csv), "--target", "Close",
                                       "--horizon", "2", *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_train_writes_a_complete_run_directory(run_dir):
    names = sorted(p.name for p in run_dir.iterdir())
    assert names == ["forecast.csv", "loss.png", "metrics.json", "model", "model_card.md",
                     "plot.png", "predictions.csv"]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert list(metrics["metrics"]) == ["model", *BASELINES]
    assert list(metrics["baselines"]) == list(BASELINES)
    assert set(metrics["metrics"]["model"]) == {"rmse", "mae", "mape", "smape", "mase"}
    assert metrics["data"]["train_rows"] + metrics["data"]["validation_rows"] + \
        metrics["data"]["test_rows"] == 1258
    assert metrics["training"]["repeatable"].startswith("yes: seed 0")
    predictions = pd.read_csv(run_dir / "predictions.csv")
    assert list(predictions.columns) == ["date", "step", "actual", "model", "lower_80",
                                         "upper_80", "lower_95", "upper_95", *BASELINES]
    # horizon 2: every test origin whose two targets are known is scored
    assert len(predictions) == 2 * (metrics["data"]["test_rows"] - 1)
    forecast = pd.read_csv(run_dir / "forecast.csv")
    assert list(forecast["step"]) == [1, 2]
    assert forecast["date"].iloc[0] > "2018-12-31"
    assert (run_dir / "plot.png").read_bytes()[:4] == b"\x89PNG"


def test_train_prints_the_table_and_a_verdict(goog_csv, tmp_path):
    result = CliRunner().invoke(main, ["train", str(goog_csv), "-t", "Close", *SMALL,
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    for text in ("last value (naive)", "seasonal naive", "drift", "exp. smoothing", "Theta",
                 "repeating the last value", "RMSE", "MASE"):
        assert text in result.output


def test_train_json_is_machine_readable(goog_csv, tmp_path):
    result = CliRunner().invoke(main, ["train", str(goog_csv), "-t", "Close", *SMALL, "--json",
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["run_dir"] == str(tmp_path / "run")
    assert payload["beats_naive"] in (True, False)
    assert payload["skill_vs_naive"] == pytest.approx(
        1 - payload["metrics"]["model"]["rmse"] / payload["metrics"]["naive"]["rmse"])


def test_predict_forecasts_after_the_end_of_a_new_csv(run_dir, goog_csv, tmp_path):
    shorter = tmp_path / "first_year.csv"
    pd.read_csv(goog_csv).iloc[:252].to_csv(shorter, index=False)
    result = CliRunner().invoke(main, ["predict", str(run_dir / "model"), str(shorter),
                                       "--json"])
    assert result.exit_code == 0, result.output
    forecast = json.loads(result.stdout)["forecast"]
    assert [row["step"] for row in forecast] == [1, 2]
    # the next business day after 2014-12-31 (weekdays; exchange holidays are not known)
    assert forecast[0]["date"].startswith("2015-01-01")


def test_evaluate_and_backtest_score_beside_baselines(run_dir, goog_csv, tmp_path):
    runner = CliRunner()
    evaluated = runner.invoke(main, ["evaluate", str(run_dir / "model"), str(goog_csv),
                                     "--start", "2018-01-02", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    payload = json.loads(evaluated.stdout)
    assert payload["first_date"].startswith("2018-01-02")
    backtest = runner.invoke(main, ["backtest", str(run_dir / "model"), str(goog_csv),
                                    "--start", "0.5", "--out", str(tmp_path / "bt")])
    assert backtest.exit_code == 0, backtest.output
    assert "RMSE by step ahead" in backtest.output
    written = json.loads((tmp_path / "bt" / "metrics.json").read_text())
    assert len(written["metrics_by_step"]["model"]["rmse"]) == 2


def test_same_seed_gives_the_same_run(goog_csv, tmp_path):
    outputs = []
    for name in ("a", "b"):
        result = CliRunner().invoke(main, ["train", str(goog_csv), "-t", "Close", *SMALL,
                                           "--seed", "3", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outputs.append(pd.read_csv(tmp_path / name / "predictions.csv"))
    pd.testing.assert_frame_equal(outputs[0], outputs[1])


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_training_keeps_the_best_model_and_writes_the_run(goog_csv, tmp_path):
    out = tmp_path / "interrupted"
    process = subprocess.Popen(
        [sys.executable, "-m", "forecaster", "train", str(goog_csv), "-t", "Close", "--cell",
         "gru", "--num-layers", "1", "--hidden-size", "8", "--lookback", "20", "--epochs", "100000",
         "--patience", "0", "--quiet", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    hang_guard = threading.Timer(600, process.kill)  # only a hung run ever reaches it
    hang_guard.start()
    seen = []
    for line in process.stderr:  # wait until two epochs have finished, however long they take
        seen.append(line)
        if line.startswith("epoch 2/"):
            break
    hang_guard.cancel()
    assert seen and seen[-1].startswith("epoch 2/"), "".join(seen)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr  # scripts can tell it stopped early
    assert "Interrupted: keeping the best model so far" in stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["interrupted"] is True
    assert (out / "model" / "weights.safetensors").exists()
