"""Static features of a global model's series: values that describe a whole series (tourism's
State and Purpose, a market's country), read per series and encoded across all of them.

A global model trains one network on many series; what tells them apart, beyond their own past,
are such values. They cannot pass as future-known columns: each series is MinMax-scaled on its
own rows, which turns a column constant within the series into zeros. So they are encoded here,
over all the series of the model at once: a numeric column MinMax across series, a text column
one-hot over the categories seen (`State=Victoria`). Naming the id column itself one-hot encodes
the series: with the network's linear input layer that is a learned per-series embedding.

The encoded values of one series (`StaticRow`) join its known inputs
(`forecaster.data.known_inputs.KnownInputs`) as constant columns that the decoder reads at every
forecast step, and are saved in the model's config, so a saved series model needs no static
file to forecast.

Examples
--------
>>> encoding = fit_static([{"State": "NSW", "size": 2.0}, {"State": "VIC", "size": 4.0}],
...                       ("State", "size"))
>>> encoding.names()
['State=NSW', 'State=VIC', 'size']
>>> encoding.row({"State": "VIC", "size": 3.0}).values
(0.0, 1.0, 0.5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.printable import printable, printable_list
from forecaster.errors import DataError

NUMERIC, CATEGORY = "numeric", "category"


@dataclass(frozen=True)
class StaticRow:
    """One series' static features as the network reads them: the columns as named, the
    encoded names (`State=Victoria`) and their values."""

    columns: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    values: tuple[float, ...] = ()


NO_STATIC = StaticRow()


@dataclass(frozen=True)
class StaticEncoding:
    """How each static column becomes numbers, fitted over every series of a global model:
    a numeric column by its range across series (`low`, `high`), a text column one-hot over
    `categories`."""

    columns: tuple[str, ...]
    kinds: tuple[str, ...]  # NUMERIC or CATEGORY, per column
    low: tuple[float, ...]  # per column; 0 for a category column
    high: tuple[float, ...]
    categories: tuple[tuple[str, ...], ...]  # per column; () for a numeric column

    def names(self) -> list[str]:
        """The encoded columns, in order: `size`, or `State=NSW`, `State=VIC`..."""
        names: list[str] = []
        for column, kind, seen in zip(self.columns, self.kinds, self.categories, strict=True):
            names += [column] if kind == NUMERIC else [f"{column}={value}" for value in seen]
        return names

    def row(self, raw: Mapping[str, Any]) -> StaticRow:
        """The encoded values of one series' raw static values (those it was fitted on)."""
        values: list[float] = []
        for i, column in enumerate(self.columns):
            if self.kinds[i] == NUMERIC:
                low, high = self.low[i], self.high[i]
                values.append((float(raw[column]) - low) / (high - low) if high > low else 0.0)
            else:
                values += [float(str(raw[column]) == seen) for seen in self.categories[i]]
        return StaticRow(self.columns, tuple(self.names()), tuple(values))

    def notes(self) -> list[str]:
        """Sentences about columns that cannot tell the series apart."""
        notes = []
        for i, column in enumerate(self.columns):
            if self.kinds[i] == NUMERIC and self.high[i] == self.low[i]:
                notes.append(f"static feature {column} is {self.low[i]:g} in every series: "
                             f"it is encoded as 0 and tells the series nothing")
            elif self.kinds[i] == CATEGORY and len(self.categories[i]) == 1:
                notes.append(f"static feature {column} is {self.categories[i][0]} in every "
                             f"series: its one column is 1 everywhere and tells them nothing")
        return notes

    def to_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "kinds": list(self.kinds),
                "low": list(self.low), "high": list(self.high),
                "categories": [list(seen) for seen in self.categories]}

    @classmethod
    def from_dict(cls, block: Mapping[str, Any]) -> StaticEncoding:
        return cls(tuple(block["columns"]), tuple(block["kinds"]),
                   tuple(float(v) for v in block["low"]), tuple(float(v) for v in block["high"]),
                   tuple(tuple(str(v) for v in seen) for seen in block["categories"]))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, str)


def fit_static(raw: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> StaticEncoding:
    """The encoding of `columns` over the raw static values of every series (one mapping per
    series, as `static_from_rows`/`static_from_file` read them): a column whose values are all
    numbers is scaled by its range across series, any other is one-hot over the values seen
    (as text, sorted)."""
    kinds, low, high, categories = [], [], [], []
    for column in columns:
        values = [series[column] for series in raw]
        if values and all(_is_number(value) for value in values):
            numbers = np.asarray(values, dtype=np.float64)
            kinds.append(NUMERIC)
            low.append(float(numbers.min()))
            high.append(float(numbers.max()))
            categories.append(())
        else:
            kinds.append(CATEGORY)
            low.append(0.0)
            high.append(0.0)
            categories.append(tuple(sorted({str(value) for value in values})))
    return StaticEncoding(tuple(columns), tuple(kinds), tuple(low), tuple(high),
                          tuple(categories))


def _plain(value: Any) -> Any:
    """A cell as a plain Python value (numpy scalars to int/float/bool)."""
    return value.item() if isinstance(value, np.generic) else value


def _missing_columns(frame: pd.DataFrame, columns: Sequence[str], where: str,
                     key: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(f"'{where}' has no column {printable_list(missing)} named in {key}; its "
                        f"columns are {printable_list(frame.columns)}. Fix the name in {key} "
                        f"or add the column.")


def static_from_rows(frame: pd.DataFrame, columns: Sequence[str], source: str,
                     series_id: str) -> dict[str, Any]:
    """The static values of one series from its own rows: each column must hold one value on
    every row (DataError naming the file, the series, the column and its values otherwise)."""
    _missing_columns(frame, columns, source, "data.static_features")
    values = {}
    for column in columns:
        cells = frame[column]
        if cells.isna().any():
            line = int(cells.index[cells.isna()][0]) + 2  # header line, 1-based
            raise DataError(f"'{source}': series {printable(series_id)} has an empty "
                            f"{printable(column)} (line {line}); a static feature needs its one "
                            f"value on every row of the series. Fill it in.")
        seen = pd.unique(cells)
        if len(seen) > 1:
            shown = printable_list([str(v) for v in seen[:5]]) + (" …" if len(seen) > 5 else "")
            raise DataError(f"'{source}': static feature {printable(column)} varies within "
                            f"series {printable(series_id)} ({shown}); a static feature holds "
                            f"one value per series. Name a column that changes over time in "
                            f"data.features (past values) or data.future_features instead.")
        values[column] = _plain(seen[0]) if len(seen) else None
    return values


def static_from_file(frame: pd.DataFrame, columns: Sequence[str], source: str,
                     id_column: str, series_id: str) -> dict[str, Any]:
    """The static values of one series from a static file (one row per series, keyed by the
    id column): DataError naming the file, the series and the column for a missing id, column
    or value."""
    _missing_columns(frame, [id_column, *columns], source, "data.static_features or "
                                                          "data.id_column")
    rows = frame[frame[id_column].astype(str) == series_id]
    if rows.empty:
        raise DataError(f"'{source}' (data.static_path) has no row for {printable(id_column)} "
                        f"{printable(series_id)}: add one with its "
                        f"{printable_list(columns)}, or leave the series out with "
                        f"data.series.")
    return static_from_rows(rows, columns, source, series_id)
