"""Baselines use only the past of each window; metrics match their textbook definitions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecaster.forecasting.baselines import (
    drift,
    exp_smoothing,
    naive,
    seasonal_naive,
    smoothing_season,
)
from forecaster.forecasting.metrics import mase_scale, point_metrics
from forecaster.training import TrainConfig


@pytest.fixture(scope="module")
def passengers(goog_csv) -> np.ndarray:
    return pd.read_csv(goog_csv.parent / "airpassengers.csv")["y"].to_numpy(float)


def test_naive_and_drift_by_hand():
    y = np.array([1.0, 3.0, 2.0, 6.0, 4.0])
    positions = np.array([3, 4])
    np.testing.assert_array_equal(naive(y, positions, 2), [[2, 2], [6, 6]])
    # drift from y[0]=1 through the last value: slope (2-1)/2 and (6-1)/3
    np.testing.assert_allclose(drift(y, positions, 2), [[2.5, 3.0], [6 + 5 / 3, 6 + 10 / 3]])


def test_seasonal_naive_never_reaches_past_the_origin():
    y = np.arange(30, dtype=float)
    positions = np.array([12, 20])
    forecasts = seasonal_naive(y, positions, horizon=6, season=4)
    # steps 1..4 repeat the last observed season, steps 5..6 repeat it again
    np.testing.assert_array_equal(forecasts[0], [8, 9, 10, 11, 8, 9])
    assert (forecasts < positions[:, None]).all()


def test_exponential_smoothing_matches_statsmodels_forecasts_from_each_origin(passengers):
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    fit_end, season = 108, 12
    positions = np.array([108, 115, 130])
    ours = exp_smoothing(passengers, positions, horizon=3, fit_end=fit_end, season=season)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ExponentialSmoothing(passengers[:fit_end], trend=True, damped_trend=True,
                                      seasonal=season, initialization_method="heuristic"
                                      ).fit(disp=False)
        for row, origin in enumerate(positions):
            expected = fitted.apply(passengers[:origin]).forecast(3)
            np.testing.assert_allclose(ours[row], expected, rtol=1e-8)


def test_exponential_smoothing_ignores_the_future(passengers):
    positions = np.array([110, 120])
    before = exp_smoothing(passengers, positions, 2, fit_end=100, season=12)
    changed = passengers.copy()
    changed[121:] = 0.0
    np.testing.assert_array_equal(before, exp_smoothing(changed, positions, 2, 100, 12))


def test_smoothing_is_seasonal_only_for_short_seasons_with_enough_history():
    assert smoothing_season(12, 108) == 12
    assert smoothing_season(48, 40_000) is None  # would take minutes to estimate
    assert smoothing_season(12, 30) is None
    assert smoothing_season(1, 1000) is None


def test_point_metrics_by_definition():
    actual = np.array([100.0, 200.0, 300.0])
    predicted = np.array([110.0, 190.0, 330.0])
    metrics = point_metrics(actual, predicted, scale=10.0)
    assert metrics["rmse"] == pytest.approx(np.sqrt((100 + 100 + 900) / 3))
    assert metrics["mae"] == pytest.approx(50 / 3)
    assert metrics["mape"] == pytest.approx(100 * (0.1 + 0.05 + 0.1) / 3)
    assert metrics["smape"] == pytest.approx(100 * np.mean([20 / 210, 20 / 390, 60 / 630]))
    assert metrics["mase"] == pytest.approx(50 / 3 / 10.0)


def test_mase_scale_is_the_in_sample_seasonal_naive_error():
    history = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    assert mase_scale(history, 1) == pytest.approx(np.mean([1, 2, 3, 4]))
    assert mase_scale(history, 2) == pytest.approx(np.mean([3, 5, 7]))


@pytest.mark.parametrize(("batches", "expected"), [(2, (500, 50)), (12, (84, 17)),
                                                   (600, (50, 10))])
def test_automatic_schedule_gives_small_data_more_epochs(batches, expected):
    assert TrainConfig().schedule(batches) == expected
    assert TrainConfig(epochs=7, patience=0).schedule(batches) == (7, 0)
