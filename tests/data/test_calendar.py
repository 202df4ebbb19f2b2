"""Calendar features (cyclic sine/cosine) and holiday indicators, on real calendars and the shipped
vic_elec series; every bad setting's message pinned."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data.calendar import (
    CALENDAR_FEATURES,
    auto_calendar,
    calendar_matrix,
    check_calendar,
    check_holidays,
    holiday_matrix,
    region_zone,
)
from forecaster.errors import ConfigError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


@pytest.mark.parametrize(("frequency", "features"), [
    ("30min", ("hour", "day_of_week", "day_of_year")),
    ("h", ("hour", "day_of_week", "day_of_year")),
    ("15min", ("hour", "day_of_week", "day_of_year")),
    ("D", ("day_of_week", "day_of_year")),
    ("B", ("day_of_week", "day_of_year")),
    ("W-SUN", ("week_of_year",)),
    ("MS", ()),
    ("ME", ()),
    ("QS-OCT", ()),
    ("YS", ()),
    (None, ()),
    ("not a frequency", ()),
    ("M", ()),  # pandas 2 reads the old alias (with a warning), pandas 3 refuses it
])
def test_auto_calendar_by_frequency(frequency, features):
    assert auto_calendar(frequency) == features


def test_check_calendar_accepts_auto_none_and_names():
    assert check_calendar(None, "h") == ("hour", "day_of_week", "day_of_year")
    assert check_calendar("auto", "MS") == ()
    assert check_calendar("AUTO", "D") == ("day_of_week", "day_of_year")
    assert check_calendar("none", "h") == ()
    assert check_calendar("hour, month", "MS") == ("hour", "month")
    assert check_calendar(["Month", "day_of_week"], None) == ("month", "day_of_week")
    assert check_calendar(list(CALENDAR_FEATURES), "h") == CALENDAR_FEATURES


CHOICES = "hour, day_of_week, day_of_month, week_of_year, month, day_of_year"


@pytest.mark.parametrize(("spec", "message"), [
    ("hours", f"calendar feature 'hours' is unknown (did you mean hour?); give 'auto', 'none' "
              f"or names separated by commas from: {CHOICES}"),
    (["month", "season"], f"calendar feature 'season' is unknown; give 'auto', 'none' or names "
                          f"separated by commas from: {CHOICES}"),
    ("hour,month,hour", "calendar 'hour,month,hour' names hour more than once; give each "
                        "feature once"),
    ("hour,", f"calendar 'hour,' has an empty name; give 'auto', 'none' or names separated by "
              f"commas from: {CHOICES}"),
    ([], f"calendar [] has an empty name; give 'auto', 'none' or names separated by commas "
         f"from: {CHOICES}"),
])
def test_check_calendar_refuses_bad_names(spec, message):
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        check_calendar(spec, "h")


def test_hour_is_cyclic_23h_next_to_midnight():
    dates = pd.DatetimeIndex(["2012-01-01 00:00", "2012-01-01 12:00", "2012-01-01 23:00",
                              "2012-01-01 23:30"])
    matrix, names = calendar_matrix(dates, ["hour"])
    assert names == ["hour_sin", "hour_cos"]
    assert matrix.dtype == np.float64 and matrix.shape == (4, 2)
    np.testing.assert_allclose(matrix[0], [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(matrix[1], [0.0, -1.0], atol=1e-12)
    midnight, noon, late = (np.linalg.norm(matrix[2] - row) for row in matrix[[0, 1, 3]])
    assert midnight == pytest.approx(2 * np.sin(np.pi / 24))  # one hour apart on the circle
    assert noon > 1.9
    assert late == pytest.approx(2 * np.sin(np.pi / 48))  # half-hours differ


def test_every_feature_phase():
    # a Monday, the first of a leap year's March: known phases for each feature
    dates = pd.DatetimeIndex(["2016-03-01 06:00"])
    matrix, names = calendar_matrix(dates, CALENDAR_FEATURES)
    assert names == [f"{f}_{part}" for f in CALENDAR_FEATURES for part in ("sin", "cos")]
    phases = np.arctan2(matrix[0, 0::2], matrix[0, 1::2]) / (2 * np.pi) % 1.0
    expected = [6 / 24, 1 / 7, 0 / 31, 9 / 53, 2 / 12, 60 / 366]
    np.testing.assert_allclose(phases, expected, atol=1e-12)


def test_december_next_to_january_and_no_features():
    dates = pd.DatetimeIndex(["2014-12-31", "2015-01-01", "2015-07-01"])
    matrix, _ = calendar_matrix(dates, ["day_of_year", "month"])
    day, month = matrix[:, :2], matrix[:, 2:]
    assert np.linalg.norm(day[0] - day[1]) == pytest.approx(2 * np.sin(np.pi / 365))
    assert np.linalg.norm(month[0] - month[1]) == pytest.approx(2 * np.sin(np.pi / 12))
    assert np.linalg.norm(month[0] - month[2]) > 1.9  # July is across the circle
    empty, names = calendar_matrix(dates, [])
    assert empty.shape == (3, 0) and names == []


def test_tz_aware_index_uses_its_own_zone():
    utc = pd.DatetimeIndex(["2012-01-01 13:00"], tz="UTC")
    melbourne = utc.tz_convert("Australia/Melbourne")  # midnight local (UTC+11 in summer)
    at_utc, _ = calendar_matrix(utc, ["hour"])
    local, _ = calendar_matrix(melbourne, ["hour"])
    np.testing.assert_allclose(at_utc[0], calendar_matrix(pd.DatetimeIndex(["2012-01-01 13:00"]),
                                                          ["hour"])[0][0])
    np.testing.assert_allclose(local[0], [0.0, 1.0], atol=1e-12)


@pytest.mark.parametrize(("region", "normalised"), [
    ("AU", "AU"), ("au-vic", "AU-VIC"), ("AU-Victoria", "AU-VIC"), ("AUS-VIC", "AU-VIC"),
    ("US", "US"), ("US-ny", "US-NY"), ("FR", "FR"), ("BE", "BE"), ("UK", "GB"), (None, None),
])
def test_check_holidays_normalises(region, normalised):
    assert check_holidays(region) == normalised


FORM = ("give a country code, optionally with a subdivision after '-', as in AU, AU-VIC, FR, BE "
        "or US-NY")


@pytest.mark.parametrize(("region", "message"), [
    ("ZZ", f"holidays 'ZZ': 'ZZ' is not a country the holidays package knows; {FORM} (ISO 3166 "
           f"codes; 250 countries are known)"),
    ("AUT-VIC", "holidays 'AUT-VIC': AT has no subdivision 'VIC'; its subdivisions are: 1, 2, 3, "
                "4, 5, 6, 7, 8, 9. Give AT alone for national holidays, or AT-<subdivision>"),
    ("AU-XX", "holidays 'AU-XX': AU has no subdivision 'XX'; its subdivisions are: ACT, NSW, NT, "
              "QLD, SA, TAS, VIC, WA, NSW Western. Give AU alone for national holidays, or "
              "AU-<subdivision>"),
    ("AU-", f"holidays 'AU-' is not a region: {FORM}"),
    ("-VIC", f"holidays '-VIC' is not a region: {FORM}"),
])
def test_check_holidays_refuses_bad_regions(region, message):
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        check_holidays(region)


def test_check_holidays_without_subdivisions_says_so():
    with pytest.raises(ConfigError, match=re.escape(
            "holidays 'IS-1': IS has no subdivision '1'; its subdivisions are: none. Give IS "
            "alone for national holidays")):
        check_holidays("IS-1")


def test_melbourne_cup_is_a_holiday_in_victoria_only():
    dates = pd.date_range("2015-11-02", "2015-11-04", freq="D")
    matrix, names = holiday_matrix(dates, "AU-VIC")
    assert names == ["holiday", "holiday_eve", "holiday_after"]
    assert matrix.dtype == np.float64
    np.testing.assert_array_equal(matrix, [[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    national, _ = holiday_matrix(dates, "AU")
    assert national.sum() == 0


def test_holidays_reach_across_the_year_end():
    # 2015-12-31's next day is New Year's Day, whose year is after the dates' years
    matrix, _ = holiday_matrix(pd.DatetimeIndex(["2015-12-31", "2016-01-02"]), "AU-VIC")
    np.testing.assert_array_equal(matrix, [[0, 1, 0], [0, 0, 1]])
    empty, _ = holiday_matrix(pd.DatetimeIndex([]), "AU-VIC")
    assert empty.shape == (0, 3)


def test_vic_elec_utc_half_hours_map_to_melbourne_dates():
    frame = pd.read_csv(DATASETS / "vic_elec.csv")
    times = pd.DatetimeIndex(pd.to_datetime(frame["Time"], utc=True))
    assert str(times[0]) == "2011-12-31 13:00:00+00:00"  # 2012-01-01 00:00 in Melbourne
    assert region_zone("AU-VIC") == "Australia/Melbourne"
    matrix, _ = holiday_matrix(times, "AU-VIC")
    holiday = matrix[:, 0].astype(bool)
    assert holiday[0] and holiday[47] and not holiday[48 * 3]  # 1-2 January, then 3 January
    shipped = frame["Holiday"].astype(str).str.upper().eq("TRUE").to_numpy()
    differ = sorted(set(frame.loc[holiday != shipped, "Date"]))
    # the shipped column leaves out Easter Saturday, a public holiday in Victoria
    assert differ == ["2012-04-07", "2013-03-30", "2014-04-19"]
    assert (holiday == shipped).mean() > 0.997
    # read as UTC dates instead, every holiday would start 11 hours early
    naive, _ = holiday_matrix(times.tz_localize(None), "AU-VIC")
    assert not naive[0, 0] and naive[0, 1]
