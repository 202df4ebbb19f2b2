"""Check the columns a pipeline names against the header line of each input file.

It reads one line per file, so `forecaster validate` can catch `targets: [Clsoe]` before a
scheduled job starts, without loading any data.
"""

from __future__ import annotations

import csv
from pathlib import Path

from forecaster.data.input_files import COMPRESSED, first_line
from forecaster.data.printable import printable, printable_list
from forecaster.errors import DataError
from forecaster.pipeline.fields import suggestion
from forecaster.pipeline.schema import ClassifyPipeline, Pipeline, matching_files

_PLAIN = {".csv", ".txt", ".tsv", ""}


def named_columns(pipeline: Pipeline) -> list[tuple[str, str]]:
    """(dotted key, column) for every column the pipeline names."""
    data = pipeline.data
    if isinstance(pipeline, ClassifyPipeline):
        if data.kind != "text":
            return []
        return [("data.text_column", data.text_column), ("data.label_column", data.label_column)]
    named = [("data.targets", c) for c in data.targets]
    named += [("data.features", c) for c in data.features]
    named += [("data.future_features", c) for c in data.future_features]
    if data.static_path is None:  # else the static file carries them (`check_columns`)
        named += [("data.static_features", c) for c in data.static_features]
    named += [(f"data.{key}", getattr(data, key)) for key in ("id_column", "date_column")
              if getattr(data, key) is not None]
    return named


def header(path: Path, encoding: str) -> list[str] | None:
    """The first line of a CSV as column names; None for a format this does not read."""
    last = path.suffix.lower()
    if last not in COMPRESSED and last not in _PLAIN:
        return None
    line = first_line(path, encoding)
    try:
        return [name.strip() for name in next(csv.reader([line]), [])]
    except csv.Error as exc:
        raise DataError(f"Cannot read the header line of '{printable(path)}' ({exc}). Check "
                        f"that it is a {encoding} CSV file, or set data.encoding.") from None


def check_columns(pipeline: Pipeline, shown: str | None = None) -> None:
    """Raise `DataError` listing every named column missing from an input file's header."""
    shown = shown or str(pipeline.source_file)
    named = named_columns(pipeline)
    problems = []
    paths = [pipeline.data.path]
    if isinstance(pipeline, ClassifyPipeline) and pipeline.data.test_path is not None:
        paths.append(pipeline.data.test_path)
    for path in (file for pattern in paths for file in matching_files(pattern)):
        columns = header(path, pipeline.data.encoding)
        if columns is None:
            continue
        for key, column in named:
            if column not in columns:
                problems.append(f"{shown}: '{key}' names column '{printable(column)}', which "
                                f"is not in {printable(path)} (columns: "
                                f"{printable_list(columns)})"
                                f"{suggestion(column, columns)}.")
    future = getattr(pipeline.data, "future_path", None)
    columns = header(future, pipeline.data.encoding) if future is not None else None
    if columns is not None:  # the next rows carry the future columns (and the ids)
        wanted = [("data.future_features", c) for c in pipeline.data.future_features]
        wanted += [("data.id_column", pipeline.data.id_column)] if pipeline.data.id_column \
            else []
        problems += [f"{shown}: '{key}' names column '{printable(column)}', which is not in "
                     f"data.future_path {printable(future)} (columns: "
                     f"{printable_list(columns)}){suggestion(column, columns)}."
                     for key, column in wanted if column not in columns]
    static = getattr(pipeline.data, "static_path", None)
    columns = header(static, pipeline.data.encoding) if static is not None else None
    if columns is not None:  # one row per series: the id column and the static columns
        wanted = [("data.id_column", pipeline.data.id_column)]
        wanted += [("data.static_features", c) for c in pipeline.data.static_features]
        problems += [f"{shown}: '{key}' names column '{printable(column)}', which is not in "
                     f"data.static_path {printable(static)} (columns: "
                     f"{printable_list(columns)}){suggestion(column, columns)}."
                     for key, column in wanted if column not in columns]
    if problems:
        raise DataError("\n".join(problems))
