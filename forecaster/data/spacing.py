"""Is a series evenly spaced? Missing dates, dates off the usual step and daylight-saving holes
are said out loud (a window of 24 "hours" that spans 25 is a silent error), and with --fill
ffill/interpolate the missing dates of a regular series are inserted and filled.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecaster.data.printable import printable

_SHOWN = 3
_LARGEST_GRID = 10  # a grid more than this many times the rows is not a grid for this data


@dataclass(frozen=True)
class Spacing:
    """How a sorted date index departs from its usual step (`grid` when one was built)."""

    step: str
    missing: pd.DatetimeIndex  # dates on the grid that the index lacks
    off_grid: pd.DatetimeIndex  # dates of the index that are not on the grid
    grid: pd.DatetimeIndex | None


def _dates(index: pd.DatetimeIndex) -> str:
    shown = ", ".join(str(date) for date in index[:_SHOWN])
    more = len(index) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def spacing(index: pd.DatetimeIndex, frequency: str | None) -> Spacing | None:
    """None when the index is evenly spaced (or business days with holidays, or too short)."""
    if frequency is None or len(index) < 3 or frequency.split("-")[0] in ("B", "C"):
        return None
    offset = pd.tseries.frequencies.to_offset(frequency)
    first, last = index[0], index[-1]
    rough = (last - first) / index.to_series().diff().min()
    if rough > _LARGEST_GRID * len(index) + 1000:
        return Spacing(frequency, pd.DatetimeIndex([]), pd.DatetimeIndex([]), None)
    grid = pd.date_range(first, last, freq=offset)
    off_grid = index[~index.isin(grid)]
    missing = grid[~grid.isin(index)]
    if off_grid.empty and missing.empty:
        return None
    return Spacing(frequency, missing, off_grid, grid)


def _dst_hint(found: Spacing, index: pd.DatetimeIndex) -> str:
    """A missing hour early on a Sunday in local clock times is a daylight-saving change."""
    if index.tz is not None or found.missing.empty:
        return ""
    first = found.missing[0]
    sub_daily = index.to_series().diff().min() < pd.Timedelta(days=1)
    if sub_daily and first.day_of_week == 6 and 1 <= first.hour <= 3:
        return (" The gap on a Sunday night looks like a daylight-saving change in local clock "
                "times: store the times in UTC or with their UTC offset.")
    return ""


def spacing_note(found: Spacing, index: pd.DatetimeIndex, column: str) -> str:
    """One sentence for the user: what is uneven, the first dates, and what to do."""
    parts = []
    if found.grid is None:
        parts.append("the dates are irregular, with no usual step")
    if len(found.missing):
        parts.append(f"{len(found.missing)} date(s) are missing from the usual step "
                     f"'{found.step}' (first: {_dates(found.missing)})")
    if len(found.off_grid):
        parts.append(f"{len(found.off_grid)} date(s) are off that step "
                     f"(first: {_dates(found.off_grid)})")
    fix = (" Pass --fill interpolate or --fill ffill to insert the missing dates and fill them."
           if found.grid is not None and len(found.missing) and found.off_grid.empty else
           " Resample the data to an even step before training.")
    return (f"warning: '{printable(column)}' is not evenly spaced: {'; '.join(parts)}."
            f"{fix}{_dst_hint(found, index)}")


def duplicate_hint(dates: pd.Series) -> str:
    """A repeated hour in local clock times on an autumn night is a daylight-saving change."""
    repeated = dates[dates.duplicated()]
    if repeated.empty or repeated.dt.tz is not None:
        return ""
    first = repeated.iloc[0]
    if first.day_of_week == 6 and 1 <= first.hour <= 3 and \
            dates.sort_values().diff().min() < pd.Timedelta(days=1):
        return (" A repeated hour at night looks like a daylight-saving change in local clock "
                "times: store the times in UTC or with their UTC offset.")
    return ""
