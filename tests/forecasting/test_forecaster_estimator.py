"""The Forecaster estimator on real data: fit, predict, evaluate, forecast, save and load."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from forecaster import ConfigError, DataError, Forecaster, ForecasterError, ModelFileError
from forecaster.errors import NotFittedError
from forecaster.forecasting.baselines import BASELINES


def tiny_training(**overrides):
    from forecaster import TrainConfig

    settings = {"epochs": 3, "patience": 0, "progress": "off", "device": "cpu", "seed": 0}
    return TrainConfig(**{**settings, **overrides})


def small(**params) -> Forecaster:
    """A tiny GRU without calendar inputs: these tests call the window API
    (`predict_positions`) directly, which takes known inputs only from its caller
    (calendar models: tests/forecasting/test_known_inputs.py)."""
    settings = {"cell": "gru", "hidden_size": 8, "num_layers": 1, "lookback": 20,
                "calendar": "none", "training": tiny_training()}
    return Forecaster(**{**settings, **params})


@pytest.fixture(scope="module")
def fitted(goog):
    return small().fit(goog.head(900))


def test_fit_learns_underscored_attributes_and_returns_self(goog):
    model = small()
    assert model.fit(goog.head(600)) is model
    assert model.history_.epochs_run == 3
    assert model.target_ == "Close" and model.features_ == []
    assert model.frequency_ == "B" and model.season_ == 5


def test_scaler_is_fitted_on_training_rows_only(goog):
    model = small().fit(goog.head(600), val_size=0.2)
    train_rows = model.data_info_["train_rows"]
    assert train_rows == 480
    expected_max = goog.frame["Close"].iloc[:train_rows].max()
    assert model.scaler_.data_max_[0] == pytest.approx(expected_max)
    assert model.scaler_.data_max_[0] < goog.frame["Close"].iloc[:600].max()


def test_predict_before_fit_is_a_clear_error():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        small().forecast(pd.Series([1.0, 2.0]))


def test_every_test_point_is_scored_from_its_own_past(fitted, goog):
    evaluation = fitted.evaluate(goog, start=0.75)
    n = len(goog.frame)
    test_start = round(0.75 * n)
    assert len(evaluation.predictions) == n - test_start
    assert evaluation.predictions["date"].iloc[0] == goog.frame.index[test_start]
    assert list(evaluation.metrics) == ["model", *BASELINES]
    naive = evaluation.predictions["naive"].to_numpy()
    np.testing.assert_allclose(naive, goog.frame["Close"].to_numpy()[test_start - 1:n - 1])


def test_predictions_only_read_the_past(fitted, goog):
    """Changing the future must not change a forecast made before it."""
    values = goog.values.copy()
    positions = np.arange(700, 720)
    before = fitted.predict_positions(values, positions)
    values[720:] *= 3.0
    after = fitted.predict_positions(values, positions)
    np.testing.assert_array_equal(before, after)


def test_batched_predictions_equal_one_at_a_time(fitted, goog):
    positions = np.arange(800, 830)
    batched = fitted.predict_positions(goog.values, positions)
    single = np.vstack([fitted.predict_positions(goog.values, np.array([p])) for p in positions])
    np.testing.assert_allclose(batched, single, rtol=1e-5, atol=1e-4)


def test_direct_multi_step_horizon(goog):
    model = small(horizon=5).fit(goog.head(700))
    forecast = model.forecast(goog.head(700))
    assert list(forecast["step"]) == [1, 2, 3, 4, 5]
    last = goog.frame.index[699]
    assert forecast["date"].iloc[0] > last
    assert all(d.day_of_week < 5 for d in forecast["date"])  # business days
    evaluation = model.evaluate(goog.head(700), start=0.8, by_step=True)
    assert evaluation.horizon == 5
    assert len(evaluation.metrics_by_step["model"]["rmse"]) == 5


def test_save_and_load_round_trip_without_pickle(fitted, goog, tmp_path):
    path = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((path / "config.json").read_text())
    assert config["encoder"]["cell"] == "gru"
    assert config["data"]["fingerprint"] == goog.head(900).fingerprint()
    assert {"torch", "numpy", "pandas", "scikit-learn", "forecaster"} <= set(config["versions"])
    assert config["scaler"]["data_max"][0] == pytest.approx(fitted.scaler_.data_max_[0])
    loaded = Forecaster.load(path)
    positions = np.arange(900, 950)
    np.testing.assert_array_equal(loaded.predict_positions(goog.values, positions),
                                  fitted.predict_positions(goog.values, positions))


def test_a_model_saved_from_another_device_loads_on_cpu(fitted, tmp_path):
    """Weights are always written from CPU copies and read with device='cpu'."""
    from safetensors.torch import load_file

    path = fitted.save(tmp_path / "model")
    state = load_file(str(path / "weights.safetensors"), device="cpu")
    assert all(t.device == torch.device("cpu") for t in state.values())


def test_loading_an_incomplete_model_dir_names_the_missing_file(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    (path / "weights.safetensors").unlink()
    with pytest.raises(ModelFileError, match="weights.safetensors' is missing"):
        Forecaster.load(path)


def test_forecast_checks_the_columns(fitted, goog):
    frame = goog.frame.rename(columns={"Close": "Price"})
    with pytest.raises(DataError, match="Close"):
        fitted.forecast(frame)


def test_accepts_pandas_series_and_darts_timeseries(goog):
    pytest.importorskip("darts")
    from darts import TimeSeries

    series = goog.frame["Close"].iloc[:400]
    from_pandas = small().fit(series)
    ts = TimeSeries.from_series(series.reset_index(drop=True))  # integer-indexed: no dates
    with pytest.raises(DataError, match="date"):
        small().fit(ts)
    dated = TimeSeries.from_dataframe(goog.frame.iloc[:400].asfreq("D").ffill(),
                                      value_cols=["Close"])
    from_darts = small().fit(dated)
    assert from_pandas.target_ == "Close" and from_darts.target_ == "Close"
    assert from_darts.frequency_ == "D"


def test_cpu_runs_with_a_seed_repeat_exactly(goog):
    first = small(training=tiny_training(seed=7)).fit(goog.head(500))
    second = small(training=tiny_training(seed=7)).fit(goog.head(500))
    assert first.history_.train_loss == second.history_.train_loss
    for a, b in zip(first.network_.parameters(), second.network_.parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize(("param", "value", "text"), [
    ("cell", "transformer", "cell='transformer' is not known"),
    ("lookback", 0, "lookback=0 must be a positive whole number"),
    ("window_norm", "zscore", "window_norm='zscore' is not known"),
    ("dropout", 1.5, "dropout=1.5 must be in"),
])
def test_bad_parameters_are_named_with_their_value(goog, param, value, text):
    with pytest.raises(ConfigError, match=text.replace("(", r"\(").replace("[", r"\[")):
        small(**{param: value}).fit(goog.head(300))


def test_too_short_series_says_how_many_rows_are_needed(goog):
    with pytest.raises(DataError, match="too short.*needs about"):
        small(lookback=100).fit(goog.head(90))


def test_save_refuses_a_used_path_and_follows_the_umask(fitted, tmp_path):
    import os
    import stat

    path = fitted.save(tmp_path / "model")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's private 0700
    with pytest.raises(ForecasterError, match="already exists and is not empty"):
        fitted.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary left behind


@pytest.mark.parametrize(("start", "message"), [
    ("not-a-date", "start='not-a-date' is not a date (e.g. 2018-01-02), a row position or a "
                   "fraction of the rows in (0, 1)."),
    ("2019-13-45", "start='2019-13-45' is not a date"),
    (1.5, "start=1.5: a fraction of the rows must lie strictly between 0 and 1"),
    (-3, "start=-3 is not a row position of"),
])
def test_an_unusable_start_is_a_config_error(fitted, goog, start, message):
    with pytest.raises(ConfigError) as info:
        fitted.predict(goog, start=start)
    assert message in str(info.value)


def test_an_unparseable_start_on_the_command_line_exits_2(fitted, goog_csv, tmp_path):
    from click.testing import CliRunner

    from forecaster.cli import main

    model_dir = fitted.save(tmp_path / "model")
    result = CliRunner().invoke(main, ["evaluate", str(model_dir), str(goog_csv),
                                       "--start", "next tuesday-ish"])
    assert result.exit_code == 2, result.output
    assert "start='next tuesday-ish' is not a date" in result.output


def test_a_start_date_with_a_time_zone_is_compared_in_the_series_zone(fitted, goog):
    naive = fitted.predict(goog, start="2018-01-02")
    aware = fitted.predict(goog, start="2018-01-02T00:00:00+00:00")
    assert naive["date"].iloc[0] == aware["date"].iloc[0] == pd.Timestamp("2018-01-02")
