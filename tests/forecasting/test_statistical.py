"""Seasonal adjustment and the Theta method: textbook definitions, no look at the future."""

from __future__ import annotations

import json

import numpy as np
import pytest

from forecaster.forecasting.statistical import (
    NOT_SEASONAL,
    SeasonalProfile,
    ThetaParams,
    autocorrelations,
    fit_theta,
    is_seasonal,
    seasonal_profile,
    theta_forecasts,
)


def test_autocorrelations_are_the_textbook_estimator():
    y = np.random.default_rng(0).normal(size=200).cumsum()
    x = y - y.mean()
    by_hand = [x[:-k] @ x[k:] / (x @ x) for k in range(1, 6)]
    np.testing.assert_allclose(autocorrelations(y, 5), by_hand, rtol=1e-10)


def test_the_profile_is_classical_decomposition(passengers):
    """Multiplicative for positive data, equal to statsmodels' `seasonal_decompose`."""
    from statsmodels.tsa.seasonal import seasonal_decompose

    profile = seasonal_profile(passengers[:108], 12)
    assert profile.season == 12 and profile.multiplicative
    expected = seasonal_decompose(passengers[:108], model="multiplicative", period=12).seasonal
    np.testing.assert_allclose(profile.indices, expected[:12], rtol=1e-12)
    assert np.mean(profile.indices) == pytest.approx(1.0)


def test_an_odd_season_and_values_below_zero_give_additive_offsets():
    from statsmodels.tsa.seasonal import seasonal_decompose

    rows = np.arange(70)
    y = np.tile([-3.0, 1.0, 0.5, 2.0, -0.5], 14) + 0.1 * rows  # crosses zero
    profile = seasonal_profile(y, 5)
    assert profile.season == 5 and not profile.multiplicative
    expected = seasonal_decompose(y, model="additive", period=5).seasonal[:5]
    np.testing.assert_allclose(profile.indices, expected, atol=1e-12)
    assert sum(profile.indices) == pytest.approx(0.0, abs=1e-12)


def test_no_seasonality_without_three_seasons_or_a_significant_autocorrelation(passengers):
    assert seasonal_profile(passengers[:35], 12) == NOT_SEASONAL  # under three seasons
    noise = np.random.default_rng(1).normal(10, 1, size=500)
    assert not is_seasonal(noise, 12)
    assert seasonal_profile(noise, 12) == NOT_SEASONAL
    assert seasonal_profile(passengers, 1) == NOT_SEASONAL
    np.testing.assert_array_equal(NOT_SEASONAL.adjust(noise), noise)


def test_adjust_and_restore_follow_the_phase():
    profile = SeasonalProfile(3, (0.5, 1.0, 1.5), multiplicative=True)
    y = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(profile.adjust(y), [2.0, 2.0, 2.0, 8.0])
    np.testing.assert_allclose(profile.adjust(y, phase=1), [1.0, 2 / 1.5, 6.0, 4.0])
    rows = np.arange(4)
    np.testing.assert_allclose(profile.restore(profile.adjust(y, 2), rows, 2), y)
    additive = SeasonalProfile(2, (-1.0, 1.0), multiplicative=False)
    np.testing.assert_allclose(additive.restore(np.zeros((2, 2)), np.array([[4, 5], [5, 6]])),
                               [[-1.0, 1.0], [1.0, -1.0]])


def test_parameters_survive_json(passengers):
    params = fit_theta(passengers[:108], 12)
    again = ThetaParams.from_dict(json.loads(json.dumps(params.to_dict())))
    assert again == params


def _theta_by_hand(params: ThetaParams, y: np.ndarray, origin: int, horizon: int):
    """Hyndman & Billah's formula with an explicit SES loop (level started at x[0])."""
    x = params.profile.adjust(y[:origin])
    level = x[0]
    for value in x[1:]:
        level = params.alpha * value + (1 - params.alpha) * level
    a, b = params.alpha, params.drift
    out = []
    for h in range(1, horizon + 1):
        value = level + b * (h - 1 + 1 / a - (1 - a) ** origin / a)
        out.append(params.profile.restore(value, np.array(origin + h - 1)))
    return np.array(out)


def test_theta_forecasts_are_the_formula_from_every_origin(passengers):
    params = fit_theta(passengers[:108], 12)
    assert 0 < params.alpha <= 1
    t = np.arange(108)
    slope = np.polyfit(t, params.profile.adjust(passengers[:108]), 1)[0]
    assert params.drift == pytest.approx(slope / 2)
    positions = np.array([1, 50, 108, 131])
    ours = theta_forecasts(params, passengers, positions, horizon=13)
    for row, origin in enumerate(positions):
        np.testing.assert_allclose(ours[row], _theta_by_hand(params, passengers, origin, 13),
                                   rtol=1e-10)


def test_theta_matches_statsforecast_on_airpassengers(passengers):
    """statsforecast 2.x `Theta(season_length=12)` fitted on the first 132 months (it also
    optimises the initial level, so the last digit may differ)."""
    statsforecast = [411.37, 402.27, 462.88, 444.67, 447.93, 509.6, 561.84, 559.46, 490.43,
                     427.28, 371.96, 419.01]
    params = fit_theta(passengers[:132], 12)
    ours = theta_forecasts(params, passengers, np.array([132]), horizon=12)[0]
    np.testing.assert_allclose(ours, statsforecast, rtol=1e-4)


def test_theta_never_looks_at_or_after_the_origin(co2):
    params = fit_theta(co2[:1500], 52)
    positions = np.array([1500, 1700, 2000])
    before = theta_forecasts(params, co2, positions, horizon=60)
    for origin in positions:
        changed = co2.copy()
        changed[origin:] = -1e6
        row = positions == origin
        np.testing.assert_array_equal(theta_forecasts(params, changed, positions[row], 60),
                                      before[row])


def test_theta_from_a_later_start_takes_the_phase(passengers):
    """`phase` puts the seasonal indices back where `y` does not start at row 0."""
    params = fit_theta(passengers[:108], 12)
    full = theta_forecasts(params, passengers, np.array([120]), horizon=6)
    start = 36  # a whole number of seasons: same phase, fewer rows in the level
    assert params.profile.restore(1.0, np.array(5), phase=start) == pytest.approx(
        params.profile.indices[5])
    later = theta_forecasts(params, passengers[start + 1:], np.array([120 - start - 1]), 6,
                            phase=start + 1)
    # both restore the same phases; the levels differ only by their start long ago
    np.testing.assert_allclose(later, full, rtol=1e-3)


def test_theta_needs_an_observed_row_before_each_origin(passengers):
    params = fit_theta(passengers[:108], 12)
    with pytest.raises(ValueError, match="at least one observed row before each origin"):
        theta_forecasts(params, passengers, np.array([0, 5]), horizon=2)
    assert theta_forecasts(params, passengers, np.array([], dtype=int), 3).shape == (0, 3)
