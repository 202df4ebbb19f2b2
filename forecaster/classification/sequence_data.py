"""Labelled numeric sequences for classification: read `.ts` (sktime/UEA) and flat CSV files.

Every set is held the same way, whatever the source: `values` (n, max_time, channels) float32,
zero past each sequence's end, `lengths` (n,) and `labels` (n,) as text. Every problem a user
can fix is raised as a `DataError` that names the file and the line (first line = 1) and says
what to do.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecaster.data.input_files import decode_text, file_bytes
from forecaster.errors import DataError

_SHOWN = 5  # how many examples (classes, divisors...) an error quotes


@dataclass
class SequenceSet:
    """Labelled sequences, padded to a common length."""

    values: np.ndarray  # (n, max_time, channels) float32, zero-padded after each sequence's end
    lengths: np.ndarray  # (n,) int64
    labels: np.ndarray  # (n,) of str
    source: str

    def __len__(self) -> int:
        return len(self.values)

    @property
    def classes(self) -> list[str]:
        """Sorted unique labels (text order, as `np.searchsorted` expects: '10' before '2')."""
        return [str(label) for label in np.unique(self.labels)]

    def take(self, rows: np.ndarray, source: str) -> SequenceSet:
        """The cases at `rows` (e.g. one side of a split), under a new source name."""
        return SequenceSet(self.values[rows], self.lengths[rows], self.labels[rows], source)

    def describe(self) -> dict[str, int]:
        """Shape facts recorded with a run."""
        return {"steps": int(self.values.shape[1]), "channels": int(self.values.shape[2]),
                "shortest": int(self.lengths.min()), "longest": int(self.lengths.max())}


# --------------------------------------------------------------------------------------------
# Shared helpers


def _read_text(path: Path, encoding: str, kind: str) -> str:
    """The whole file as text (.gz is decompressed); DataError for missing, empty, undecodable."""
    return decode_text(path, file_bytes(path, kind, decompress=True), encoding)


def _first_bad_number(tokens: list[str]) -> tuple[int, str] | None:
    """Position and text of the first token that is not a finite number, or None."""
    for position, token in enumerate(tokens):
        try:
            number = float(token)
        except ValueError:
            return position, token
        if not np.isfinite(number):
            return position, token
    return None


def _pad(cases: list[np.ndarray], channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Stack (length, channels) arrays into (n, max_length, channels) float32, zeros after ends."""
    lengths = np.array([len(case) for case in cases], dtype=np.int64)
    values = np.zeros((len(cases), int(lengths.max()), channels), dtype=np.float32)
    for row, case in enumerate(cases):
        values[row, :len(case)] = case
    return values, lengths


# --------------------------------------------------------------------------------------------
# sktime / UEA .ts files

_BOOLEAN_KEYS = ("@timestamps", "@missing", "@univariate", "@equallength")
_INTEGER_KEYS = ("@dimensions", "@serieslength")


def _header_value(key: str, rest: str, where: str) -> bool | int:
    word = rest.split()[0].lower() if rest.split() else ""
    if key in _BOOLEAN_KEYS:
        if word not in ("true", "false"):
            raise DataError(f"{where}: '{key} {rest}' must be followed by true or false.")
        return word == "true"
    try:
        number = int(word)
    except ValueError:
        number = 0
    if number < 1:
        raise DataError(f"{where}: '{key} {rest}' must be followed by a whole number of at "
                        f"least 1.")
    return number


def read_ts(path: str | Path, encoding: str = "utf-8") -> SequenceSet:
    """Read a classification problem in the sktime/UEA `.ts` text format.

    Univariate or multivariate (channels separated by ':'), equal or unequal lengths (padded with
    zeros, true lengths in `lengths`); the class label is the last field of each case.
    Time stamps and '?' missing values are not supported.
    """
    path = Path(path)
    lines = _read_text(path, encoding, "'.ts'").splitlines()
    header: dict[str, bool | int] = {}
    declared: list[str] | None = None
    class_line = 0
    data_line = 0
    dims_line = 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        where = f"'{path}' line {number}"
        if not text.startswith("@"):
            raise DataError(f"{where} holds values, but no @data line comes before it. Add a "
                            f"line '@data' between the header (@problemName ... @classLabel) "
                            f"and the cases.")
        key, _, rest = text.partition(" ")
        key, rest = key.lower(), rest.strip()
        if key == "@data":
            data_line = number
            break
        if key == "@classlabel":
            words = rest.split()
            class_line = number
            if not words or words[0].lower() != "true":
                raise DataError(f"{where} says '@classLabel {rest}': the file has no class "
                                f"labels, so it cannot be used for classification (regression "
                                f"problems are not supported). Pass a file declaring "
                                f"'@classLabel true <label> <label> ...'.")
            declared = words[1:]
            if not declared:
                raise DataError(f"{where}: '@classLabel true' lists no labels. Write the class "
                                f"labels after it, e.g. '@classLabel true 1 2'.")
        elif key in _BOOLEAN_KEYS or key in _INTEGER_KEYS:
            header[key] = _header_value(key, rest, where)
            dims_line = number if key == "@dimensions" else dims_line
        elif key == "@targetlabel":
            raise DataError(f"{where} declares '@targetLabel': this is a regression problem, "
                            f"and this reader is for classification. Pass a file with "
                            f"'@classLabel true <labels...>'.")
    if not data_line:
        raise DataError(f"File '{path}' has no '@data' line, so no cases can be read. A .ts file "
                        f"is a header of @ lines, then '@data', then one case per line.")
    if declared is None:
        raise DataError(f"File '{path}' has no '@classLabel' line before @data (line "
                        f"{data_line}); this reader is for classification and needs the "
                        f"labels declared, e.g. '@classLabel true 1 2'.")
    if header.get("@timestamps"):
        raise DataError(f"File '{path}' declares '@timeStamps true'; time-stamped .ts data are "
                        f"not supported yet. Export the series without time stamps.")
    known = set(declared)
    channels = header.get("@dimensions")
    channels_from = f"@dimensions on line {dims_line}"
    if channels is None and header.get("@univariate"):
        channels, channels_from = 1, "'@univariate true'"
    series_length = header.get("@serieslength") if header.get("@equallength", True) else None
    equal = header.get("@equallength") is True
    cases: list[np.ndarray] = []
    labels: list[str] = []
    case_lines: list[int] = []
    for number in range(data_line + 1, len(lines) + 1):
        text = lines[number - 1].strip()
        if not text or text.startswith("#"):
            continue
        where = f"'{path}' line {number}"
        *fields, label = text.split(":")
        label = label.strip()
        if not fields:
            raise DataError(f"{where} has no ':' before a class label. Each case is its "
                            f"channels separated by ':', then ':' and the label.")
        if label not in known:
            raise DataError(f"{where} has class label {label!r}, which is not among the labels "
                            f"declared by @classLabel on line {class_line} "
                            f"({' '.join(declared)}). Fix the label, or add it to @classLabel.")
        if channels is None:
            channels, channels_from = len(fields), f"line {number}"
        if len(fields) != channels:
            raise DataError(f"{where} has {len(fields)} channel(s) but {channels_from} says "
                            f"{channels}. Every case needs the same channels, separated by ':'.")
        rows = []
        for channel, field in enumerate(fields, start=1):
            if "?" in field:
                raise DataError(f"{where} has missing values ('?') in channel {channel}; "
                                f"missing values are not supported yet. Fill or drop them first.")
            if "(" in field:
                raise DataError(f"{where} has time-stamped values in channel {channel}; "
                                f"time stamps are not supported yet.")
            tokens = field.split(",")
            try:
                row = np.array(tokens, dtype=np.float64)
            except ValueError:
                row = None
            if row is None or not np.isfinite(row).all():
                position, token = _first_bad_number(tokens) or (0, tokens[0])
                raise DataError(f"{where}: value {position + 1} of channel {channel} is "
                                f"{token.strip()!r}, which is not a finite number. Fix it; "
                                f"values are separated by ',' and channels by ':'.")
            rows.append(row)
        sizes = [len(row) for row in rows]
        if min(sizes) != max(sizes):
            detail = ", ".join(f"channel {c}: {s}" for c, s in enumerate(sizes, start=1))
            raise DataError(f"{where}: the channels of this case have different lengths "
                            f"({detail}). All channels of one case must have the same length.")
        expected = series_length or (len(cases[0]) if equal and cases else None)
        if expected is not None and sizes[0] != expected:
            raise DataError(f"{where} has {sizes[0]} values per channel, but the header says "
                            f"all series have length {expected} (@equalLength/@seriesLength). "
                            f"Fix the case or the header.")
        cases.append(np.stack(rows, axis=1))
        labels.append(label)
        case_lines.append(number)
    if not cases:
        raise DataError(f"File '{path}' has no cases after '@data' (line {data_line}). Add one "
                        f"line per case.")
    values, lengths = _pad(cases, int(channels))
    return SequenceSet(values, lengths, np.array(labels, dtype=str), str(path))


# --------------------------------------------------------------------------------------------
# Flat CSV: one flattened sequence per row, plus a label column


def is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _divisors(number: int) -> str:
    found = [d for d in range(2, number) if number % d == 0]
    if not found:
        return "it has no divisors but 1 and itself"
    shown = ", ".join(map(str, found[:8])) + (", ..." if len(found) > 8 else "")
    return f"its divisors are {shown}"


def read_flat_csv(path: str | Path, steps: int, label_column: str | int = "last",
                  encoding: str = "utf-8") -> SequenceSet:
    """Read rows of flattened equal-length sequences, e.g. MNIST: 784 pixels -> 28 steps x 28.

    `label_column` is "last", "first", a column position, or a header name. A header row is
    detected when the first row's values are not all numbers. Row-major order: the first
    `n_values / steps` values are step 1. Works on .csv.gz too.
    """
    path = Path(path)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise DataError(f"steps must be a whole number of at least 1, not {steps!r}.")
    text = _read_text(path, encoding, "CSV")
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    row_lines: list[int] = []
    start = 1
    for row in reader:
        if any(field.strip() for field in row):
            rows.append(row)
            row_lines.append(start)
        start = reader.line_num + 1
    if not rows:
        raise DataError(f"File '{path}' has no rows. Pass one sequence per row.")
    width = len(rows[0])
    if isinstance(label_column, str) and label_column in ("first", "last"):
        position: int | None = 0 if label_column == "first" else width - 1
    elif isinstance(label_column, int | np.integer) and not isinstance(label_column, bool):
        position = int(label_column) + (width if label_column < 0 else 0)
        if not 0 <= position < width:
            raise DataError(f"Label column {label_column} is outside the {width} columns of "
                            f"'{path}' (line {row_lines[0]}). Pass a position from 0 to "
                            f"{width - 1}, 'first' or 'last'.")
    elif isinstance(label_column, str):
        position = None  # a header name, looked up below
    else:
        raise DataError(f"label_column must be 'first', 'last', a column position or a column "
                        f"name, not {label_column!r}.")
    first = rows[0]
    if position is None:
        names = [name.strip() for name in first]
        if label_column not in names:
            shown = ", ".join(names[:_SHOWN]) + (", ..." if len(names) > _SHOWN else "")
            raise DataError(f"Label column '{label_column}' is not in the header of '{path}' "
                            f"(line {row_lines[0]}: {shown}). Pass a column name from it, or "
                            f"'first'/'last'.")
        position, has_header = names.index(label_column), True
    else:
        has_header = not all(is_number(f) for i, f in enumerate(first) if i != position)
    if has_header:
        rows, row_lines = rows[1:], row_lines[1:]
        if not rows:
            raise DataError(f"File '{path}' has a header line but no data rows.")
    for row, line in zip(rows, row_lines, strict=True):
        if len(row) != width:
            raise DataError(f"'{path}' line {line} has {len(row)} fields, but "
                            f"{'the header' if has_header else f'line {row_lines[0]}'} has "
                            f"{width}. Every row needs the same number of values.")
    n_values = width - 1
    if n_values < 1:
        raise DataError(f"'{path}' has a single column; a row needs sequence values and a label.")
    if n_values % steps:
        raise DataError(f"'{path}' has {n_values} values per row (besides the label), which "
                        f"cannot be cut into {steps} steps: {n_values} is not a multiple of "
                        f"{steps} ({_divisors(n_values)}). Pass a steps value that divides "
                        f"{n_values}.")
    value_index = [i for i in range(width) if i != position]
    table = [[row[i] for i in value_index] for row in rows]
    try:
        flat = np.array(table, dtype=np.float64)
    except ValueError:
        flat = None
    if flat is None or not np.isfinite(flat).all():
        for tokens, line in zip(table, row_lines, strict=True):
            bad = _first_bad_number(tokens)
            if bad is not None:
                column = value_index[bad[0]] + 1
                raise DataError(f"'{path}' line {line}, column {column} is {bad[1].strip()!r}, "
                                f"which is not a finite number. Fix or remove that row.")
    labels = np.array([row[position].strip() for row in rows], dtype=str)
    features = n_values // steps
    values = flat.reshape(len(rows), steps, features).astype(np.float32)
    lengths = np.full(len(rows), steps, dtype=np.int64)
    return SequenceSet(values, lengths, labels, str(path))


# --------------------------------------------------------------------------------------------
# In-memory arrays


def from_arrays(x: np.ndarray, y: np.ndarray | list, lengths: np.ndarray | list | None = None,
                source: str = "arrays") -> SequenceSet:
    """Build a set from (N, T, F) values (or (N, T): one channel) and N labels (kept as text).

    Without `lengths` every sequence is T long; with them, values past each length are zeroed.
    """
    values = np.asarray(x)
    if values.ndim == 2:
        values = values[:, :, None]
    if values.ndim != 3:
        raise DataError(f"{source}: x must be (cases, steps, channels) or (cases, steps); got "
                        f"shape {values.shape}.")
    n, steps, _ = values.shape
    if n == 0 or steps == 0 or values.shape[2] == 0:
        raise DataError(f"{source}: x of shape {values.shape} holds no values.")
    try:
        values = values.astype(np.float32)
    except (TypeError, ValueError):
        raise DataError(f"{source}: x must hold numbers (dtype {values.dtype}).") from None
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != n:
        raise DataError(f"{source}: y must hold one label per case ({n}); got shape "
                        f"{labels.shape}.")
    labels = np.array([str(label) for label in labels.tolist()], dtype=str)
    if lengths is None:
        sizes = np.full(n, steps, dtype=np.int64)
    else:
        sizes = np.asarray(lengths)
        if sizes.shape != (n,) or not np.issubdtype(sizes.dtype, np.integer):
            raise DataError(f"{source}: lengths must be {n} whole numbers, one per case; got "
                            f"shape {sizes.shape}, dtype {sizes.dtype}.")
        sizes = sizes.astype(np.int64)
        bad = np.flatnonzero((sizes < 1) | (sizes > steps))
        if len(bad):
            raise DataError(f"{source}: lengths must be between 1 and {steps} (the steps of x); "
                            f"case {int(bad[0])} has {int(sizes[bad[0]])}.")
        values[np.arange(steps)[None, :] >= sizes[:, None]] = 0.0
    inside = np.arange(steps)[None, :] < sizes[:, None]
    finite = np.isfinite(values).all(axis=2) | ~inside
    if not finite.all():
        case, step = (int(i) for i in np.argwhere(~finite)[0])
        raise DataError(f"{source}: case {case}, step {step} is not a finite number (NaN or "
                        f"infinite); missing values are not supported yet.")
    return SequenceSet(values, sizes, labels, source)
