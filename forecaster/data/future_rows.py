"""The rows after the history that carry the known-ahead columns of a forecast's H steps.

They come either as the last rows of the history file with the target left empty, or as a
separate file (`--future FILE`). Either way they are checked here before anything is forecast:
one row per forecast date, in order, every known-ahead column present, numeric and filled. Each
way of getting them wrong gets a message that names the dates and says what the file must look
like, because a silently shifted or padded future input gives a plausible, wrong forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.data.csv_series import find_date_column
from forecaster.data.dates import parse_dates
from forecaster.data.printable import printable, printable_list
from forecaster.errors import DataError

_SHOWN = 5


def split_future_rows(frame: pd.DataFrame, target: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(history, future): the trailing rows whose target is empty are the future rows."""
    if target not in frame.columns or len(frame) == 0:
        return frame, frame.iloc[0:0]
    values = frame[target]
    empty = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
    filled = np.flatnonzero(~empty)
    last = int(filled[-1]) if len(filled) else -1
    return frame.iloc[:last + 1], frame.iloc[last + 1:]


def _shown_dates(dates: pd.DatetimeIndex | list) -> str:
    shown = [str(pd.Timestamp(d)) for d in list(dates)[:_SHOWN]]
    more = len(dates) - _SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _form(columns: list[str], date_name: str, steps: int) -> str:
    return (f"Give the {steps} future row(s) either after the history rows with the target "
            f"left empty, or in a separate file passed with --future: a CSV with the columns "
            f"{printable(date_name)}, {', '.join(printable(c) for c in columns)} and one row per "
            f"forecast date.")


def future_matrix(future: pd.DataFrame | None, columns: list[str], expected: pd.DatetimeIndex,
                  source: str, date_column: str | None = None,
                  date_name: str | None = None) -> np.ndarray:
    """(len(expected), len(columns)) values of the known-ahead `columns` at the `expected`
    forecast dates, from `future` (a raw table with a date column), or DataError saying which
    dates or columns are missing, extra, out of order or empty and what the rows must be
    (`date_name`: the history's date column, named in that description)."""
    steps = len(expected)
    name = date_column or date_name or "date"
    if future is None or len(future) == 0:
        raise DataError(
            f"'{printable(source)}': this model uses known-ahead column(s) "
            f"{printable_list(columns)} and needs their values for the {steps} forecast "
            f"date(s) {_shown_dates(expected)}; none were given. {_form(columns, name, steps)}")
    date_col = find_date_column(future, source, date_column)
    missing_columns = [c for c in columns if c not in future.columns]
    if missing_columns:
        raise DataError(
            f"'{printable(source)}': the future rows have no column(s) "
            f"{printable_list(missing_columns)} (they have {printable_list(future.columns)}). "
            f"{_form(columns, date_col, steps)}")
    lines = np.arange(len(future)) + 2
    dates, _ = parse_dates(future[date_col], column=date_col, source=source, lines=lines)
    dates = pd.DatetimeIndex(dates)
    if expected.tz is not None and dates.tz is None:
        dates = dates.tz_localize(expected.tz)
    elif expected.tz is None and dates.tz is not None:
        dates = dates.tz_convert(None)
    absent = expected.difference(dates)
    extra = dates.difference(expected)
    if len(absent) or len(extra) or len(dates) != steps:
        said = []
        if len(absent):
            said.append(f"missing {len(absent)} forecast date(s): {_shown_dates(absent)}")
        if len(extra):
            said.append(f"{len(extra)} date(s) that are not forecast dates: "
                        f"{_shown_dates(extra)}")
        if not said:
            said.append(f"{len(dates)} rows for {steps} dates (a date is repeated)")
        raise DataError(
            f"'{printable(source)}': the future rows do not match the {steps} forecast dates "
            f"{_shown_dates(expected)}: {'; '.join(said)}. {_form(columns, date_col, steps)}")
    if not (dates == expected).all():
        raise DataError(f"'{printable(source)}': the future rows are not in date order; sort "
                        f"them ({_shown_dates(expected)}).")
    values = np.empty((steps, len(columns)))
    for k, column in enumerate(columns):
        raw = future[column]
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(numbers))
        if len(bad):
            raise DataError(
                f"'{printable(source)}': column '{printable(column)}' of the future rows is empty "
                f"or not a number at {len(bad)} forecast date(s): {_shown_dates(dates[bad])}. "
                f"Every known-ahead value of every forecast step must be given. "
                f"{_form(columns, date_col, steps)}")
        values[:, k] = numbers
    return values
