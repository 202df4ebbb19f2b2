"""The default forecast: the network relative to the better reference, averaged with Theta."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from small_models import small

from forecaster import ConfigError, Forecaster, ModelFileError
from forecaster.data.frequency import steps_between
from forecaster.forecasting.baselines import reference_ratio
from forecaster.forecasting.combination import network_weight
from forecaster.forecasting.statistical import fit_theta, theta_forecasts


def test_auto_norm_picks_seasonal_naive_on_monthly_airline_data(air):
    model = small().fit(air.head(108))
    assert model.window_norm == "auto" and model.window_norm_ == "season"
    assert model.fitted_params()["window_norm"] == "season"  # saved decided


def test_auto_norm_keeps_the_last_value_for_a_stock(goog):
    """A week ago forecasts a random walk worse than yesterday does."""
    ratio = reference_ratio(goog.values[:900, 0], 5, 5)
    assert ratio is not None and ratio > 1
    assert small(horizon=5).fit(goog.head(900)).window_norm_ == "last"


def test_the_seasonal_reference_stays_inside_the_window(air):
    """With a 5-row window the value 12 months back lies outside it (before the first row of
    the series for the first windows): auto keeps the last value, and asking for the seasonal
    reference is refused with the lookback that works."""
    assert small(lookback=5).fit(air.head(108)).window_norm_ == "last"
    with pytest.raises(ConfigError, match=r"12 rows back for season 12 and horizon 12; the "
                                          r"lookback is 5\. Use --lookback 12 or more"):
        small(lookback=5, window_norm="season").fit(air.head(108))
    assert small(lookback=12, window_norm="season").fit(air.head(108)).window_norm_ == "season"


def test_reference_ratio_needs_a_season_and_enough_rows(air):
    assert reference_ratio(air.values[:, 0], 1, 12) is None
    assert reference_ratio(air.values[:30, 0], 12, 12) is None
    assert reference_ratio(air.values[:, 0], 12, 12) < 0.7  # strongly seasonal


def test_the_forecast_weighs_the_network_and_theta_by_their_validation_errors(air):
    combined = small().fit(air.head(120))
    alone = small(combine="none").fit(air.head(120))
    positions = np.arange(120, 133)
    combination = combined.combination_
    theta = theta_forecasts(combination.theta, air.values[:, 0], positions, 12)
    weight = combination.network_weight
    np.testing.assert_allclose(combined.predict_positions(air.values, positions),
                               weight * alone.predict_positions(air.values, positions)
                               + (1 - weight) * theta, rtol=1e-6)
    assert combined.label == "GRU (1x8) + Theta" and alone.label == "GRU (1x8)"

    # the weight: Theta fitted on the training rows only, both judged on the validation windows
    split_end, val_end = combined.data_info_["train_rows"], 120
    val = np.arange(split_end + 0, val_end - 12 + 1)
    val = val[val >= combined.lookback_]
    actual = air.values[val[:, None] + np.arange(12)[None, :], 0]
    held_out = theta_forecasts(fit_theta(air.values[:split_end, 0], 12), air.values[:, 0],
                               val, 12)
    assert weight == pytest.approx(network_weight(
        alone.network_forecasts(air.values, val), held_out, actual))
    assert 0 < weight < 1


def test_network_weight_follows_the_errors():
    actual = np.zeros((2, 3))
    assert network_weight(actual + 1, actual + 3, actual) == pytest.approx(0.75)
    assert network_weight(actual, actual, actual) == 0.5  # nothing to tell them apart
    assert network_weight(np.empty((0, 3)), np.empty((0, 3)), np.empty((0, 3))) == 0.5


def test_saved_combination_forecasts_the_same_and_old_files_load_as_the_network(air, tmp_path):
    model = small().fit(air.head(120))
    model.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["params"]["combine"] == "theta"
    assert config["combination"]["method"] == "theta"
    assert config["combination"]["network_weight"] == model.combination_.network_weight
    loaded = Forecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.forecast(air), model.forecast(air))

    # a file from before combinations: no params.combine, no block -> the network alone
    shutil.copytree(tmp_path / "m", tmp_path / "old")
    del config["params"]["combine"], config["combination"]
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    old = Forecaster.load(tmp_path / "old")
    assert old.combine == "none" and old.combination_ is None and old.label == "GRU (1x8)"


def test_a_combination_without_its_block_is_a_broken_file(air, tmp_path):
    small().fit(air.head(120)).save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    del config["combination"]
    path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match="params.combine is 'theta' but the file has no "
                                             "'combination' block"):
        Forecaster.load(tmp_path / "m")


@pytest.mark.parametrize(("key", "value"), [("theta.alpha", 7.0), ("network_weight", 1.5),
                                            ("theta.profile.indices", [1.0, 2.0])])
def test_a_tampered_combination_is_refused(air, tmp_path, key, value):
    small().fit(air.head(120)).save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    config = json.loads(path.read_text())
    *parents, last = key.split(".")
    block = config["combination"]
    for name in parents:
        block = block[name]
    block[last] = value
    path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=f"combination.{key.split('.')[0]}"):
        Forecaster.load(tmp_path / "m")


def test_a_file_of_recent_rows_keeps_the_seasons_in_step(air):
    """The Theta half's season is counted from the first fitted date, so a file that starts
    five months later is five phases on: its forecast matches the full file's closely (only
    the smoothed level's start differs)."""
    model = small().fit(air.head(120))
    recent = load_series_frame(air, start=41)
    assert model.phase_of(recent) == 41 % 12
    full, late = model.forecast(air), model.forecast(recent)
    np.testing.assert_allclose(late["forecast"], full["forecast"], rtol=0.02)
    assert list(late["date"]) == list(full["date"])


def load_series_frame(series, start: int):
    from forecaster.data import as_series_data

    frame = series.frame[[series.target]].iloc[start:]
    return as_series_data(frame, target=series.target)


@pytest.mark.parametrize(("start", "end", "frequency", "steps"), [
    ("1949-01-01", "1950-03-01", "MS", 14),
    ("2020-01-06", "2020-01-03", "B", -1),
    ("2012-01-01 00:00", "2012-01-02 01:30", "30min", 51),
    ("2012-01-01", "2012-01-01 00:10", "30min", None),  # not on the grid
    ("2012-01-01", "2013-01-01", None, None),
])
def test_steps_between_counts_on_the_frequency_grid(start, end, frequency, steps):
    assert steps_between(pd.Timestamp(start), pd.Timestamp(end), frequency) == steps
