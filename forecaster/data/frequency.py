"""Frequency of a date index, season length, and future dates: business-day gaps are normal."""

from __future__ import annotations

import warnings

import pandas as pd

_SEASONS = {"B": 5, "C": 5, "D": 7, "W": 52, "M": 12, "MS": 12, "ME": 12, "Q": 4, "QS": 4,
            "QE": 4, "h": 24, "H": 24, "30min": 48, "30T": 48, "15min": 96, "min": 60}


def infer_frequency(index: pd.DatetimeIndex) -> str | None:
    """pandas' inferred frequency, else 'B' for weekday-only daily data with holiday gaps."""
    if len(index) < 3:
        return None
    with warnings.catch_warnings():  # pandas 3 warns that it will return an offset later
        warnings.simplefilter("ignore")
        freq = pd.infer_freq(index)
    if freq is not None:
        return freq if isinstance(freq, str) else freq.freqstr
    gaps = index.to_series().diff().dropna()
    day = pd.Timedelta(days=1)
    if (gaps % day == pd.Timedelta(0)).all() and (index.day_of_week < 5).all():
        return "B"
    step = gaps.mode().iloc[0]
    if step == 7 * day and (gaps % (7 * day) == pd.Timedelta(0)).all():
        return f"W-{index[0].day_name()[:3].upper()}"
    if (index.day == 1).all() and 28 * day <= step <= 31 * day:
        return "MS"
    if index.is_month_end.all() and 28 * day <= step <= 31 * day:
        return "ME"
    return pd.tseries.frequencies.to_offset(step).freqstr


def season_length(frequency: str | None) -> int:
    """A natural season for seasonal-naive (1 when none is known)."""
    if frequency is None:
        return 1
    return _SEASONS.get(frequency.split("-")[0], 1)


def future_dates(last: pd.Timestamp, steps: int, frequency: str | None,
                 index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The `steps` dates after `last`; without a frequency, the most common gap is used."""
    if frequency is not None:
        offset = pd.tseries.frequencies.to_offset(frequency)
    else:
        offset = index.to_series().diff().dropna().mode().iloc[0]
    return pd.DatetimeIndex([last + offset * (i + 1) for i in range(steps)])


def steps_between(start: pd.Timestamp, end: pd.Timestamp, frequency: str | None) -> int | None:
    """How many `frequency` steps lead from `start` to `end` (negative when `end` is earlier),
    or None when there is no frequency or `end` is not on `start`'s grid. Seasonal
    profiles use it to give a row its phase in any file, not only the one trained on."""
    if frequency is None or start == end:
        return None if frequency is None else 0
    first, last = (start, end) if start < end else (end, start)
    try:
        grid = pd.date_range(first, last, freq=frequency)
    except (ValueError, TypeError):  # a frequency pandas cannot lay out between these dates
        return None
    if len(grid) == 0 or grid[0] != first or grid[-1] != last:
        return None
    return (len(grid) - 1) * (1 if start < end else -1)
