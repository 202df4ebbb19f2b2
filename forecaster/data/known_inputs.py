"""Inputs known in advance, for each forecast step: future-known columns, calendar, holidays.

A network forecasting H steps ahead may use, for each step, values that are known when the
forecast is made: a published load forecast, tomorrow's temperature forecast, the hour of day,
whether the day is a holiday. `KnownInputs` says which there are and how the columns are scaled
(MinMax on the training rows, like the series), and builds the (rows, width) matrix the network
reads at its target rows. The dates decide the calendar and holiday columns, so they exist for
any future date; future-known columns must be supplied for the forecast steps
(`forecaster.data.future_rows`). A series of a global model may add its static features
(`forecaster.data.static_inputs`), encoded across the model's series, as constant columns.

Examples
--------
>>> import numpy as np, pandas as pd
>>> known = fit_known(("load",), (), None, np.array([[10.0], [20.0]]))
>>> known.matrix(np.array([[15.0]]), pd.DatetimeIndex(["2020-01-01"])).tolist()
[[0.5]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.static_inputs import NO_STATIC, StaticRow


@dataclass(frozen=True)
class KnownInputs:
    """Which inputs are known ahead, the future columns' training min and max, and the series'
    encoded static features (the same at every step)."""

    future_features: tuple[str, ...] = ()
    calendar: tuple[str, ...] = ()  # names from `forecaster.data.calendar.CALENDAR_FEATURES`
    holidays: str | None = None  # e.g. "AU-VIC"
    low: tuple[float, ...] = ()
    high: tuple[float, ...] = ()
    static: StaticRow = NO_STATIC

    @property
    def empty(self) -> bool:
        return not (self.future_features or self.calendar or self.holidays
                    or self.static.names)

    @property
    def static_features(self) -> tuple[str, ...]:
        """The static columns as named (e.g. State, Purpose), before encoding."""
        return self.static.columns

    def names(self) -> list[str]:
        """The matrix's column names, in order."""
        names = list(self.future_features)
        names += [f"{feature}_{part}" for feature in self.calendar for part in ("sin", "cos")]
        if self.holidays:
            names += ["holiday", "holiday_eve", "holiday_after"]
        return names + list(self.static.names)

    @property
    def width(self) -> int:
        return len(self.names())

    def matrix(self, future_values: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
        """(len(dates), width) float64: the future columns scaled by their training range,
        then the calendar's sin/cos pairs, then the holiday indicators, then the static
        values on every row."""
        parts = []
        if self.future_features:
            low, high = np.asarray(self.low), np.asarray(self.high)
            span = np.where(high > low, high - low, 1.0)
            parts.append((np.asarray(future_values, dtype=np.float64) - low) / span)
        if self.calendar:
            from forecaster.data.calendar import calendar_matrix, region_zone

            zone = region_zone(self.holidays) if self.holidays else None
            local = dates.tz_convert(zone) if zone and dates.tz is not None else dates
            parts.append(calendar_matrix(local, self.calendar)[0])  # local hours and days
        if self.holidays:
            from forecaster.data.calendar import holiday_matrix

            parts.append(holiday_matrix(dates, self.holidays)[0])
        if self.static.names:
            parts.append(np.tile(np.asarray(self.static.values, dtype=np.float64),
                                 (len(dates), 1)))
        if not parts:
            return np.empty((len(dates), 0))
        return np.hstack(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"future_features": list(self.future_features), "calendar": list(self.calendar),
                "holidays": self.holidays, "low": list(self.low), "high": list(self.high),
                "static_features": list(self.static.columns),
                "static_names": list(self.static.names),
                "static_values": list(self.static.values), "names": self.names()}

    @classmethod
    def from_dict(cls, block: dict[str, Any]) -> KnownInputs:
        static = StaticRow(tuple(block.get("static_features", ())),  # absent: saved before
                           tuple(block.get("static_names", ())),  # static features
                           tuple(float(v) for v in block.get("static_values", ())))
        return cls(tuple(block["future_features"]), tuple(block["calendar"]),
                   block["holidays"], tuple(float(v) for v in block["low"]),
                   tuple(float(v) for v in block["high"]), static)


NO_KNOWN_INPUTS = KnownInputs()


def fit_known(future_features: Sequence[str], calendar: Sequence[str], holidays: str | None,
              train_future_values: np.ndarray, static: StaticRow | None = None
              ) -> KnownInputs:
    """A KnownInputs whose future columns are scaled by their range over the training rows;
    `static`: the series' encoded static features (`StaticEncoding.row`), if any."""
    values = np.asarray(train_future_values, dtype=np.float64).reshape(
        len(train_future_values), len(future_features))
    low = tuple(float(v) for v in values.min(axis=0)) if len(values) else ()
    high = tuple(float(v) for v in values.max(axis=0)) if len(values) else ()
    return KnownInputs(tuple(future_features), tuple(calendar), holidays, low, high,
                       static or NO_STATIC)
