"""Metrics are finite numbers or explicitly not computable (None with a reason): never
Infinity/NaN in metrics.json, a "nan% higher" verdict, or a MAPE of 1e17 on a series with
zeros."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster import Forecaster, TrainConfig, load_series, train_run
from forecaster.forecasting.evaluation import evaluate_forecasts, verdict
from forecaster.forecasting.metrics import point_metrics
from forecaster.forecasting.report import format_table

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"
ZERO_NOTE = ("not meaningful: the actual values include zero (or values next to it), and MAPE "
             "divides by them; use MAE, RMSE or MASE")
SIGN_NOTE = ("not meaningful: the actual values change sign, so a percentage of them says "
             "nothing about the error; use MAE, RMSE or MASE")


def passengers() -> np.ndarray:
    return pd.read_csv(AIR)["y"].to_numpy(float)


def test_values_near_the_float_limit_give_finite_metrics():
    """1e150 squared is 1e300; a sum of a few of them overflows without care."""
    actual = passengers() * 1e152
    predicted = actual * 1.01
    metrics = point_metrics(actual, predicted, scale=1e153)
    assert all(value is not None and np.isfinite(value) for value in metrics.values())
    expected_rmse = 0.01 * np.sqrt(np.mean(passengers() ** 2)) * 1e152
    assert metrics["rmse"] == pytest.approx(expected_rmse, rel=1e-9)
    assert metrics["mape"] == pytest.approx(1.0)


def test_errors_beyond_the_float_range_are_none_not_infinity():
    actual = np.array([1e308, -1e308, 1e308])
    metrics = point_metrics(actual, -actual, scale=1.0)  # errors of 2e308 overflow
    assert metrics["rmse"] is None and metrics["mae"] is None
    json.dumps(metrics, allow_nan=False)  # writable as strict JSON


@pytest.mark.parametrize(("shift", "note"), [(None, ZERO_NOTE), (-400.5, SIGN_NOTE)])
def test_mape_is_not_computed_where_it_means_nothing(shift, note):
    y = passengers() + (shift or 0.0)
    if shift is None:
        y[120] = 0.0
    positions = np.arange(110, 140)
    predictions = y[positions - 1][:, None] + 1.0
    evaluation = evaluate_forecasts(y, pd.date_range("2000-01-01", periods=len(y), freq="MS"),
                                    positions, predictions, season=12, model_label="test")
    assert all(values["mape"] is None for values in evaluation.metrics.values())
    assert all(values["smape"] is not None for values in evaluation.metrics.values())
    payload = evaluation.to_dict()
    assert payload["metrics_not_computed"] == {"mape": note}
    json.dumps(payload, allow_nan=False, default=str)
    table = format_table(evaluation)
    assert "n/a" in table and f"MAPE {note}." in table


def test_an_undefined_mase_says_why():
    y = np.array([5.0] * 30 + list(range(1, 11)), dtype=float)  # flat history: scale 0
    positions = np.arange(30, 40)
    evaluation = evaluate_forecasts(y, pd.date_range("2000-01-01", periods=40, freq="D"),
                                    positions, y[positions - 1][:, None], season=1,
                                    model_label="test")
    assert evaluation.metrics["model"]["mase"] is None
    assert evaluation.notes["mase"].startswith("not defined: the in-sample seasonal-naive error")


def test_verdict_without_an_rmse_says_so_instead_of_nan_percent():
    metrics = {"model": {"rmse": None}, "naive": {"rmse": None}}
    text = verdict(metrics, "GRU (1x4)")
    assert "nan" not in text
    assert text.startswith("The GRU (1x4) cannot be compared with repeating the last value: "
                           "the test RMSE could not be computed")


def test_a_run_on_a_series_with_zeros_writes_strict_json_with_the_reason(tmp_path):
    frame = pd.read_csv(AIR)
    frame["y"] = frame["y"] - frame["y"].iloc[0]  # the first value becomes 0, others positive
    frame.loc[120, "y"] = 0.0  # and a zero inside the test span
    path = tmp_path / "zeros.csv"
    frame.to_csv(path, index=False)
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=12,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    train_run(load_series(path, target="y"), model, tmp_path / "run")
    text = (tmp_path / "run" / "metrics.json").read_text(encoding="utf-8")
    metrics = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert metrics["metrics"]["model"]["mape"] is None
    assert metrics["metrics_not_computed"]["mape"] == ZERO_NOTE
    card = (tmp_path / "run" / "model_card.md").read_text(encoding="utf-8")
    assert f"MAPE: {ZERO_NOTE}." in card and "| n/a |" in card
