"""Dates as the package shows them everywhere (terminal, --json, CSV files, the pyfunc model):
ISO 8601, `YYYY-MM-DD` for daily or coarser data and `YYYY-MM-DDTHH:MM:SS` for finer, so the
same forecast reads the same wherever it is printed."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

DAY = "%Y-%m-%d"
TIME = "%Y-%m-%dT%H:%M:%S"
_ONE_DAY_NS = 86_400 * 10**9


def date_format(dates: Iterable, frequency: str | None = None) -> str:
    """`DAY` when every date falls at midnight and the data are not finer than daily (its
    `frequency`, when known), else `TIME`: an hourly forecast that lands on midnight keeps its
    time, a daily one never shows 00:00:00.

    Examples
    --------
    >>> date_format(pd.to_datetime(["2019-01-01", "2019-01-02"]), "B")
    '%Y-%m-%d'
    >>> date_format(pd.to_datetime(["2019-01-01 00:00"]), "h")
    '%Y-%m-%dT%H:%M:%S'
    """
    if _finer_than_daily(frequency):
        return TIME
    index = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    return DAY if index.equals(index.normalize()) else TIME


def iso_dates(dates: Iterable, frequency: str | None = None) -> list[str]:
    """`dates` as ISO 8601 text in one format (see `date_format`).

    Examples
    --------
    >>> iso_dates(pd.to_datetime(["1961-01-01", "1961-02-01"]), "MS")
    ['1961-01-01', '1961-02-01']
    >>> iso_dates(pd.to_datetime(["2014-01-01 00:30", "2014-01-01 01:00"]))
    ['2014-01-01T00:30:00', '2014-01-01T01:00:00']
    """
    index = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    return list(index.strftime(date_format(index, frequency)))


def with_iso_dates(frame: pd.DataFrame, frequency: str | None = None,
                   column: str = "date") -> pd.DataFrame:
    """A copy of `frame` whose `column` holds ISO 8601 text, ready to print or write."""
    out = frame.copy()
    out[column] = iso_dates(frame[column], frequency)
    return out


def _finer_than_daily(frequency: str | None) -> bool:
    if not frequency:
        return False
    try:
        offset = pd.tseries.frequencies.to_offset(frequency)
    except ValueError:  # a frequency pandas cannot read: decide by the dates themselves
        return False
    return isinstance(offset, pd.offsets.Tick) and offset.nanos < _ONE_DAY_NS
