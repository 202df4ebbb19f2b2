"""Trading sessions of an exchange (`exchange_calendars`): stock forecasts dated on the days the
exchange opens, not on every business day (the step after 2018-12-31 is 2019-01-02 on XNYS).

`exchange_calendars` is imported only inside the functions: it is slow to import and the CLI
must start quickly.
"""

from __future__ import annotations

import warnings

import pandas as pd

from forecaster.errors import ConfigError, DataError

BUSINESS_DAY_NOTE = ("exchange holidays are not known (business days assumed); pass --exchange "
                     "XNYS (or the exchange's code) to date forecasts on trading sessions only")

# named in the error for an unknown code: the exchanges users most often ask for
_EXAMPLES = ("XNYS (New York)", "XNAS (Nasdaq)", "XLON (London)", "XPAR (Paris)",
             "XETR (Xetra)", "XTKS (Tokyo)", "XHKG (Hong Kong)", "XASX (Australia)")

_LIST_ALL = ("python -c \"import exchange_calendars; "
             "print(exchange_calendars.get_calendar_names(include_aliases=False))\"")


def check_exchange(name: str | None) -> str | None:
    """The exchange's calendar code, upper-case (an alias such as NYSE becomes XNYS); a
    ConfigError names a few valid codes for an unknown one, or says when this version of
    `exchange_calendars` cannot build that calendar with the installed pandas."""
    if name is None:
        return None
    import exchange_calendars as xcals
    from exchange_calendars.calendar_utils import global_calendar_dispatcher

    code = name.strip().upper()
    names = {known.upper(): known for known in xcals.get_calendar_names(include_aliases=True)}
    if code not in names:
        raise ConfigError(
            f"exchange {name!r} is not an exchange_calendars code; use the exchange's ISO "
            f"10383 code (MIC), e.g. {', '.join(_EXAMPLES)}; list them all with {_LIST_ALL}")
    code = global_calendar_dispatcher.resolve_alias(names[code])
    _calendar(code)  # built now, so a calendar that cannot be built fails here, not at predict
    return code


def _calendar(code: str, start: pd.Timestamp | None = None):
    """The exchange_calendars calendar for a checked code (cached by the package); from
    `start` when the default window (the last 20 years) does not reach back far enough."""
    import exchange_calendars as xcals

    kwargs = {} if start is None else {"start": start}
    with warnings.catch_warnings():  # pandas 3 deprecations it triggers are not the user's
        warnings.simplefilter("ignore", category=DeprecationWarning)
        if start is not None:  # a calendar that builds by default builds from an earlier start
            return xcals.get_calendar(code, **kwargs)
        try:
            return xcals.get_calendar(code)
        except (NotImplementedError, ValueError) as error:
            # only the package's own construction of a valid code's calendar can fail here:
            # exchange_calendars 4.13 cannot lay out some holiday rules with pandas 3 (Orthodox
            # Easter for XBEL and ASEX, XTAE's Sunday sessions); the user can only choose again
            raise ConfigError(
                f"exchange {code}: exchange_calendars {xcals.__version__} cannot build this "
                f"calendar with pandas {pd.__version__} ({type(error).__name__}: "
                f"{str(error)[:100]}); choose another exchange or leave --exchange out"
            ) from error


def session_dates(last: pd.Timestamp, count: int, exchange: str) -> pd.DatetimeIndex:
    """The `count` trading sessions of `exchange` (a checked code) after the date of `last`,
    tz-naive; a DataError when they run past the dates the calendar knows."""
    last = pd.Timestamp(last)
    if last.tz is not None:  # a session is a date: the wall-clock date is what counts
        last = last.tz_localize(None)
    last = last.normalize()
    calendar = _calendar(exchange)
    if last < calendar.first_session:
        calendar = _calendar_from(exchange, last)
    sessions = calendar.sessions
    after = sessions[sessions > last][:count]
    if len(after) < count:
        raise DataError(
            f"exchange {exchange}: the {count} trading sessions after {last.date()} run past "
            f"the last session exchange_calendars knows ({calendar.last_session.date()}); "
            f"exchange holidays further ahead are not published, so forecasts cannot be "
            f"dated on sessions there")
    return pd.DatetimeIndex(after.tz_localize(None) if after.tz is not None else after,
                            freq=None)


def _calendar_from(exchange: str, start: pd.Timestamp):
    """The calendar from `start`, or a DataError when its holidays are not recorded so early."""
    bound = _calendar(exchange).bound_min()
    if bound is not None and start < bound:
        raise DataError(
            f"exchange {exchange}: the data ends on {start.date()}, before the first date "
            f"whose holidays exchange_calendars records ({pd.Timestamp(bound).date()}), so "
            f"the next sessions cannot be known")
    return _calendar(exchange, start)
