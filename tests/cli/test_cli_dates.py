"""Dates in one ISO 8601 format wherever a forecast is shown: the terminal table, --json, the
--out CSV and the pyfunc model; YYYY-MM-DD for daily or coarser data, YYYY-MM-DDTHH:MM:SS for
finer (they came as 2019-01-01, 2019-01-01 00:00:00 and 2019-01-01T00:00:00)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster import Forecaster, TrainConfig, load_series
from forecaster.cli import main
from forecaster.data.date_text import iso_dates

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def saved_model(csv: Path, target: str, lookback: int, horizon: int, out: Path) -> Path:
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=lookback,
                       horizon=horizon,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    return model.fit(load_series(csv, target=target)).save(out)


@pytest.fixture(scope="module")
def half_hourly(tmp_path_factory) -> Path:
    """The last 1500 half-hours of vic_elec: finer than daily."""
    path = tmp_path_factory.mktemp("vic") / "vic_tail.csv"
    pd.read_csv(DATASETS / "vic_elec.csv").tail(1500).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("case", "expected"), [
    ("daily", ["2019-01-01"]),
    ("half-hourly", ["2014-12-31T13:00:00", "2014-12-31T13:30:00"]),
])
def test_one_format_on_the_terminal_in_json_and_in_the_csv(case, expected, half_hourly,
                                                           tmp_path):
    if case == "daily":
        csv, model = DATASETS / "GOOG.csv", saved_model(DATASETS / "GOOG.csv", "Close", 20, 1,
                                                         tmp_path / "model")
    else:
        csv, model = half_hourly, saved_model(half_hourly, "Demand", 48, 2, tmp_path / "model")
    runner = CliRunner()
    table = runner.invoke(main, ["predict", str(model), str(csv), "--out",
                                 str(tmp_path / "f.csv")])
    assert table.exit_code == 0, table.output
    shown = [line.split()[0] for line in table.output.splitlines()[1:] if line.strip()]
    assert shown[-len(expected):] == expected
    assert list(pd.read_csv(tmp_path / "f.csv", dtype=str)["date"]) == expected
    as_json = runner.invoke(main, ["predict", str(model), str(csv), "--json"])
    assert [row["date"] for row in json.loads(as_json.stdout)["forecast"]] == expected


def test_the_pyfunc_model_gives_the_same_dates(tmp_path):
    from forecaster.tracking.pyfunc_model import ForecasterPyfunc

    pyfunc = ForecasterPyfunc()
    pyfunc.model = Forecaster.load(saved_model(DATASETS / "GOOG.csv", "Close", 20, 1,
                                               tmp_path / "model"))
    history = pd.read_csv(DATASETS / "GOOG.csv")[["Date", "Close"]].tail(100)
    assert list(pyfunc.predict(None, history)["date"]) == ["2019-01-01"]


def test_an_hourly_forecast_at_midnight_keeps_its_time():
    dates = pd.to_datetime(["2019-01-01 00:00"])
    assert iso_dates(dates, "h") == ["2019-01-01T00:00:00"]
    assert iso_dates(dates, "D") == iso_dates(dates) == ["2019-01-01"]
    assert iso_dates(pd.to_datetime(["2019-01-01 09:30"]), "D") == ["2019-01-01T09:30:00"]
