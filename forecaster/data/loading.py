"""Read a CSV (or a frame) into one validated, date-indexed series with its target and inputs.

Every problem a user can fix is raised as a `DataError` that names the file, the column and the
first offending rows (as line numbers of the file, header = line 1), and says what to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecaster.data.choices import FILL_METHODS, FillMethod
from forecaster.data.files import decode_text, file_bytes
from forecaster.data.frequency import infer_frequency
from forecaster.errors import DataError

_DATE_NAMES = ("date", "datetime", "timestamp", "time", "ds", "day", "month", "week", "period")
_SHOWN = 5  # how many offending rows an error quotes
_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst")


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

    @property
    def columns(self) -> list[str]:
        return [self.target, *self.features]

    @property
    def values(self) -> np.ndarray:
        """(time, 1 + n_features) float64, target first."""
        return self.frame[self.columns].to_numpy(dtype=np.float64)

    def fingerprint(self) -> str:
        """SHA-256 of the dates and values actually used, so a model knows what it saw."""
        digest = hashlib.sha256()
        digest.update(self.frame.index.asi8.tobytes())
        digest.update(np.ascontiguousarray(self.values).tobytes())
        digest.update(",".join(self.columns).encode())
        return digest.hexdigest()

    def head(self, stop: int) -> SeriesData:
        """The first `stop` rows, same columns and metadata (no copy of settings lost)."""
        return SeriesData(self.frame.iloc[:stop], self.target, self.features, self.source,
                          self.frequency, self.file_sha256, list(self.notes))


def _file_lines(frame: pd.DataFrame) -> np.ndarray:
    """File line of each data row: `read_csv` keeps blank lines out of the frame but in the
    index, so a row's label + 2 is its line (the header is line 1)."""
    return np.asarray(frame.index, dtype=np.int64) + 2


def _list_lines(lines: np.ndarray) -> str:
    shown = ", ".join(str(int(line)) for line in lines[:_SHOWN])
    more = len(lines) - _SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def read_csv(path: str | Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, str]:
    """Read a CSV file into strings-preserving pandas types; return it with the file's SHA-256."""
    path = Path(path)
    raw = file_bytes(path, "CSV", expect="a header line and data rows")
    sha = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() not in _COMPRESSED:  # pandas reads compressed files itself
        decode_text(path, raw, encoding)
    try:
        frame = pd.read_csv(path, encoding=encoding, compression="infer",
                            skip_blank_lines=False)
        frame = frame.dropna(how="all")  # blank lines; their labels keep the line numbers
    except UnicodeDecodeError as exc:
        raise DataError(
            f"File '{path}' is not valid {encoding} text (byte {exc.start} cannot be decoded). "
            f"Save it as UTF-8, or pass its encoding with --encoding (e.g. --encoding latin-1)."
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"File '{path}' has no columns. Pass a CSV with a header line.") from None
    except (pd.errors.ParserError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise DataError(f"File '{path}' could not be read as CSV: {reason}. Check that it is a "
                        f"comma-separated text file with one header line.") from None
    if frame.shape[1] < 2 or frame.empty:
        raise DataError(
            f"File '{path}' does not look like a CSV series: it has {frame.shape[1]} column(s) and "
            f"{len(frame)} data row(s). Expected a header line, a date column and at least one "
            f"numeric column, separated by commas."
        )
    return frame, sha


def _parse_dates(column: pd.Series) -> pd.Series:
    if pd.api.types.is_integer_dtype(column) and column.between(10_000_101, 99_991_231).all():
        return pd.to_datetime(column.astype(str), format="%Y%m%d", errors="coerce")
    return pd.to_datetime(column, errors="coerce", format="mixed")


def find_date_column(frame: pd.DataFrame, source: str, date_column: str | None) -> str:
    """The explicit date column, else one with a date-like name, else the first that parses."""
    if date_column is not None:
        if date_column not in frame.columns:
            raise DataError(f"Date column '{date_column}' is not in '{source}'. Columns there: "
                            f"{', '.join(map(str, frame.columns))}. Pass one with --date-column.")
        return date_column
    named = [c for c in frame.columns if str(c).strip().lower() in _DATE_NAMES]
    for column in named + [c for c in frame.columns if c not in named]:
        if pd.api.types.is_numeric_dtype(frame[column]) and column not in named:
            continue
        if _parse_dates(frame[column].head(50)).notna().mean() >= 0.8:
            return str(column)
    raise DataError(f"No date column found in '{source}' (columns: "
                    f"{', '.join(map(str, frame.columns))}). Name it with --date-column.")


def _numeric(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    values = frame[column]
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(np.float64)
    converted = pd.to_numeric(values, errors="coerce")
    bad = np.flatnonzero(converted.isna().to_numpy() & values.notna().to_numpy())
    if len(bad):
        lines = _file_lines(frame)
        examples = ", ".join(f"line {lines[p]}: {values.iloc[p]!r}" for p in bad[:_SHOWN])
        raise DataError(f"Column '{column}' in '{source}' has {len(bad)} non-numeric value(s) "
                        f"({examples}). Fix or remove those rows.")
    return converted.astype(np.float64)


def select_series(
    frame: pd.DataFrame,
    *,
    source: str,
    target: str | None,
    features: list[str] | None = None,
    date_column: str | None = None,
    fill: FillMethod | None = None,
    file_sha256: str | None = None,
) -> SeriesData:
    """Validate a raw table and keep the date index, the target and the input columns."""
    features = list(features or [])
    date_col = find_date_column(frame, source, date_column)
    value_columns = [c for c in frame.columns if c != date_col]
    if target is None:
        numeric = [c for c in value_columns if pd.api.types.is_numeric_dtype(frame[c])]
        if len(numeric) != 1:
            raise DataError(f"Say which column to forecast with --target; '{source}' has "
                            f"columns {', '.join(map(str, value_columns))}.")
        target = str(numeric[0])
    for role, name in [("target", target)] + [("feature", f) for f in features]:
        if name not in frame.columns or name == date_col:
            raise DataError(f"The {role} column '{name}' is not in '{source}'. Columns there: "
                            f"{', '.join(map(str, value_columns))} (dates in '{date_col}').")
    if target in features:
        raise DataError(f"'{target}' is the target; do not list it in --features as well.")
    dates = _parse_dates(frame[date_col])
    lines = _file_lines(frame)
    bad = np.flatnonzero(dates.isna().to_numpy())
    if len(bad):
        examples = ", ".join(f"line {lines[p]}: {frame[date_col].iloc[p]!r}" for p in bad[:_SHOWN])
        raise DataError(f"Column '{date_col}' in '{source}' has {len(bad)} date(s) that cannot be "
                        f"parsed ({examples}). Use ISO dates such as 2018-12-31.")
    duplicated = np.flatnonzero(dates.duplicated(keep=False).to_numpy())
    if len(duplicated):
        raise DataError(
            f"Column '{date_col}' in '{source}' has {len(duplicated)} rows with repeated dates "
            f"(lines {_list_lines(lines[duplicated])}; first repeated date "
            f"{dates.iloc[duplicated[0]].date()}). A series needs one row per date: if the file "
            f"holds several series in long format (e.g. a Symbol column), keep one of them."
        )
    columns = [target, *features]
    data = pd.DataFrame({c: _numeric(frame, c, source).to_numpy() for c in columns},
                        index=pd.DatetimeIndex(dates, name=date_col))
    order = np.argsort(data.index.asi8, kind="stable")
    notes: list[str] = []
    if not (order == np.arange(len(order))).all():
        notes.append("rows were not in date order; sorted them")
    data = data.iloc[order]
    data = _handle_missing(data, source, fill, lines[order], notes)
    if len(data) < 2:
        raise DataError(f"'{source}' has {len(data)} usable row(s); a series needs many more.")
    if np.ptp(data[target].to_numpy()) == 0:
        raise DataError(f"The target '{target}' in '{source}' is constant ({data[target].iloc[0]})"
                        f": there is nothing to forecast. Check that it is the right column.")
    return SeriesData(data, target, features, source, infer_frequency(data.index), file_sha256,
                      notes)


def _handle_missing(data: pd.DataFrame, source: str, fill: FillMethod | None,
                    lines: np.ndarray, notes: list[str]) -> pd.DataFrame:
    missing = data.isna().to_numpy()
    if not missing.any():
        return data
    if fill is None:
        rows = np.flatnonzero(missing.any(axis=1))
        cols = [c for c, m in zip(data.columns, missing.any(axis=0), strict=True) if m]
        raise DataError(
            f"'{source}' has {int(missing.sum())} missing value(s) in column(s) "
            f"{', '.join(cols)} (lines {_list_lines(lines[rows])}). Pass --fill ffill (carry the "
            f"last value forward), --fill interpolate (straight line between neighbours) or "
            f"--fill drop (remove those rows) to accept them."
        )
    if fill not in FILL_METHODS:
        raise DataError(f"--fill must be one of {', '.join(FILL_METHODS)}, not '{fill}'.")
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
                         date_column=date_column, fill=fill, file_sha256=sha)


def as_series_data(data: object, target: str | None = None,
                   features: list[str] | None = None) -> SeriesData:
    """Accept a SeriesData, a date-indexed DataFrame or Series, or a darts TimeSeries."""
    if isinstance(data, SeriesData):
        return data
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
                             date_column=name)
    return select_series(data.reset_index(drop=True), source="the given frame", target=target,
                         features=features)
