"""Turn a column of a user's file into dates, or say exactly why it cannot.

Numbers are read as what they plainly are (years 1871, YYYYMMDD 20180131, Unix time in seconds
or milliseconds) and never as nanoseconds since 1970, which turns every date into 1969-12-31.
Offsets that change inside one column (daylight-saving time) are resolved explicitly, with a note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.data.printable import printable, shown_value
from forecaster.errors import DataError

SHOWN = 5  # how many offending lines an error quotes
# a UTC offset (or Z/UTC/GMT) at the end of a value that has a time of day
_OFFSET = r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?P<offset>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
# a quarter written as text: 1998 Q1, 1998-Q1, 1998Q1 (fpp3 / tsibble's yearquarter)
_QUARTER = r"^(?P<year>\d{4})\s*-?\s*[Qq](?P<quarter>[1-4])$"
# Unix time: the unit whose values fall in 1973..2286
_EPOCH_UNITS = (("s", "seconds", 1e8, 1e10), ("ms", "milliseconds", 1e11, 1e13),
                ("us", "microseconds", 1e14, 1e16), ("ns", "nanoseconds", 1e17, 1e19))


FIRST_YEAR, LAST_YEAR = 1000, 9000  # dates the reader accepts (see _refuse_far_years)


def _examples(values: pd.Series, positions: np.ndarray, lines: np.ndarray) -> str:
    """'line 6: 19490231, line 9: ...' (text quoted, numbers as written)."""
    shown = ", ".join(f"line {lines[p]}: {shown_value(values.iloc[p])}"
                      for p in positions[:SHOWN])
    more = len(positions) - SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def quick_parse(values: pd.Series) -> pd.Series:
    """Dates of `values` where they parse, NaT elsewhere; never raises. For finding the date
    column among several."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        dates, _ = _numbers_as_dates(values.astype(np.float64))
        return dates if dates is not None else pd.Series(pd.NaT, index=values.index)
    text = values.astype("string").str.strip()
    quarters = _quarter_dates(text)
    if quarters is not None:
        return quarters
    return pd.to_datetime(text, errors="coerce", format="mixed", utc=True)


def _quarter_dates(text: pd.Series) -> pd.Series | None:
    """The first day of each quarter (NaT for a value that is none) when most values are quarters
    such as '1998 Q1', else None.

    pandas reads none of these forms in a mixed-format column, and R's tsibble writes quarterly
    data this way (the fpp3 data sets), so they are read here rather than refused; a few values
    that are not quarters stay NaT so that the error names them alone.
    """
    parts = text.str.extract(_QUARTER)
    found = parts["year"].notna()
    if text.empty or found.mean() < 0.5:
        return None
    months = (parts["quarter"].astype("Int64") - 1) * 3 + 1
    return pd.to_datetime(parts["year"] + "-" + months.astype("string").str.zfill(2) + "-01",
                          format="%Y-%m-%d", errors="coerce")


def parse_dates(values: pd.Series, *, column: str, source: str,
                lines: np.ndarray) -> tuple[pd.Series, list[str]]:
    """The dates of a column (same index) and notes on how they were read.

    `lines` holds the file line of each row, for the errors: empty cells, text that is not a
    date, numbers that are no known kind of date, times with and without a UTC offset mixed.
    """
    where = f"Column '{printable(column)}' in '{printable(source)}'"
    empty = np.flatnonzero(values.isna().to_numpy())
    if len(empty):
        raise DataError(f"{where} has {len(empty)} row(s) without a date (an empty cell on "
                        f"line(s) {', '.join(str(lines[p]) for p in empty[:SHOWN])}"
                        f"{' …' if len(empty) > SHOWN else ''}). Fill in those dates or remove "
                        f"the rows.")
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values):
        dates, notes = values, []  # dates already (a frame from the Python API)
    elif pd.api.types.is_bool_dtype(values):
        raise DataError(f"{where} holds true/false values, not dates. Name the date column "
                        f"with --date-column.")
    elif pd.api.types.is_numeric_dtype(values):
        dates, notes = _numeric_dates(values.astype(np.float64), column, where, lines)
    else:
        dates, notes = _text_dates(values.astype("string").str.strip(), where, lines)
    _refuse_far_years(dates, where, lines)
    return dates, notes


def _refuse_far_years(dates: pd.Series, where: str, lines: np.ndarray) -> None:
    """Dates before year 1000 or after 9000 are refused: the plots (matplotlib) end at years 1
    and 9999, and their margins reached past them as a traceback after training (0001-01-01 read
    from a column of small numbers written as dates, say)."""
    years = dates.dt.year.to_numpy()
    far = np.flatnonzero((years < FIRST_YEAR) | (years > LAST_YEAR))
    if len(far):
        raise DataError(f"{where} has {len(far)} date(s) outside the years {FIRST_YEAR} to "
                        f"{LAST_YEAR} ({_examples(dates.astype('string'), far, lines)}). "
                        f"Check the date column (--date-column), or fix those rows.")


def _numbers_as_dates(numbers: pd.Series) -> tuple[pd.Series | None, str]:
    """(dates, how they were read) or (None, "") when the numbers are no known kind of date."""
    finite = numbers[np.isfinite(numbers)]
    if finite.empty:
        return None, ""
    low, high = float(finite.min()), float(finite.max())
    whole = bool((finite == np.round(finite)).all())
    if whole and low >= 1000 and high <= 9999:
        years = numbers.round().astype("Int64").astype("string")
        return pd.to_datetime(years, format="%Y", errors="coerce"), "as years (1871 is 1871-01-01)"
    if whole and low >= 10_000_101 and high <= 99_991_231:
        text = numbers.round().astype("Int64").astype("string")
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce"), "as YYYYMMDD dates"
    for unit, name, start, stop in _EPOCH_UNITS:
        if start <= low and high < stop:
            return (pd.to_datetime(numbers, unit=unit, errors="coerce"),
                    f"as Unix time in {name} since 1970-01-01 UTC")
    return None, ""


def _numeric_dates(numbers: pd.Series, column: str, where: str,
                   lines: np.ndarray) -> tuple[pd.Series, list[str]]:
    dates, how = _numbers_as_dates(numbers)
    if dates is None:
        shown = ", ".join(f"{value:g}" for value in numbers.iloc[:3])
        raise DataError(
            f"{where} holds numbers ({shown}, …) that are no kind of date this reader knows: "
            f"years (1871), YYYYMMDD (20180131) or Unix time in seconds or milliseconds "
            f"(1600000000). Write ISO dates such as 2018-12-31, or name the real date column "
            f"with --date-column."
        )
    bad = np.flatnonzero(dates.isna().to_numpy())
    if len(bad):
        raise DataError(f"{where} has {len(bad)} number(s) that are not valid dates when read "
                        f"{how} ({_examples(numbers, bad, lines)}). Fix those rows.")
    note = (f"read the numbers in '{printable(column)}' {how}: {numbers.iloc[0]:.0f} is "
            f"{dates.iloc[0]}")
    return dates, [note]


def _text_dates(text: pd.Series, where: str,
                lines: np.ndarray) -> tuple[pd.Series, list[str]]:
    quarters = _quarter_dates(text)
    if quarters is not None and quarters.notna().all():
        return quarters, [f"read the dates as quarters: {text.iloc[0]} is "
                          f"{quarters.iloc[0]:%Y-%m-%d}, the quarter's first day"]
    offsets = text.str.extract(_OFFSET)["offset"]
    aware = offsets.notna().to_numpy()
    if aware.any() and not aware.all():
        first_aware, first_naive = np.flatnonzero(aware)[0], np.flatnonzero(~aware)[0]
        raise DataError(
            f"{where} mixes times with a UTC offset ({_examples(text, [first_aware], lines)}) "
            f"and times without one ({_examples(text, [first_naive], lines)}). Give every time "
            f"its offset (e.g. 2021-03-28T01:00:00+01:00), or none."
        )
    notes: list[str] = []
    distinct = sorted(set(offsets.dropna().str.replace(":", "").replace({"Z": "+0000"})))
    if len(distinct) > 1:
        local = text.str.replace(r"\s*(Z|UTC|GMT|[+-]\d{2}(:?\d{2})?)$", "", regex=True)
        local_dates = pd.to_datetime(local, errors="coerce", format="mixed")
        if local_dates.notna().all() and local_dates.dt.normalize().eq(local_dates).all():
            dates = local_dates
            notes.append(f"the dates carry changing UTC offsets ({', '.join(distinct)}: "
                         f"daylight-saving time?); kept the local dates and dropped the offsets")
        else:
            dates = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
            notes.append(f"the times carry changing UTC offsets ({', '.join(distinct)}: "
                         f"daylight-saving time?); converted them all to UTC so that they are "
                         f"evenly spaced")
    elif aware.any():
        dates = pd.to_datetime(text, errors="coerce", format="mixed", utc=True)
        if dates.notna().all():  # one offset: keep it, as pandas does
            dates = dates.dt.tz_convert(pd.Timestamp(text.iloc[0]).tzinfo)
    elif quarters is not None:
        dates = quarters  # mostly quarters: the error below names the values that are not
    else:
        dates = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if len(bad):
        raise DataError(f"{where} has {len(bad)} date(s) that cannot be parsed "
                        f"({_examples(text, bad, lines)}). Use ISO dates such as 2018-12-31.")
    return dates, notes
