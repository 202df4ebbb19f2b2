"""Read a CSV (or a frame) into one validated, date-indexed series with its target and inputs.

Every problem a user can fix is raised as a `DataError` that names the file, the column and the
first offending rows (as line numbers of the file, header = line 1), and says what to do.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.data.choices import FILL_METHODS, FillMethod
from forecaster.data.dates import parse_dates, quick_parse
from forecaster.data.frequency import infer_frequency
from forecaster.data.input_files import decode_text, read_input
from forecaster.data.printable import printable, printable_list, shown_value
from forecaster.data.spacing import duplicate_hint, spacing, spacing_note
from forecaster.errors import DataError

_DATE_NAMES = ("date", "datetime", "timestamp", "time", "ds", "day", "month", "week", "period",
               "year")
_SHOWN = 5  # how many offending rows an error quotes
# beyond this, squares of values and of their differences (MSE, variance) overflow float64
LARGEST_VALUE = 1e150


@dataclass
class SeriesData:
    """A validated series: `frame` is indexed by sorted unique dates, target column first."""

    frame: pd.DataFrame
    target: str
    features: list[str]
    source: str
    frequency: str | None
    file_sha256: str | None = None
    notes: list[str] = field(default_factory=list)
    future_features: list[str] = field(default_factory=list)  # known ahead (may be features too)

    @property
    def columns(self) -> list[str]:
        """Every column the series carries: target, past inputs, then known-ahead-only ones."""
        return [self.target, *self.features,
                *[c for c in self.future_features if c not in self.features]]

    @property
    def values(self) -> np.ndarray:
        """(time, 1 + n_features) float64, target first: the encoder's past inputs."""
        return self.frame[[self.target, *self.features]].to_numpy(dtype=np.float64)

    @property
    def future_values(self) -> np.ndarray:
        """(time, n_future_features) float64: the columns known ahead, at their own rows."""
        return self.frame[self.future_features].to_numpy(dtype=np.float64)

    def fingerprint(self) -> str:
        """SHA-256 of the dates and values actually used, so a model knows what it saw."""
        digest = hashlib.sha256()
        digest.update(self.frame.index.asi8.tobytes())
        digest.update(np.ascontiguousarray(
            self.frame[self.columns].to_numpy(dtype=np.float64)).tobytes())
        digest.update(",".join(self.columns).encode())
        return digest.hexdigest()

    def head(self, stop: int) -> SeriesData:
        """The first `stop` rows, same columns and metadata (no copy of settings lost)."""
        return SeriesData(self.frame.iloc[:stop], self.target, self.features, self.source,
                          self.frequency, self.file_sha256, list(self.notes),
                          list(self.future_features))


def _file_lines(frame: pd.DataFrame) -> np.ndarray:
    """File line of each data row: `read_csv` keeps blank lines out of the frame but in the
    index, so a row's label + 2 is its line (the header is line 1)."""
    return np.asarray(frame.index, dtype=np.int64) + 2


def _list_lines(lines: np.ndarray) -> str:
    shown = ", ".join(str(int(line)) for line in lines[:_SHOWN])
    more = len(lines) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def read_csv(path: str | Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, str]:
    """Read a CSV file (compressed or not, a pipe too) into a frame; return it with the SHA-256
    of the file as stored. The file is read once, into memory, and parsed from there."""
    path = Path(path)
    raw, sha = read_input(path, "CSV", expect="a header line and data rows")
    text = decode_text(path, raw, encoding).removeprefix("\ufeff")  # a BOM is not a column
    shown = printable(path)
    _refuse_repeated_names(text, shown)
    try:
        frame = pd.read_csv(io.StringIO(text), skip_blank_lines=False)
        frame = frame.dropna(how="all")  # blank lines; their labels keep the line numbers
    except pd.errors.EmptyDataError:
        raise DataError(f"File '{shown}' has no columns. Pass a CSV with a header line.") from None
    except pd.errors.ParserError as exc:
        reason = printable(str(exc).strip().splitlines()[0])
        raise DataError(f"File '{shown}' could not be read as CSV: {reason}. Check that it is a "
                        f"comma-separated text file with one header line.") from None
    # a trailing comma on every line makes a nameless, empty column: not the user's data
    nameless = [c for c in frame.columns
                if str(c).startswith("Unnamed: ") and frame[c].isna().all()]
    frame = frame.drop(columns=nameless)
    if frame.shape[1] < 2 or frame.empty:
        raise DataError(
            f"File '{shown}' does not look like a CSV series: it has {frame.shape[1]} column(s) "
            f"and {len(frame)} data row(s). Expected a header line, a date column and at least "
            f"one numeric column, separated by commas."
        )
    return frame, sha


def _refuse_repeated_names(text: str, shown: str) -> None:
    """pandas would rename a second 'Close' to 'Close.1' and the user's --target would silently
    read the first one only."""
    first = text[: text.find("\n") + 1 or len(text)]  # a file with "\r" endings is one such line
    header = next(csv.reader(io.StringIO(first, newline="")), [])
    seen: dict[str, int] = {}
    for position, name in enumerate((name.strip() for name in header), start=1):
        if name and name in seen:
            raise DataError(
                f"File '{shown}' has two columns named '{printable(name)}' (columns "
                f"{seen[name]} and {position} of the header line). Rename or remove one of them."
            )
        seen.setdefault(name, position)


def find_date_column(frame: pd.DataFrame, source: str, date_column: str | None) -> str:
    """The explicit date column, else one with a date-like name, else the first that parses."""
    if date_column is not None:
        if date_column not in frame.columns:
            raise DataError(f"Date column '{printable(date_column)}' is not in "
                            f"'{printable(source)}'. Columns there: "
                            f"{printable_list(frame.columns)}. Pass one with --date-column.")
        return date_column
    named = [c for c in frame.columns if str(c).strip().lower() in _DATE_NAMES]
    for column in named + [c for c in frame.columns if c not in named]:
        if pd.api.types.is_numeric_dtype(frame[column]) and column not in named:
            continue
        if quick_parse(frame[column].dropna().head(50)).notna().mean() >= 0.8:
            return str(column)
    if named:  # a date column by name whose values are not dates: say why
        parse_dates(frame[named[0]], column=str(named[0]), source=source,
                    lines=_file_lines(frame))
    raise DataError(f"No date column found in '{printable(source)}' (columns: "
                    f"{printable_list(frame.columns)}). Name it with --date-column.")


def _numeric(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    """The column as float64; text, inf and values too large to square are refused by line."""
    values = frame[column]
    where = f"Column '{printable(column)}' in '{printable(source)}'"
    if pd.api.types.is_numeric_dtype(values):
        converted = values.astype(np.float64)
    else:
        converted = pd.to_numeric(values, errors="coerce").astype(np.float64)
        bad = np.flatnonzero(converted.isna().to_numpy() & values.notna().to_numpy())
        if len(bad):
            lines = _file_lines(frame)
            examples = ", ".join(f"line {lines[p]}: {values.iloc[p]!r}" for p in bad[:_SHOWN])
            raise DataError(f"{where} has {len(bad)} non-numeric value(s) ({examples}). Fix or "
                            f"remove those rows.")
    array = converted.to_numpy()
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.isinf(array) | (np.abs(array) > LARGEST_VALUE))
    if len(bad):
        lines = _file_lines(frame)
        examples = ", ".join(f"line {lines[p]}: {shown_value(values.iloc[p])}"
                             for p in bad[:_SHOWN])
        raise DataError(
            f"{where} has {len(bad)} value(s) that are infinite or too large to compute with "
            f"(beyond ±{LARGEST_VALUE:g}; {examples}). Fix or remove those rows, or rescale the "
            f"column (e.g. to thousands)."
        )
    return converted


def select_series(
    frame: pd.DataFrame,
    *,
    source: str,
    target: str | None,
    features: list[str] | None = None,
    date_column: str | None = None,
    fill: FillMethod | None = None,
    file_sha256: str | None = None,
    future_features: list[str] | None = None,
) -> SeriesData:
    """Validate a raw table and keep the date index, the target and the input columns
    (`future_features`: columns known ahead, validated like the others)."""
    features = list(features or [])
    future_features = list(future_features or [])
    shown = printable(source)
    date_col = find_date_column(frame, source, date_column)
    value_columns = [c for c in frame.columns if c != date_col]
    if target is None:
        numeric = [c for c in value_columns if pd.api.types.is_numeric_dtype(frame[c])]
        if len(numeric) != 1:
            raise DataError(f"Say which column to forecast with --target; '{shown}' has "
                            f"columns {printable_list(value_columns)}.")
        target = str(numeric[0])
    for role, name in ([("target", target)] + [("feature", f) for f in features]
                       + [("future feature", f) for f in future_features]):
        if name not in frame.columns or name == date_col:
            raise DataError(f"The {role} column '{printable(name)}' is not in '{shown}'. Columns "
                            f"there: {printable_list(value_columns)} (dates in "
                            f"'{printable(date_col)}').")
    if target in features:
        raise DataError(f"'{printable(target)}' is the target; do not list it in --features as "
                        f"well.")
    if target in future_features:
        raise DataError(f"'{printable(target)}' is the target: its future values are what is "
                        f"forecast, so it cannot be a --future-features column.")
    for listed, flag in ((features, "--features"), (future_features, "--future-features")):
        repeated = sorted({c for c in listed if listed.count(c) > 1})
        if repeated:
            raise DataError(f"{flag} lists {printable_list(repeated)} more than once.")
    lines = _file_lines(frame)
    dates, notes = parse_dates(frame[date_col], column=date_col, source=source, lines=lines)
    duplicated = np.flatnonzero(dates.duplicated(keep=False).to_numpy())
    if len(duplicated):
        raise DataError(
            f"Column '{printable(date_col)}' in '{shown}' has {len(duplicated)} rows with "
            f"repeated dates (lines {_list_lines(lines[duplicated])}; first repeated date "
            f"{dates.iloc[duplicated[0]]}). A series needs one row per date: if the file "
            f"holds several series in long format (e.g. a Symbol column), keep one of them."
            f"{duplicate_hint(dates)}"
        )
    columns = [target, *features, *[c for c in future_features if c not in features]]
    data = pd.DataFrame({c: _numeric(frame, c, source).to_numpy() for c in columns},
                        index=pd.DatetimeIndex(dates, name=date_col))
    order = np.argsort(data.index.asi8, kind="stable")
    if not (order == np.arange(len(order))).all():
        notes.append("rows were not in date order; sorted them")
    data = data.iloc[order]
    data = _even_out(data, date_col, fill, notes)
    data = _handle_missing(data, source, fill, lines[order], notes)
    if len(data) < 2:
        raise DataError(f"'{shown}' has {len(data)} usable row(s); a series needs many more.")
    if np.ptp(data[target].to_numpy()) == 0:
        raise DataError(f"The target '{printable(target)}' in '{shown}' is constant "
                        f"({data[target].iloc[0]}): there is nothing to forecast. Check that it "
                        f"is the right column.")
    return SeriesData(data, target, features, source, infer_frequency(data.index), file_sha256,
                      notes, future_features)


def _even_out(data: pd.DataFrame, date_col: str, fill: FillMethod | None,
              notes: list[str]) -> pd.DataFrame:
    """Say where the dates are uneven; with --fill ffill/interpolate insert the missing dates
    of a regular series (as empty rows, which the fill then fills)."""
    found = spacing(data.index, infer_frequency(data.index))
    if found is None:
        return data
    if fill in ("ffill", "interpolate") and found.grid is not None and found.off_grid.empty \
            and len(found.missing):
        notes.append(f"inserted {len(found.missing)} missing date(s) on the usual step "
                     f"'{found.step}' (first {found.missing[0]}) for --fill {fill}")
        return data.reindex(found.grid.rename(data.index.name))
    notes.append(spacing_note(found, data.index, date_col))
    return data


def _handle_missing(data: pd.DataFrame, source: str, fill: FillMethod | None,
                    lines: np.ndarray, notes: list[str]) -> pd.DataFrame:
    missing = data.isna().to_numpy()
    if not missing.any():
        return data
    if fill is None:
        rows = np.flatnonzero(missing.any(axis=1))
        cols = [c for c, m in zip(data.columns, missing.any(axis=0), strict=True) if m]
        target = missing[:, 0]
        trailing = target.any() and not target[:np.flatnonzero(target)[0]].any() and \
            target[np.flatnonzero(target)[0]:].all()
        future = (" If the last rows are future rows (values known ahead for the forecast "
                  "steps, the target left empty), give them to `forecaster predict` with the "
                  "history, or to train with --future FILE; the history itself must be "
                  "complete." if trailing else "")
        raise DataError(
            f"'{printable(source)}' has {int(missing.sum())} missing value(s) in column(s) "
            f"{printable_list(cols)} (lines {_list_lines(lines[rows])}). Pass --fill ffill (carry "
            f"the last value forward), --fill interpolate (straight line between neighbours) or "
            f"--fill drop (remove those rows) to accept them.{future}"
        )
    if fill not in FILL_METHODS:
        raise DataError(f"--fill must be one of {', '.join(FILL_METHODS)}, not "
                        f"'{printable(fill)}'.")
    empty = [str(c) for c, m in zip(data.columns, missing.all(axis=0), strict=True) if m]
    if empty:
        raise DataError(f"Column(s) {printable_list(empty)} in '{printable(source)}' have no "
                        f"values at all: --fill has nothing to fill from. Check the column names.")
    count = int(missing.sum())
    if fill == "drop":
        data = data.dropna()
    elif fill == "ffill":
        data = data.ffill().bfill()
    else:
        data = data.interpolate(method="linear", limit_direction="both")
    notes.append(f"{count} missing value(s) handled with --fill {fill}")
    return data


def load_series(
    path: str | Path,
    *,
    target: str | None = None,
    features: list[str] | None = None,
    date_column: str | None = None,
    fill: FillMethod | None = None,
    encoding: str = "utf-8",
    future_features: list[str] | None = None,
) -> SeriesData:
    """Read and validate a CSV series.

    Examples
    --------
    >>> series = load_series("datasets/GOOG.csv", target="Close")  # doctest: +SKIP
    >>> series.frequency
    'B'
    """
    frame, sha = read_csv(path, encoding=encoding)
    return select_series(frame, source=str(path), target=target, features=features,
                         date_column=date_column, fill=fill, file_sha256=sha,
                         future_features=future_features)


def as_series_data(data: object, target: str | None = None,
                   features: list[str] | None = None,
                   future_features: list[str] | None = None) -> SeriesData:
    """Accept a SeriesData, a date-indexed DataFrame or Series, a darts TimeSeries, or the path
    of a CSV file (read with `load_series`'s defaults)."""
    if isinstance(data, SeriesData):
        return data
    if isinstance(data, str | os.PathLike):  # the message below has always offered a path
        return load_series(data, target=target, features=features,
                           future_features=future_features)
    if type(data).__module__.startswith("darts") and hasattr(data, "to_dataframe"):
        data = data.to_dataframe()
    if isinstance(data, pd.Series):
        data = data.to_frame(name=str(data.name) if data.name is not None else "value")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"Expected a pandas DataFrame or Series, a darts TimeSeries or a CSV "
                        f"path, got {type(data).__name__}.")
    if isinstance(data.index, pd.DatetimeIndex):
        name = data.index.name or "date"
        frame = data.reset_index(names=name)
        return select_series(frame, source="the given frame", target=target, features=features,
                             date_column=name, future_features=future_features)
    return select_series(data.reset_index(drop=True), source="the given frame", target=target,
                         features=features, future_features=future_features)
