"""Inputs known in advance: a future-known column, calendar and holidays through fit, forecast,
save and load, and every way of giving the future rows wrongly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecaster import DataError, Forecaster, TrainConfig
from forecaster.core.decoder import EncoderDecoder
from forecaster.data.known_inputs import fit_known

HORIZON = 4
ROWS = 1500  # a month of half-hours


@pytest.fixture(scope="module")
def elec_rows(goog_csv) -> pd.DataFrame:
    """The first month of vic_elec: demand, temperature (as a forecast would supply it)."""
    frame = pd.read_csv(goog_csv.with_name("vic_elec.csv"), nrows=ROWS + HORIZON)
    return frame[["Time", "Demand", "Temperature"]]


def small(**params) -> Forecaster:
    training = TrainConfig(epochs=2, patience=0, progress="off", device="cpu", seed=0)
    return Forecaster(**{"cell": "gru", "hidden_size": 8, "num_layers": 1, "horizon": HORIZON,
                         "lookback": 48, "training": training, **params})


@pytest.fixture(scope="module")
def history(elec_rows) -> pd.DataFrame:
    return elec_rows.iloc[:ROWS]


@pytest.fixture(scope="module")
def model(history) -> Forecaster:
    return small(calendar="auto", holidays="AU-VIC").fit(
        history, target="Demand", future_features=["Temperature"])


def with_future(elec_rows, **changes) -> pd.DataFrame:
    """The history and the next rows with the target empty (as a user gives them)."""
    frame = elec_rows.copy()
    frame.loc[ROWS:, "Demand"] = np.nan
    for column, values in changes.items():
        frame.loc[ROWS:, column] = values
    return frame


def test_the_known_inputs_are_scaled_by_their_training_range():
    known = fit_known(("t",), ("hour",), None, np.array([[10.0], [30.0]]))
    matrix = known.matrix(np.array([[20.0], [30.0]]), pd.DatetimeIndex(["2020-01-01 00:00",
                                                                         "2020-01-01 06:00"]))
    assert known.names() == ["t", "hour_sin", "hour_cos"]
    assert matrix[:, 0].tolist() == [0.5, 1.0]
    assert matrix[1, 1:] == pytest.approx([1.0, 0.0], abs=1e-12)  # 06:00 is a quarter turn


def test_a_model_with_known_inputs_reads_them_through_a_decoder(model):
    assert isinstance(model.network_, EncoderDecoder)
    assert model.known_.future_features == ("Temperature",)
    assert model.known_.calendar == ("hour", "day_of_week", "day_of_year")
    assert model.known_.names()[-3:] == ["holiday", "holiday_eve", "holiday_after"]
    assert model.fitted_params()["calendar"] == ["hour", "day_of_week", "day_of_year"]


def test_the_forecast_uses_the_future_rows_after_the_history(model, elec_rows):
    forecast = model.forecast(with_future(elec_rows))
    assert len(forecast) == HORIZON
    expected = pd.to_datetime(elec_rows["Time"].iloc[ROWS:], utc=True)
    assert (pd.DatetimeIndex(forecast["date"]) == pd.DatetimeIndex(expected)).all()
    hotter = model.forecast(with_future(elec_rows, Temperature=45.0))
    assert not np.allclose(hotter["forecast"], forecast["forecast"])  # the input is read


def test_the_future_rows_may_come_as_a_separate_table(model, elec_rows, history, tmp_path):
    future = elec_rows.iloc[ROWS:][["Time", "Temperature"]]
    path = tmp_path / "future.csv"
    future.to_csv(path, index=False)
    separate = model.forecast(history, future=path)
    assert np.allclose(separate["forecast"], model.forecast(with_future(elec_rows))["forecast"])


@pytest.mark.parametrize("make, said", [
    (lambda rows: rows.iloc[:ROWS], "needs their values for the 4 forecast date(s)"),
    (lambda rows: with_future(rows).iloc[:ROWS + 2], "missing 2 forecast date(s)"),
    (lambda rows: with_future(rows, Temperature=np.nan),
     "column 'Temperature' of the future rows is empty or not a number at 4 forecast date(s)"),
    (lambda rows: with_future(rows).drop(index=ROWS + 1), "missing 1 forecast date(s)"),
])
def test_every_wrong_future_is_refused_naming_the_dates(model, elec_rows, make, said):
    with pytest.raises(DataError, match="the future rows|none were given") as error:
        model.forecast(make(elec_rows))
    assert said in str(error.value)
    assert "--future" in str(error.value)  # and says what the rows must look like


def test_shifted_future_dates_are_refused(model, elec_rows, history, tmp_path):
    future = elec_rows.iloc[ROWS:][["Time", "Temperature"]].copy()
    future["Time"] = (pd.to_datetime(future["Time"]) + pd.Timedelta("30min")).dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    with pytest.raises(DataError, match="1 date\\(s\\) that are not forecast dates"):
        model.forecast(history, future=future)


def test_known_inputs_survive_save_and_load(model, elec_rows, tmp_path):
    model.save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["known_inputs"]["future_features"] == ["Temperature"]
    assert config["known_inputs"]["holidays"] == "AU-VIC"
    loaded = Forecaster.load(tmp_path / "model")
    assert loaded.forecast(with_future(elec_rows)).equals(model.forecast(with_future(elec_rows)))


def test_a_model_without_known_inputs_is_unchanged(history):
    plain = small(calendar="none").fit(history, target="Demand")
    assert not isinstance(plain.network_, EncoderDecoder) and plain.known_.empty
    assert plain.combine_ == "theta" and plain.label == "GRU (1x8) + Theta"


def test_future_columns_leave_theta_out_by_default(model, history):
    """Theta cannot read them: "auto" forecasts with the network alone; asked for, it stays."""
    assert model.combine == "auto" and model.combine_ == "none"
    assert model.combination_ is None and model.fitted_params()["combine"] == "none"
    asked = small(combine="theta").fit(history, target="Demand", future_features=["Temperature"])
    assert asked.combination_ is not None and asked.label.endswith("+ Theta")


def test_an_exchange_is_refused_for_data_that_is_not_daily(goog_csv):
    from forecaster import ConfigError, load_series

    monthly = load_series(goog_csv.with_name("airpassengers.csv"), target="y")
    with pytest.raises(ConfigError, match="exchange='XNYS' dates forecasts on the exchange's "
                                          "trading sessions, one a day; .* has frequency MS"):
        small(horizon=2, lookback=12, exchange="XNYS").fit(monthly)


def test_a_training_file_ending_in_future_rows_is_told_where_they_go(elec_rows):
    with pytest.raises(DataError, match="If the last rows are future rows .* --future FILE"):
        small().fit(with_future(elec_rows), target="Demand", future_features=["Temperature"])
    gap = elec_rows.copy()
    gap.loc[10, "Demand"] = np.nan  # a hole in the history is not future rows
    with pytest.raises(DataError, match="missing value") as error:
        small().fit(gap, target="Demand")
    assert "future rows" not in str(error.value)


def test_a_calendar_model_forecasts_with_the_calendar_of_the_forecast_dates(history):
    """Without future-known columns the forecast steps still read their own hours and days
    (made from the forecast dates), not copies of the last history row's."""
    model = small(calendar="auto").fit(history, target="Demand")
    forecast = model.forecast(history)
    series = model._series(history)
    n = len(series.frame)
    dates = series.frame.index.append(pd.DatetimeIndex(forecast["date"]))
    known = model.known_.matrix(np.empty((len(dates), 0)), dates)
    phase = model.phase_of(series)
    expected = model.predict_positions(series.values, np.array([n]), phase, known)[0]
    assert np.allclose(forecast["forecast"], expected)
    stale = model.predict_positions(series.values, np.array([n]), phase, known[:n])[0]
    assert not np.allclose(forecast["forecast"], stale)  # the last row repeated would differ
