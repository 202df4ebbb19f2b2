"""Prediction intervals: the conformal calibration, the adaptive updates, the levels users give,
and a real model's intervals through fit, save and load."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from small_models import small

from forecaster import ConfigError, DataError, Forecaster, ModelFileError
from forecaster.forecasting.interval_scores import check_levels, interval_metrics, pinball_loss
from forecaster.forecasting.intervals import (
    MAX_STORED_SCORES,
    Calibration,
    adaptive_bounds,
    needed_points,
    pool,
    series_parts,
    volatility,
)

HORIZON = 3


def naive_at(y: np.ndarray):
    return lambda positions: np.repeat(y[positions - 1, None], HORIZON, axis=1)


def covered(actual, lower, upper) -> np.ndarray:
    """Coverage per level of (levels, origins, horizon) bounds."""
    return ((actual[None] >= lower) & (actual[None] <= upper)).mean(axis=(1, 2))


# ---------------------------------------------------------------- levels
@pytest.mark.parametrize("bad, words", [
    ([0], "outside (0, 100)"), ([100], "outside (0, 100)"), ([-5], "outside (0, 100)"),
    ([float("nan")], "is not a number"), (["abc"], "is not a number"),
    ([True], "is not a number"), ([80, 95, 80.0], "80 is given twice"), ([], "no level given"),
])
def test_a_bad_level_is_refused_by_name(bad, words):
    with pytest.raises(ConfigError, match="--level") as error:
        check_levels(bad)
    assert words in str(error.value)


def test_levels_are_sorted_and_the_default_is_80_and_95():
    assert check_levels(None) == (80.0, 95.0)
    assert check_levels(["95", 50, 99.5]) == (50.0, 95.0, 99.5)


@pytest.mark.parametrize("level, needed", [(0.8, 4), (0.9, 9), (0.95, 19), (0.99, 99)])
def test_the_fewest_calibration_errors_a_level_needs(level, needed):
    assert needed_points(level) == needed
    # n errors give a finite conformal quantile exactly when ceil((n + 1) level) <= n
    assert math.ceil((needed + 1) * level - 1e-9) <= needed
    assert math.ceil(needed * level - 1e-9) > needed - 1


def test_too_few_calibration_errors_name_the_count_needed():
    small = Calibration((1.0,), tuple(np.linspace(0, 1, 18)), 18, 5, 0.1)
    with pytest.raises(DataError, match="a 95 % interval needs at least 19 calibration errors, "
                                        "and there are 18"):
        small.check_levels((80.0, 95.0), "air.csv")
    Calibration((1.0,), tuple(np.linspace(0, 1, 19)), 19, 5, 0.1).check_levels((95.0,), "x")
    assert small.left_out((80.0, 95.0)).startswith("No 95 % interval: 19 calibration errors")


# ---------------------------------------------------------------- scores
def test_interval_scores_by_hand():
    actual = np.array([1.0, 5.0, -1.0])
    scores = interval_metrics(actual, np.zeros(3), np.full(3, 2.0), 80.0)
    # widths 2; the miss above by 3 and the one below by 1 cost 2/0.2 = 10 times the distance
    assert scores == {"coverage": pytest.approx(1 / 3), "mean_width": 2.0,
                      "interval_score": pytest.approx((2 + 32 + 12) / 3)}
    # the point as the median, the bounds as the 10 % and 90 % quantiles
    loss = pinball_loss(np.array([1.0]), np.array([1.0]), np.array([[0.0]]),
                        np.array([[2.0]]), [80.0])
    assert loss == pytest.approx((0.0 + 0.1 * 1 + 0.1 * 1) / 3)


# ---------------------------------------------------------------- calibration
def test_volatility_reads_only_the_rows_before_each_origin():
    y = np.array([0.0, 1.0, 3.0, 6.0, 10.0, 100.0])
    assert volatility(y, np.array([4, 5]), window=3).tolist() == [2.5, 3.5]
    assert volatility(y, np.array([5]), window=3) == volatility(y[:5], np.array([5]), 3)


def random_walk(n: int, seed: int = 0, scale: np.ndarray | float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(size=n) * scale)


def test_split_conformal_covers_an_exchangeable_series_at_its_levels():
    """A random walk forecast by its last value: errors on later rows are exchangeable with
    the calibration errors, so coverage is close to nominal at each level."""
    y = random_walk(6000)
    parts = series_parts(naive_at(y), y, first=20, scale_end=2000, calib_end=3000,
                         horizon=HORIZON, window=20)
    calibration = pool([parts], 20)
    assert calibration.count == 1000 * HORIZON
    # the error of a random walk grows like the square root of the step
    ratio = np.array(calibration.step_scale) / calibration.step_scale[0]
    assert ratio == pytest.approx(np.sqrt([1, 2, 3]), rel=0.1)
    positions = np.arange(3000, len(y) - HORIZON + 1)
    actual = y[positions[:, None] + np.arange(HORIZON)]
    lower, upper = calibration.split_bounds(naive_at(y)(positions), y, positions, [0.8, 0.95])
    assert covered(actual, lower, upper) == pytest.approx([0.8, 0.95], abs=0.02)
    assert (upper[1] - lower[1] > upper[0] - lower[0]).all()  # nested: 95 % wider than 80 %


def test_adaptive_updates_restore_coverage_that_split_conformal_loses():
    """The forecast errors double while the series' own moves do not show it (the volatility
    scale cannot see it): the split intervals under-cover, the adaptive ones recover."""
    rng = np.random.default_rng(1)
    y = np.arange(5000, dtype=float)  # steady one-step changes: constant volatility
    noise = rng.normal(size=(5000, HORIZON))
    point_at = lambda p: y[p[:, None] + np.arange(HORIZON)] + noise[p] * np.where(  # noqa: E731
        p >= 2000, 2.0, 1.0)[:, None]
    calibration = pool([series_parts(point_at, y, first=20, scale_end=1000, calib_end=2000,
                                     horizon=HORIZON, window=20)], 20)
    positions = np.arange(2000, 4990)
    point = point_at(positions)
    actual = y[positions[:, None] + np.arange(HORIZON)]
    split = covered(actual, *calibration.split_bounds(point, y, positions, [0.8]))[0]
    adaptive = adaptive_bounds(calibration, point, y, positions, [0.8])
    held = covered(actual, adaptive.lower, adaptive.upper)[0]
    assert split < 0.6
    assert held == pytest.approx(0.8, abs=0.03)
    assert (adaptive.alphas_now < 0.2).all()  # the rates moved towards wider intervals


def test_adaptive_bounds_never_read_ahead():
    """An origin's bounds use only misses of targets before it and rows before it: changing
    every value from row 3000 on leaves the bounds of the origins up to 3000 as they were."""
    y = random_walk(4000, seed=2)
    calibration = pool([series_parts(naive_at(y), y, first=20, scale_end=1500,
                                     calib_end=2500, horizon=HORIZON, window=20)], 20)
    positions = np.arange(2500, 3990)
    changed = y.copy()
    changed[3000:] *= 3
    first = adaptive_bounds(calibration, naive_at(y)(positions), y, positions, [0.8, 0.95])
    second = adaptive_bounds(calibration, naive_at(changed)(positions), changed, positions,
                             [0.8, 0.95])
    before = positions <= 3000
    assert np.array_equal(first.lower[:, before], second.lower[:, before])
    assert not np.array_equal(first.lower[:, ~before], second.lower[:, ~before])


def test_a_calibration_round_trips_and_keeps_its_quantiles_when_thinned():
    y = random_walk(12000, seed=3)
    calibration = pool([series_parts(naive_at(y), y, first=20, scale_end=4000,
                                     calib_end=12000, horizon=HORIZON, window=20)], 20)
    assert calibration.count > MAX_STORED_SCORES == len(calibration.scores)
    again = Calibration.from_dict(json.loads(json.dumps(calibration.to_dict())))
    assert again.count == calibration.count and again.step_scale == calibration.step_scale
    levels = np.array([0.5, 0.8, 0.95])
    assert again.score_quantile(levels) == pytest.approx(calibration.score_quantile(levels),
                                                         rel=1e-4)


# ---------------------------------------------------------------- a real model
@pytest.fixture(scope="module")
def air_model(air):
    return small().fit(air)


def test_a_model_forecasts_nested_bounds_around_its_forecast(air_model, air):
    forecast = air_model.forecast(air)
    assert list(forecast.columns) == ["date", "step", "forecast", "lower_80", "upper_80",
                                      "lower_95", "upper_95"]
    assert (forecast.lower_95 < forecast.lower_80).all()
    assert (forecast.lower_80 < forecast.forecast).all()
    assert (forecast.forecast < forecast.upper_80).all()
    assert (forecast.upper_80 < forecast.upper_95).all()
    only = air_model.forecast(air, levels=[90])
    assert [c for c in only.columns if c.startswith(("lower", "upper"))] == ["lower_90",
                                                                           "upper_90"]


def test_every_forecaster_is_scored_at_each_level(air_model, air):
    evaluation = air_model.evaluate(air, start=0.75)
    report = evaluation.intervals
    assert set(report.metrics) == {"model", "model_split", "naive", "seasonal_naive", "drift",
                                   "exp_smoothing", "theta"}
    for name, block in report.metrics.items():
        assert set(block) == {"80", "95", "pinball_loss"}, name
        assert 0 <= block["80"]["coverage"] <= block["95"]["coverage"] <= 1
        assert block["80"]["mean_width"] < block["95"]["mean_width"]
    assert {"lower_80", "upper_95"} <= set(evaluation.predictions.columns)
    assert "Its 80 % intervals held" in evaluation.verdict
    assert evaluation.to_dict()["intervals"]["levels"] == ["80", "95"]


def test_the_intervals_survive_save_and_load(air_model, air, tmp_path):
    air_model.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")
    assert loaded.forecast(air).equals(air_model.forecast(air))


def test_a_model_saved_before_intervals_still_forecasts_points(air_model, air, tmp_path):
    air_model.save(tmp_path / "model")
    config_path = tmp_path / "model" / "config.json"
    config = json.loads(config_path.read_text())
    del config["intervals"]
    config_path.write_text(json.dumps(config))
    old = Forecaster.load(tmp_path / "model")
    assert not old.has_intervals
    assert list(old.forecast(air).columns) == ["date", "step", "forecast"]
    assert "saved before intervals" in old.evaluate(air, start=0.75).intervals.notes["model"]


def test_a_tampered_calibration_is_refused_by_its_key(air_model, tmp_path):
    air_model.save(tmp_path / "model")
    config_path = tmp_path / "model" / "config.json"
    config = json.loads(config_path.read_text())
    config["intervals"]["step_scale"] = config["intervals"]["step_scale"][:5]
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="intervals.step_scale has 5 value"):
        Forecaster.load(tmp_path / "model")
    shutil.rmtree(tmp_path / "model")


def test_levels_beyond_the_calibration_are_refused_or_left_out(air):
    """Horizon 1 on 144 months: 12 or so validation errors, too few for 95 %."""
    model = small(horizon=1).fit(air)
    assert model.calibration_.count < 19
    with pytest.raises(DataError, match="a 95 % interval needs at least 19"):
        model.forecast(air, levels=[95])
    default = model.forecast(air)  # the default levels drop 95 % and say why
    assert "lower_80" in default.columns and "lower_95" not in default.columns
    assert model.levels_left_out().startswith("No 95 % interval: 19 calibration errors")
