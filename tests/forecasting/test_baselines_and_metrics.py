"""Baselines use only the past of each window; metrics match their textbook definitions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from forecaster.forecasting.baselines import (
    BASELINES,
    all_baselines,
    baseline_labels,
    drift,
    exp_smoothing,
    naive,
    seasonal_naive,
    smoothing_season,
)
from forecaster.forecasting.metrics import mase_scale, point_metrics
from forecaster.training import TrainConfig


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


@pytest.mark.parametrize(("name", "positions", "horizon", "fit_end", "season"), [
    ("passengers", [110, 120], 2, 100, 12),  # the state-space seasonal model
    ("co2", [1750, 1800], 52, 1700, 52),  # deseasonalised: season longer than 12
])
def test_exponential_smoothing_ignores_the_future(request, name, positions, horizon, fit_end,
                                                  season):
    """Values from the last origin on are zeroed: no window's forecast may change."""
    y = request.getfixturevalue(name)
    positions = np.array(positions)
    before = exp_smoothing(y, positions, horizon, fit_end=fit_end, season=season)
    changed = y.copy()
    changed[positions[-1]:] = 0.0
    np.testing.assert_array_equal(before, exp_smoothing(changed, positions, horizon, fit_end,
                                                        season))


def test_smoothing_is_seasonal_only_for_short_seasons_with_enough_history():
    assert smoothing_season(12, 108) == 12
    assert smoothing_season(48, 40_000) is None  # would take minutes to estimate
    assert smoothing_season(12, 30) is None
    assert smoothing_season(1, 1000) is None


def test_long_seasons_are_removed_before_smoothing_and_put_back(co2):
    """Season 52: the damped-trend model is fitted on the classically adjusted series and
    each forecast multiplied by its week's index (statsmodels run by hand from each origin)."""
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    from forecaster.forecasting.statistical import seasonal_profile

    fit_end, horizon = 1700, 60
    positions = np.array([1700, 1901, 2200])
    ours = exp_smoothing(co2, positions, horizon, fit_end=fit_end, season=52)
    profile = seasonal_profile(co2[:fit_end], 52)
    assert profile.season == 52 and profile.multiplicative
    adjusted = profile.adjust(co2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ExponentialSmoothing(adjusted[:fit_end], trend=True, damped_trend=True,
                                      initialization_method="estimated").fit(disp=False)
        for row, origin in enumerate(positions):
            rows = origin + np.arange(horizon)
            expected = profile.restore(fitted.apply(adjusted[:origin]).forecast(horizon), rows)
            np.testing.assert_allclose(ours[row], expected, rtol=1e-8)




def test_seasonal_references_beat_seasonal_naive_a_year_ahead_on_weekly_co2(co2):
    """The non-seasonal smoothing used here before scored MASE 2.61, twice seasonal naive."""
    from forecaster.forecasting.metrics import mase_scale, point_metrics

    start, horizon = 1713, 52
    positions = np.arange(start, len(co2) - horizon + 1)
    forecasts = all_baselines(co2, positions, horizon, season=52, fit_end=start)
    assert tuple(forecasts) == BASELINES
    actual = co2[positions[:, None] + np.arange(horizon)]
    scale = mase_scale(co2[:start], 52)
    mase = {name: point_metrics(actual, pred, scale)["mase"] for name, pred in forecasts.items()}
    assert mase["exp_smoothing"] < 0.95 * mase["seasonal_naive"]
    assert mase["theta"] < 0.85 * mase["seasonal_naive"]


def test_labels_name_the_season_each_reference_used(passengers, co2):
    air = baseline_labels(passengers, 12, fit_end=108)
    assert air["exp_smoothing"] == "exp. smoothing, damped, season 12"
    assert air["theta"] == "Theta, season 12"
    assert air["seasonal_naive"] == "seasonal naive (12)"
    weekly = baseline_labels(co2, 52, fit_end=1713)
    assert weekly["exp_smoothing"] == "exp. smoothing, damped, deseasonalised (season 52)"
    assert weekly["theta"] == "Theta, season 52"
    noise = np.random.default_rng(3).normal(size=400)
    flat = baseline_labels(noise, 52, fit_end=300)
    assert flat["exp_smoothing"] == "exp. smoothing, damped"
    assert flat["theta"] == "Theta, not seasonal"
    assert tuple(flat) == BASELINES


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
