"""The default lookback comes from the series (two seasons, at least 24 rows, at most half the
training rows): a fixed 100 left a monthly series 8 training windows and refused a 100-row
yearly one. It is recorded as a number in config.json and metrics.json."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster import Forecaster, TrainConfig, load_series
from forecaster.cli import main
from forecaster.data import chronological_split
from forecaster.data.split import _too_short, default_lookback
from forecaster.errors import DataError

DATA = Path(__file__).resolve().parents[2] / "datasets"
SMALL = ["--cell", "gru", "--num-layers", "1", "--hidden-size", "8", "--epochs", "2",
         "--quiet", "--no-tracking"]


def yearly_sunspots(tmp_path: Path, years: int = 100) -> Path:
    """The first `years` yearly means of the monthly sunspot numbers (real data, yearly)."""
    frame = pd.read_csv(DATA / "sunspots_monthly.csv")
    frame["Year"] = frame["Month"].str[:4] + "-01-01"
    yearly = frame.groupby("Year", as_index=False)["Sunspots"].mean().head(years)
    path = tmp_path / "sunspots_yearly.csv"
    yearly.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("train_rows", "season", "horizon", "expected"), [
    (97, 12, 1, 24),  # airpassengers: two years
    (849, 5, 1, 24),  # GOOG (business days): at least 24
    (67, 1, 1, 24),  # 100 yearly rows
    (40, 1, 1, 20),  # capped: half the rows, so 20 training windows remain
    (97, 12, 12, 24),  # horizon 12 monthly
    (3000, 48, 1, 96),  # half-hourly: two days
    (100, 52, 1, 50),  # weekly, capped at half the training rows
    (1500, 1, 30, 60),  # twice the horizon
    (3, 1, 1, 1),  # the fewest rows a split allows
])
def test_the_rule(train_rows, season, horizon, expected):
    lookback = default_lookback(train_rows, season, horizon)
    assert lookback == expected
    assert train_rows - lookback - horizon + 1 >= min(lookback, 1)  # training windows left


def test_a_default_lookback_never_fails_where_a_smaller_one_would_work():
    for horizon in (1, 3, 12):
        for season in (1, 4, 12, 52):
            for n in range(2, 260):
                try:
                    split = chronological_split(n, lookback=None, horizon=horizon)
                except DataError:
                    with pytest.raises(DataError):  # not even a lookback of 1 fits
                        chronological_split(n, lookback=1, horizon=horizon)
                    continue
                lookback = default_lookback(split.train_end, season, horizon)
                assert _too_short(n, 0.25, 0.1, lookback, horizon) == "", (n, season, horizon)


def test_a_series_too_short_for_any_lookback_says_so():
    with pytest.raises(DataError) as info:
        chronological_split(6, lookback=None, horizon=3)
    message = str(info.value)
    assert message.startswith("The series has 6 rows: too short for the default lookback "
                              "(chosen from the series; 1 at the least) + horizon 3")
    assert "--lookback" not in message


def test_the_estimator_keeps_none_and_learns_lookback_(tmp_path):
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    assert model.lookback is None and model.get_params()["lookback"] is None
    model.fit(load_series(DATA / "airpassengers.csv", target="y"))
    assert model.lookback is None  # the constructor argument is never changed
    assert model.lookback_ == 24  # 129 training rows, season 12: two years
    saved = Forecaster.load(model.save(tmp_path / "model"))
    assert (saved.lookback, saved.lookback_) == (24, 24)
    assert len(saved.forecast(load_series(DATA / "airpassengers.csv", target="y"))) == 1


def test_an_explicit_lookback_too_long_for_the_training_rows_names_one_that_fits():
    series = load_series(DATA / "airpassengers.csv", target="y")
    model = Forecaster(lookback=60, training=TrainConfig(epochs=1, progress="off"))
    with pytest.raises(DataError, match=r"in its 50 training rows; use --lookback 49 or "
                                        r"smaller, or more rows\."):
        model.fit_span(series, train_end=50, val_end=60)


def test_train_airpassengers_by_default_records_the_lookback(tmp_path):
    """144 monthly rows were refused with lookback 100; the default reads 24 months."""
    result = CliRunner().invoke(main, ["train", str(DATA / "airpassengers.csv"), "-t", "y",
                                       *SMALL, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    config = json.loads((tmp_path / "run" / "model" / "config.json").read_text("utf-8"))
    assert metrics["model"]["lookback"] == config["params"]["lookback"] == 24
    tail = pd.read_csv(tmp_path / "run" / "model" / "history_tail.csv")
    assert len(tail) == 24


def test_train_a_100_row_yearly_series_by_default(tmp_path):
    csv = yearly_sunspots(tmp_path)
    result = CliRunner().invoke(main, ["train", str(csv), "-t", "Sunspots", *SMALL,
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["model"]["lookback"] == 24
    assert metrics["data"]["train_rows"] == 67


def test_train_help_states_the_rule():
    text = " ".join(CliRunner().invoke(main, ["train", "--help"]).output.split())
    assert "default: from the series: two seasons of its frequency, at least 24" in text


def test_a_global_model_uses_one_lookback_that_fits_every_series():
    from forecaster.forecasting.global_model import fit_global

    long = load_series(DATA / "airpassengers.csv", target="y")
    short = long.head(60)
    splits = [chronological_split(len(item.frame), lookback=None) for item in (long, short)]
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    fitted = fit_global(model, [long, short], splits)
    # 40 training rows in the short one: half of them, not the long one's 24
    assert {view.lookback_ for view in fitted} == {20}
