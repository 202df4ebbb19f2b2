"""Prediction intervals as a user meets them on the command line: the bounds in every file a run
writes, coverage beside nominal in the printed table, metrics.json and the model card, --level
everywhere, bad levels refused naming them, and a model saved before intervals still forecasting
points."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.forecasting.baselines import BASELINES
from forecaster.forecasting.interval_report import NO_INTERVALS

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = DATASETS / "airpassengers.csv"
SMALL = ["--horizon", "12", "--epochs", "3", "--hidden-size", "8", "--num-layers", "1",
         "--patience", "0", "--quiet"]
BOUNDS = ["lower_80", "upper_80", "lower_95", "upper_95"]


@pytest.fixture(scope="module")
def air_run(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("runs") / "air"
    result = CliRunner().invoke(main, ["train", str(AIR), *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.stdout


def nested(frame: pd.DataFrame, point: str) -> None:
    """lower_95 <= lower_80 <= point <= upper_80 <= upper_95 on every row."""
    assert (frame["lower_95"] <= frame["lower_80"]).all()
    assert (frame["lower_80"] <= frame[point]).all()
    assert (frame[point] <= frame["upper_80"]).all()
    assert (frame["upper_80"] <= frame["upper_95"]).all()


def test_predictions_and_forecast_carry_both_levels_bounds(air_run):
    out, _ = air_run
    predictions = pd.read_csv(out / "predictions.csv")
    assert list(predictions.columns[:8]) == ["date", "step", "actual", "model", *BOUNDS]
    nested(predictions, "model")
    forecast = pd.read_csv(out / "forecast.csv")
    assert list(forecast.columns) == ["date", "step", "forecast", *BOUNDS]
    assert len(forecast) == 12
    nested(forecast, "forecast")


def test_metrics_json_scores_the_intervals_of_the_model_and_every_baseline(air_run):
    out, _ = air_run
    block = json.loads((out / "metrics.json").read_text())["intervals"]
    assert block["levels"] == ["80", "95"]
    assert list(block["metrics"]) == ["model", "model_split", *BASELINES]
    for name, levels in block["metrics"].items():
        for level in ("80", "95"):
            scores = levels[level]
            assert 0 <= scores["coverage"] <= 1, name
            assert scores["mean_width"] > 0 and scores["interval_score"] >= scores["mean_width"]
    assert block["calibration_points"]["model"] == 144  # 12 validation rows x 12 steps


def test_train_prints_coverage_beside_nominal_within_100_columns(air_run):
    out, printed = air_run
    block = printed[printed.index("Intervals (adaptive conformal)"):printed.index("\nThe ")]
    assert "-- 80 % --" in block and "-- 95 % --" in block
    assert "coverage   width   score" in block
    metrics = json.loads((out / "metrics.json").read_text())["intervals"]["metrics"]
    held = f"{100 * metrics['model']['80']['coverage']:.1f} %"
    model_row = next(line for line in block.splitlines() if line.startswith("LSTM (1x8)"))
    assert held in model_row
    assert "LSTM (1x8) + Theta (no updates)" in block
    for label in ("last value (naive)", "seasonal naive (12)", "drift", "Theta, season 12"):
        assert label in block
    assert max(len(line) for line in block.splitlines()) <= 100
    assert "Its 80 % intervals held" in printed  # the verdict
    assert "(in brackets: the 95 % interval)" in printed


def test_model_card_has_an_intervals_section(air_run):
    out, _ = air_run
    card = (out / "model_card.md").read_text()
    section = card[card.index("## Intervals"):card.index("![forecast]")]
    assert "normalised split conformal, adaptive (ACI)" in section
    assert "144 errors of the model on its validation span" in section
    assert "exchangeable" in section and "volatility changes" in section
    assert "| 80 %: coverage |" in section
    assert "| **LSTM (1x8) + Theta** |" in section


BAD_LEVELS = [
    (["0"], "--level 0 is outside (0, 100)"),
    (["100"], "--level 100 is outside (0, 100)"),
    (["-5"], "--level -5 is outside (0, 100)"),
    (["nan"], "--level 'nan' is not a number"),
    (["80", "80"], "--level 80 is given twice"),
    (["abc"], "--level 'abc' is not a number"),
]


@pytest.mark.parametrize(("levels", "message"), BAD_LEVELS)
@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "backtest"])
def test_a_bad_level_exits_2_naming_it(air_run, tmp_path, command, levels, message):
    out, _ = air_run
    given = [arg for level in levels for arg in ("--level", level)]
    args = ([str(AIR), "--out", str(tmp_path / "run")] if command == "train" else
            [str(out / "model"), str(AIR)])
    result = CliRunner().invoke(main, [command, *args, *given])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", ["predict", "evaluate", "backtest"])
def test_a_level_the_calibration_is_too_small_for_exits_2_naming_the_count(air_run, command):
    out, _ = air_run
    result = CliRunner().invoke(main, [command, str(out / "model"), str(AIR), "--level", "99.9"])
    assert result.exit_code == 2, result.output
    assert ("a 99.9 % interval needs at least 999 calibration errors, and there are 144"
            in result.output)


def test_train_refuses_a_level_its_calibration_cannot_hold_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(main, ["train", str(AIR), *SMALL, "--level", "99.9",
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert "needs at least 999 calibration errors, and there are 144" in result.output
    assert not (tmp_path / "run").exists()


def test_level_90_gives_only_its_own_bounds(air_run, tmp_path):
    out, _ = air_run
    runner = CliRunner()
    predicted = runner.invoke(main, ["predict", str(out / "model"), str(AIR), "--level", "90",
                                     "--out", str(tmp_path / "forecast.csv")])
    assert predicted.exit_code == 0, predicted.output
    forecast = pd.read_csv(tmp_path / "forecast.csv")
    assert list(forecast.columns) == ["date", "step", "forecast", "lower_90", "upper_90"]
    assert (forecast["lower_90"] <= forecast["forecast"]).all()
    assert (forecast["forecast"] <= forecast["upper_90"]).all()
    evaluated = runner.invoke(main, ["evaluate", str(out / "model"), str(AIR), "--start", "0.6",
                                     "--level", "90", "--out", str(tmp_path / "ev")])
    assert evaluated.exit_code == 0, evaluated.output
    assert "-- 90 % --" in evaluated.stdout and "80 %" not in evaluated.stdout
    columns = pd.read_csv(tmp_path / "ev" / "predictions.csv").columns
    assert [c for c in columns if c.startswith(("lower", "upper"))] == ["lower_90", "upper_90"]
    block = json.loads((tmp_path / "ev" / "metrics.json").read_text())["intervals"]
    assert block["levels"] == ["90"]


def test_predict_json_carries_the_bounds(air_run):
    out, _ = air_run
    result = CliRunner().invoke(main, ["predict", str(out / "model"), str(AIR), "--json"])
    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout)["forecast"][0]
    assert list(first) == ["date", "step", "forecast", *BOUNDS]
    assert first["lower_95"] <= first["lower_80"] <= first["forecast"] <= first["upper_80"]


def test_backtest_writes_every_windows_bounds_and_shows_coverage(air_run, tmp_path):
    out, _ = air_run
    result = CliRunner().invoke(main, ["backtest", str(out / "model"), str(AIR), "--start",
                                       "0.6", "--out", str(tmp_path / "bt")])
    assert result.exit_code == 0, result.output
    assert "Intervals (adaptive conformal)" in result.stdout
    assert "intervals by step ahead:" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith(("  80 %", "  95 %"))]
    assert len(rows) == 2 and len(rows[0].split()) == 2 + 12  # a cell per step
    predictions = pd.read_csv(tmp_path / "bt" / "predictions.csv")
    nested(predictions, "model")
    held = json.loads((tmp_path / "bt" / "metrics.json").read_text())["intervals"]
    assert set(held["metrics"]) == {"model", "model_split", *BASELINES}


def test_a_model_saved_before_intervals_predicts_points_and_says_so(air_run, tmp_path):
    out, _ = air_run
    old = tmp_path / "old_model"
    shutil.copytree(out / "model", old)
    config = json.loads((old / "config.json").read_text())
    del config["intervals"]
    (old / "config.json").write_text(json.dumps(config))
    runner = CliRunner()
    result = runner.invoke(main, ["predict", str(old), str(AIR), "--out",
                                  str(tmp_path / "forecast.csv")])
    assert result.exit_code == 0, result.output
    assert result.stderr.count(NO_INTERVALS) == 1
    assert NO_INTERVALS not in result.stdout
    forecast = pd.read_csv(tmp_path / "forecast.csv")
    assert list(forecast.columns) == ["date", "step", "forecast"]
    evaluated = runner.invoke(main, ["evaluate", str(old), str(AIR), "--start", "0.6"])
    assert evaluated.exit_code == 0, evaluated.output
    assert NO_INTERVALS in evaluated.stderr
    assert "Its 80 % intervals" not in evaluated.stdout


def test_a_default_level_too_few_calibration_errors_allow_is_left_out_and_said(tmp_path):
    # horizon 1: the 11 validation rows give 11 calibration errors; 95 % needs 19, 80 % 4
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", str(AIR), *SMALL[2:], "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = "No 95 % interval: 19 calibration errors are needed and the validation span gave 11"
    assert said in " ".join(result.stdout.split())  # the table's note, wrapped at 100 columns
    assert said in (out / "model_card.md").read_text()
    assert list(pd.read_csv(out / "forecast.csv").columns) == ["date", "step", "forecast",
                                                               "lower_80", "upper_80"]
    predicted = CliRunner().invoke(main, ["predict", str(out / "model"), str(AIR)])
    assert predicted.exit_code == 0, predicted.output
    assert said in predicted.stderr
