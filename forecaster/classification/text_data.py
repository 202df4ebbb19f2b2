"""Labelled texts for classification, read from a CSV file with a text and a label column.

Every problem a user can fix is raised as a `DataError` that names the file, the line (first
line = 1; a quoted field may span lines, so these are file lines, not record numbers) or the
column, and says what to do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forecaster.data.input_files import decode_text, file_bytes
from forecaster.errors import DataError

_SHOWN = 5  # how many line numbers or column names an error quotes


@dataclass
class TextSet:
    """Texts and their labels (None when the data are unlabelled, e.g. for prediction)."""

    texts: list[str]
    labels: np.ndarray | None  # (n,) of str
    source: str

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def classes(self) -> list[str]:
        """Sorted unique labels (empty when unlabelled)."""
        return [] if self.labels is None else [str(label) for label in np.unique(self.labels)]

    def take(self, rows: Sequence[int] | np.ndarray, source: str) -> TextSet:
        """The texts at positions `rows` (or where a boolean mask is True), e.g. a train or test
        part, under a new source name."""
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.int64)
        labels = None if self.labels is None else self.labels[rows]
        return TextSet([self.texts[row] for row in rows.tolist()], labels, source)


def _listed(items: Sequence[object]) -> str:
    """'1, 2, 3' with at most _SHOWN items, then ', ...'."""
    shown = ", ".join(str(item) for item in items[:_SHOWN])
    return shown + (", ..." if len(items) > _SHOWN else "")


def _column(names: list[str], wanted: str, role: str, option: str, path: Path,
            header_line: int) -> int:
    if wanted in names:
        return names.index(wanted)
    raise DataError(f"{role.capitalize()} column '{wanted}' is not in the header of '{path}' "
                    f"(line {header_line}), whose columns are: {', '.join(names)}. Pass the "
                    f"name of the {role} column with {option} (e.g. {option} {names[0]}).")


def _blank(row: list[str]) -> bool:
    return len(row) <= 1 and not (row and row[0].strip())


def _without_blank_lines(records: list[list[str]], lines: list[int]
                         ) -> tuple[list[list[str]], list[int]]:
    """Records without the blank lines that carry none: those before the header and after the
    last record, and, in a file of several columns, any blank line. In a file whose only column
    is the text, a blank line between records is an empty text; it is kept, so that it is
    refused by line number instead of silently dropped (3 rows in, 2 predictions out)."""
    filled = [i for i, row in enumerate(records) if not _blank(row)]
    if not filled:
        return [], []
    first, last = filled[0], filled[-1]
    single = len(records[first]) == 1
    keep = [i for i in range(first, last + 1) if single or not _blank(records[i])]
    return [records[i] or [""] for i in keep], [lines[i] for i in keep]


def read_text_csv(path: str | Path, text_column: str = "text", label_column: str = "label",
                  encoding: str = "utf-8", require_labels: bool = True) -> TextSet:
    """Read one text per CSV record (a header line first; quoted fields may hold commas and
    line breaks; .csv.gz works too).

    With `require_labels=False` (data to predict), `labels` is None when the label column is
    absent or any record lacks a label; texts are always required.
    """
    path = Path(path)
    raw = file_bytes(path, "CSV", decompress=True, expect="a header line and one text per row")
    text = decode_text(path, raw, encoding).removeprefix("\ufeff")  # a BOM is not a column name
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    lines: list[int] = []  # the file line each record starts on
    start = 1
    try:
        for row in reader:
            records.append(row)
            lines.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(f"'{path}' line {reader.line_num} cannot be read as CSV ({exc}). Check "
                        f"its quotes: a field holding commas or line breaks must be enclosed "
                        f"in double quotes, and a quote inside it doubled (\"\").") from None
    records, lines = _without_blank_lines(records, lines)
    if not records:
        raise DataError(f"File '{path}' has no header line, only blank lines. Pass a CSV file "
                        f"with a header line (e.g. text,label) and one text per row.")
    header, header_line = [name.strip() for name in records[0]], lines[0]
    records, lines = records[1:], lines[1:]
    if not records:
        raise DataError(f"File '{path}' has a header line (line {header_line}) but no rows. "
                        f"Add one text per row.")
    text_at = _column(header, text_column, "text", "--text-column", path, header_line)
    has_labels = label_column in header
    if require_labels and not has_labels:
        _column(header, label_column, "label", "--label-column", path, header_line)
    for row, line in zip(records, lines, strict=True):
        if len(row) != len(header):
            hint = ("a text holding a comma must be enclosed in double quotes"
                    if len(row) > len(header) else
                    "a field is missing, or a double quote opened there is never closed (it "
                    "swallows the lines after it)")
            raise DataError(f"'{path}' line {line} has {len(row)} fields, but the header (line "
                            f"{header_line}) has {len(header)}: {hint}. Fix that row so it has "
                            f"one field per column.")
    texts = [row[text_at] for row in records]
    blank = [line for line, value in zip(lines, texts, strict=True) if not value.strip()]
    if blank:
        raise DataError(f"'{path}' has {len(blank)} blank text(s) in column '{text_column}', on "
                        f"line(s) {_listed(blank)}. Remove those rows or fill in their text.")
    labels = None
    if has_labels:
        label_at = header.index(label_column)
        values = [row[label_at].strip() for row in records]
        missing = [line for line, value in zip(lines, values, strict=True) if not value]
        if missing and require_labels:
            raise DataError(f"'{path}' has {len(missing)} row(s) without a label in column "
                            f"'{label_column}', on line(s) {_listed(missing)}. Label them or "
                            f"remove those rows.")
        labels = None if missing else np.array(values, dtype=str)
    return TextSet(texts, labels, str(path))


def drop_repeated_texts(data: TextSet) -> tuple[TextSet, int]:
    """`data` with each text once, and how many rows were dropped.

    A repeated text in both a training and a test part would leak the answer, so repeats are
    dropped before any split: the first copy is kept, and when copies disagree on the label all
    of them go (there is no telling which is right). Texts are compared after stripping spaces
    at both ends.
    """
    first: dict[str, int] = {}
    conflicting: set[str] = set()
    for row, text in enumerate(data.texts):
        key = text.strip()
        if key not in first:
            first[key] = row
        elif data.labels is not None and data.labels[row] != data.labels[first[key]]:
            conflicting.add(key)
    keep = [row for key, row in first.items() if key not in conflicting]
    if len(keep) == len(data):
        return data, 0
    return data.take(keep, data.source), len(data) - len(keep)
