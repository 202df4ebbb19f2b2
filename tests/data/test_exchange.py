"""Trading sessions from exchange_calendars: the 2018/2019 turn of year on XNYS, the shipped GOOG
series' last date, and every bad exchange or date range's message pinned."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from forecaster.data.exchange import BUSINESS_DAY_NOTE, check_exchange, session_dates
from forecaster.errors import ConfigError, DataError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


@pytest.mark.parametrize(("name", "code"), [
    ("XNYS", "XNYS"), ("xnys", "XNYS"), (" XLON ", "XLON"), ("NYSE", "XNYS"), ("XASX", "XASX"),
    (None, None),
])
def test_check_exchange_normalises(name, code):
    assert check_exchange(name) == code


def test_check_exchange_refuses_an_unknown_code():
    message = (
        "exchange 'NYC' is not an exchange_calendars code; use the exchange's ISO 10383 code "
        "(MIC), e.g. XNYS (New York), XNAS (Nasdaq), XLON (London), XPAR (Paris), XETR (Xetra), "
        "XTKS (Tokyo), XHKG (Hong Kong), XASX (Australia); list them all with python -c "
        "\"import exchange_calendars; "
        "print(exchange_calendars.get_calendar_names(include_aliases=False))\"")
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        check_exchange("NYC")


def test_a_calendar_the_installed_versions_cannot_build_is_a_config_error():
    """exchange_calendars 4.13 fails on Orthodox Easter under pandas 3; under pandas 2 the
    calendar builds. Either way the user gets a code or a message, never a traceback."""
    try:
        assert check_exchange("XBEL") == "XBEL"
    except ConfigError as error:
        assert re.fullmatch(
            r"exchange XBEL: exchange_calendars \S+ cannot build this calendar with pandas "
            r"\S+ \(NotImplementedError: .*\); choose another exchange or leave --exchange out",
            str(error))


def test_sessions_after_2018_skip_new_years_day():
    after = session_dates(pd.Timestamp("2018-12-31"), 5, "XNYS")
    assert list(after.strftime("%Y-%m-%d")) == [
        "2019-01-02", "2019-01-03", "2019-01-04", "2019-01-07", "2019-01-08"]
    assert after.tz is None


def test_sessions_after_a_weekend_or_a_time_of_day():
    # 2018-12-29 is a Saturday; a timestamp with a time (or a zone) counts by its date
    assert list(session_dates(pd.Timestamp("2018-12-29"), 2, "XNYS").strftime("%Y-%m-%d")) == [
        "2018-12-31", "2019-01-02"]
    aware = pd.Timestamp("2018-12-31 16:00", tz="America/New_York")
    assert session_dates(aware, 1, "XNYS")[0] == pd.Timestamp("2019-01-02")
    assert len(session_dates(pd.Timestamp("2018-12-31"), 0, "XNYS")) == 0


def test_goog_next_sessions_follow_its_last_date():
    frame = pd.read_csv(DATASETS / "GOOG.csv")
    last = pd.Timestamp(frame["Date"].iloc[-1])
    after = session_dates(last, 10, "XNYS")
    assert after[0] > last and after.is_monotonic_increasing and (after.day_of_week < 5).all()


def test_dates_before_the_default_window_are_reached():
    # the package's default calendar starts 20 years back; 1995 needs an earlier start
    after = session_dates(pd.Timestamp("1995-12-29"), 2, "XNYS")
    assert list(after.strftime("%Y-%m-%d")) == ["1996-01-02", "1996-01-03"]


def test_sessions_beyond_the_calendar_are_a_data_error():
    with pytest.raises(DataError, match=(
            r"^exchange XNYS: the 3 trading sessions after 2100-01-04 run past the last session "
            r"exchange_calendars knows \(\d{4}-\d\d-\d\d\); exchange holidays further ahead are "
            r"not published, so forecasts cannot be dated on sessions there$")):
        session_dates(pd.Timestamp("2100-01-04"), 3, "XNYS")


def test_dates_before_the_recorded_holidays_are_a_data_error():
    message = ("exchange XBOM: the data ends on 1990-06-29, before the first date whose holidays "
               "exchange_calendars records (1997-01-01), so the next sessions cannot be known")
    with pytest.raises(DataError, match=f"^{re.escape(message)}$"):
        session_dates(pd.Timestamp("1990-06-29"), 2, "XBOM")


def test_business_day_note_names_the_option():
    assert "--exchange XNYS" in BUSINESS_DAY_NOTE
    assert BUSINESS_DAY_NOTE.startswith("exchange holidays are not known")
