"""Quarterly dates written as text ('1998 Q1', tsibble's yearquarter), as in the shipped
aus_production.csv and tourism.csv: read as the first day of each quarter, found as the date
column by content, and refused with the usual message when one value is not a quarter."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecaster.data import load_series
from forecaster.errors import DataError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def test_aus_production_quarters_are_read_as_quarter_starts():
    data = load_series(DATASETS / "aus_production.csv", target="Beer")
    frame = pd.read_csv(DATASETS / "aus_production.csv")
    assert len(data.frame) == len(frame) == 218
    assert data.frame.index[0] == pd.Timestamp("1956-01-01")
    assert data.frame.index[-1] == pd.Timestamp("2010-04-01")
    assert data.frequency == "QS-JAN"
    assert any("1956 Q1 is 1956-01-01" in note for note in data.notes)


@pytest.mark.parametrize("written", ["1998Q1", "1998-Q1", "1998 q1"])
def test_other_quarter_spellings(tmp_path, written):
    frame = pd.read_csv(DATASETS / "tourism.csv", nrows=80)
    frame = frame[["Quarter", "Trips"]]
    frame["Quarter"] = frame["Quarter"].str.replace("1998 Q1", written)
    frame.to_csv(tmp_path / "trips.csv", index=False)
    data = load_series(tmp_path / "trips.csv", target="Trips", date_column="Quarter")
    assert data.frame.index[0] == pd.Timestamp("1998-01-01")
    assert data.frame.index[4] == pd.Timestamp("1999-01-01")


def test_one_value_that_is_no_quarter_is_refused(tmp_path):
    frame = pd.read_csv(DATASETS / "aus_production.csv", usecols=["Quarter", "Beer"])
    frame.loc[3, "Quarter"] = "1956 Q5"
    frame.to_csv(tmp_path / "beer.csv", index=False)
    with pytest.raises(DataError) as info:
        load_series(tmp_path / "beer.csv", target="Beer", date_column="Quarter")
    assert "1 date(s) that cannot be parsed (line 5: '1956 Q5')" in str(info.value)
