"""Dates and values the reader used to get silently wrong or crash on: Unix time, integer years,
changing UTC offsets, empty date cells, uneven spacing and daylight-saving holes, inf and values
too large to square, a column name used twice.

Every file is a real shipped series (airpassengers, vic_elec, GOOG) rewritten in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data import as_series_data, load_series
from forecaster.errors import DataError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = pd.read_csv(DATASETS / "airpassengers.csv", parse_dates=["ds"])
GOOG_LINES = (DATASETS / "GOOG.csv").read_text(encoding="utf-8").splitlines()


def _vic(rows: slice) -> pd.DataFrame:
    frame = pd.read_csv(DATASETS / "vic_elec.csv", usecols=["Time", "Demand"])
    frame = frame.iloc[rows].reset_index(drop=True)
    frame["Time"] = pd.to_datetime(frame["Time"], utc=True)
    return frame


def write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path


def error_of(path: Path, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        load_series(path, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- numbers as dates


@pytest.mark.parametrize(("unit", "scale", "word"), [("s", 10**9, "seconds"),
                                                     ("ms", 10**6, "milliseconds")])
def test_unix_time_is_read_in_its_unit_not_as_nanoseconds(tmp_path, unit, scale, word):
    months = pd.date_range("2001-01-01", periods=len(AIR), freq="MS")  # after 1973
    frame = AIR.assign(ds=months.astype("datetime64[ns]").astype("int64") // scale)
    series = load_series(write(tmp_path / f"epoch_{unit}.csv", frame), date_column="ds")
    assert (series.frame.index == months).all()
    assert series.frequency == "MS"
    assert any(f"as Unix time in {word}" in note and "2001-01-01" in note
               for note in series.notes)


def test_integer_years_are_years(tmp_path):
    frame = pd.DataFrame({"Year": range(1871, 1871 + 60), "y": AIR["y"].iloc[:60]})
    series = load_series(write(tmp_path / "years.csv", frame))  # found by its name
    assert series.frame.index[0] == pd.Timestamp("1871-01-01")
    assert series.frame.index[-1] == pd.Timestamp("1930-01-01")
    assert series.frequency.startswith("YS")
    assert any("as years (1871 is 1871-01-01)" in note for note in series.notes)


def test_small_numbers_are_not_dates(tmp_path):
    frame = pd.DataFrame({"t": range(1, 61), "y": AIR["y"].iloc[:60]})
    message = error_of(write(tmp_path / "index.csv", frame), date_column="t", target="y")
    assert "Column 't' in" in message
    assert "holds numbers (1, 2, 3, …) that are no kind of date" in message
    assert "Write ISO dates such as 2018-12-31" in message


def test_impossible_yyyymmdd_names_the_line(tmp_path):
    frame = AIR.assign(ds=AIR["ds"].dt.strftime("%Y%m%d").astype(int))
    frame.loc[4, "ds"] = 19490231  # 31 February, file line 6
    message = error_of(write(tmp_path / "ymd.csv", frame), target="y")
    assert "1 number(s) that are not valid dates when read as YYYYMMDD" in message
    assert "line 6: 19490231" in message


def test_empty_date_cell_names_the_line(tmp_path):
    frame = AIR.assign(ds=AIR["ds"].dt.strftime("%Y-%m-%d"))
    frame.loc[9, "ds"] = None  # file line 11
    message = error_of(write(tmp_path / "blank_date.csv", frame), target="y", date_column="ds")
    assert "Column 'ds' in" in message
    assert "1 row(s) without a date (an empty cell on line(s) 11)" in message


# --------------------------------------------------------------------------- time zones


def _melbourne(frame: pd.DataFrame) -> pd.Series:
    local = frame["Time"].dt.tz_convert("Australia/Melbourne")
    return local.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"(\d{2})(\d{2})$", r"\1:\2",
                                                                 regex=True)


def test_changing_offsets_of_half_hourly_times_become_utc(tmp_path):
    vic = _vic(slice(0, 24 * 2 * 120))  # Jan..Apr 2012: Melbourne leaves DST on 1 April
    text = vic.assign(Time=_melbourne(vic))
    assert {"+11:00", "+10:00"} <= set(text["Time"].str[-6:])
    series = load_series(write(tmp_path / "melbourne.csv", text), target="Demand")
    assert (series.frame.index == pd.DatetimeIndex(vic["Time"])).all()
    assert series.frequency == "30min"
    assert any("changing UTC offsets (+1000, +1100" in note and "converted them all to UTC"
               in note for note in series.notes)


def test_changing_offsets_of_daily_dates_keep_the_local_dates(tmp_path):
    days = pd.date_range("2021-03-01", periods=60, freq="D", tz="Europe/Berlin")
    text = pd.Series(days.strftime("%Y-%m-%dT%H:%M:%S%z")).str.replace(
        r"(\d{2})(\d{2})$", r"\1:\2", regex=True)
    frame = pd.DataFrame({"date": text, "y": AIR["y"].iloc[:60]})
    series = load_series(write(tmp_path / "berlin.csv", frame), target="y")
    assert (series.frame.index == days.tz_localize(None)).all()
    assert series.frequency == "D"
    assert any("kept the local dates" in note for note in series.notes)


def test_times_with_and_without_offset_name_both_lines(tmp_path):
    vic = _vic(slice(0, 200))
    text = vic.assign(Time=_melbourne(vic))
    text.loc[7, "Time"] = text.loc[7, "Time"][:-6]  # file line 9 lost its offset
    message = error_of(write(tmp_path / "mixed.csv", text), target="Demand")
    assert "mixes times with a UTC offset (line 2: '2012-01-01T00:00:00+11:00')" in message
    assert "times without one (line 9: '2012-01-01T03:30:00')" in message
    assert "Give every time its offset" in message


# --------------------------------------------------------------------------- spacing


def test_missing_months_are_named_and_filled_on_request(tmp_path):
    path = write(tmp_path / "gaps.csv", AIR.drop(index=[2, 30]))
    series = load_series(path, target="y")
    assert len(series.frame) == 142
    note = next(note for note in series.notes if "not evenly spaced" in note)
    assert "2 date(s) are missing from the usual step 'MS' (first: 1949-03-01" in note
    assert "--fill interpolate" in note
    filled = load_series(path, target="y", fill="interpolate")
    assert len(filled.frame) == 144
    assert filled.frame.loc["1949-03-01", "y"] == pytest.approx((118 + 129) / 2)
    assert any("inserted 2 missing date(s)" in note for note in filled.notes)


def test_a_time_off_the_usual_step_is_named(tmp_path):
    vic = _vic(slice(0, 500))
    vic.loc[100, "Time"] += pd.Timedelta(minutes=7)
    series = load_series(write(tmp_path / "offgrid.csv", vic), target="Demand")
    note = next(note for note in series.notes if "not evenly spaced" in note)
    assert "1 date(s) are off that step (first: 2012-01-02 15:07:00+00:00)" in note
    assert "Resample" in note


def test_spring_daylight_saving_hole_is_explained(tmp_path):
    vic = _vic(slice(24 * 2 * 270, 24 * 2 * 290))  # around 7 October 2012, Melbourne
    local = vic.assign(Time=vic["Time"].dt.tz_convert("Australia/Melbourne")
                       .dt.tz_localize(None))  # clock times, as many loggers write them
    series = load_series(write(tmp_path / "spring.csv", local), target="Demand")
    note = next(note for note in series.notes if "not evenly spaced" in note)
    assert "2 date(s) are missing" in note and "2012-10-07 02:00:00" in note
    assert "daylight-saving change" in note


def test_autumn_daylight_saving_repeat_is_explained(tmp_path):
    vic = _vic(slice(24 * 2 * 80, 24 * 2 * 100))  # around 1 April 2012, Melbourne
    local = vic.assign(Time=vic["Time"].dt.tz_convert("Australia/Melbourne")
                       .dt.tz_localize(None))
    message = error_of(write(tmp_path / "autumn.csv", local), target="Demand")
    assert "repeated dates" in message
    assert "first repeated date 2012-04-01 02:00:00" in message
    assert "daylight-saving change" in message


# --------------------------------------------------------------------------- values


def _goog_with(path: Path, line: int, column: str, value: str) -> Path:
    lines = list(GOOG_LINES[:121])
    index = lines[0].split(",").index(column)
    fields = lines[line - 1].split(",")
    fields[index] = value
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "1e200", "-1e160"])
def test_infinite_or_huge_target_names_line_and_column(tmp_path, value):
    path = _goog_with(tmp_path / "inf.csv", 17, "Close", value)
    message = error_of(path, target="Close")
    assert "Column 'Close' in" in message
    assert "1 value(s) that are infinite or too large to compute with" in message
    assert "line 17:" in message
    assert "rescale the column" in message


def test_infinite_feature_names_the_feature(tmp_path):
    path = _goog_with(tmp_path / "inf_feature.csv", 40, "Volume", "-inf")
    message = error_of(path, target="Close", features=["Volume"])
    assert "Column 'Volume' in" in message and "line 40:" in message


def test_large_but_computable_values_load(tmp_path):
    path = _goog_with(tmp_path / "large.csv", 17, "Close", "1e100")
    assert np.isfinite(load_series(path, target="Close").values).all()


def test_second_column_with_the_same_name_is_refused_with_both_positions(tmp_path):
    lines = [line + "," + line.split(",")[5] for line in GOOG_LINES[:60]]
    lines[0] = GOOG_LINES[0] + ",Close"
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = error_of(path, target="Close")
    assert "has two columns named 'Close' (columns 6 and 9 of the header line)" in message


def test_an_entirely_empty_feature_cannot_be_filled(tmp_path):
    frame = AIR.assign(extra=np.nan)
    path = write(tmp_path / "empty_feature.csv", frame)
    message = error_of(path, target="y", features=["extra"], fill="ffill")
    assert "Column(s) extra in" in message and "have no values at all" in message


def test_a_frame_with_zoned_dates_keeps_its_zone():
    index = pd.date_range("2012-03-20", periods=400, freq="h", tz="Australia/Melbourne")
    frame = pd.DataFrame({"Demand": _vic(slice(0, 400))["Demand"].to_numpy()}, index=index)
    series = as_series_data(frame)
    assert str(series.frame.index.tz) == "Australia/Melbourne"  # across the April DST change
    assert series.frequency == "h"
    assert series.notes == []


def test_a_trailing_comma_on_every_line_is_not_a_column(tmp_path):
    lines = (DATASETS / "airpassengers.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "trailing.csv"
    path.write_text("\n".join(line + "," for line in lines) + "\n", encoding="utf-8")
    series = load_series(path)  # one numeric column again: no --target needed
    assert series.target == "y"
    assert len(series.frame) == 144
