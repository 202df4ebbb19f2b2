"""The series a pipeline fans out over: one per file of a glob, per value of an id column, per
target column — or, for a classification pipeline, the one data set.

A `SeriesSpec` is small and picklable: a worker process (or a Ray task) loads its own data.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.data.printable import printable_list
from forecaster.errors import ConfigError, DataError
from forecaster.pipeline.schema import has_glob, matching_files

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_FOLDER = 200  # a file name has at most 255 bytes; the atomic writers add a suffix


@dataclass(frozen=True)
class SeriesSpec:
    """Where one series comes from: a file, optionally one id's rows, and one target."""

    series_id: str  # unique in the job, e.g. "AAPL", "AAPL-Open", "sales_2024"
    file: Path
    id_value: str | None
    target: str | None  # None for a classification data set

    @property
    def slug(self) -> str:
        """A file-system-safe name for the series' output directory."""
        return folder_name(self.series_id)


def folder_name(series_id: str) -> str:
    """`series_id` as one folder name: unsafe characters become `_`, leading and trailing dots
    go (no `.` or `..`, no hidden folders), and a very long id is cut and given a hash so that
    it stays unique and within the file system's limit on a name."""
    name = _UNSAFE.sub("_", series_id).strip("._") or "series"
    if len(name) > _MAX_FOLDER:
        digest = hashlib.sha256(series_id.encode("utf-8")).hexdigest()[:12]
        name = f"{name[:_MAX_FOLDER - 13]}-{digest}"
    return name


def expand_series(pipeline: Any) -> list[SeriesSpec]:
    """Every series the pipeline names, in a stable order (files, then ids, then targets)."""
    files = matching_files(pipeline.data.path)  # not data.future_path: the next rows only
    if pipeline.task == "classify":
        return [SeriesSpec(pipeline.name, files[0], None, None)]
    data = pipeline.data
    several_files = len(files) > 1 or has_glob(data.path)
    specs = []
    for file in files:
        ids: list[str | None] = [None]
        if data.id_column is not None:
            ids = _ids_in(file, data.id_column, data.encoding)
        for id_value in ids:
            for target in data.targets:
                parts = [id_value if id_value is not None else (file.stem if several_files
                                                                else None)]
                parts.append(target if len(data.targets) > 1 or parts[0] is None else None)
                series_id = "-".join(part for part in parts if part)
                specs.append(SeriesSpec(series_id, file, id_value, target))
    if data.series is not None:
        specs = _keep(specs, list(data.series), pipeline)
    _check_folders(specs, pipeline)
    return specs


def _check_folders(specs: list[SeriesSpec], pipeline: Any) -> None:
    """Each series needs its own output folder: two ids that clean to the same folder name
    (`A/B` and `A_B`, `.` and `..`) or differ only in case (one folder on macOS and Windows)
    would overwrite each other's results, so they are refused before anything runs."""
    seen: dict[str, SeriesSpec] = {}
    for spec in specs:
        other = seen.setdefault(spec.slug.casefold(), spec)
        if other is spec:
            continue
        if other.series_id == spec.series_id:
            raise ConfigError(f"{pipeline.source_file}: two series share the name "
                              f"'{spec.series_id}' ({other.file} and {spec.file}); give the "
                              f"files distinct names.")
        where = pipeline.output_dir / "series"
        clash = (f"both become the folder {where / spec.slug}" if other.slug == spec.slug else
                 f"become the folders '{other.slug}' and '{spec.slug}' in {where}, which differ "
                 f"only in case (one folder on macOS and Windows)")
        raise ConfigError(f"{pipeline.source_file}: the series ids {other.series_id!r} and "
                          f"{spec.series_id!r} {clash}, so one would overwrite the other's "
                          f"results. Make the ids distinct in the data (letters, digits, '.', "
                          f"'_' and '-' are kept as they are), or pick one with data.series.")


def _ids_in(file: Path, id_column: str, encoding: str) -> list[str]:
    frame, _ = _read(file, encoding)
    if id_column not in frame.columns:
        raise DataError(f"'{file}' has no id column '{id_column}' (data.id_column); its columns "
                        f"are {printable_list(frame.columns)}.")
    return [str(value) for value in frame[id_column].dropna().astype(str).unique()]


def _read(file: Path, encoding: str) -> tuple[pd.DataFrame, str]:
    """The package's one CSV reader (its errors name the file and line), with the last few
    files kept: a long-format file is read once for all its ids, not once per id."""
    stat = file.stat()
    return _read_cached(str(file), stat.st_mtime_ns, stat.st_size, encoding)


@functools.lru_cache(maxsize=4)
def _read_cached(file: str, _mtime_ns: int, _size: int, encoding: str
                 ) -> tuple[pd.DataFrame, str]:
    from forecaster.data.csv_series import read_csv

    return read_csv(file, encoding=encoding)


def _keep(specs: list[SeriesSpec], wanted: list[str], pipeline: Any) -> list[SeriesSpec]:
    """data.series: ids, series names or file stems to keep; an unknown one is an error."""
    def names(spec: SeriesSpec) -> set[str]:
        return {spec.series_id, spec.id_value or "", spec.file.stem}

    unknown = [name for name in wanted if not any(name in names(spec) for spec in specs)]
    if unknown:
        available = sorted({spec.series_id for spec in specs})
        raise ConfigError(f"{pipeline.source_file}: data.series names {unknown}, which the "
                          f"data does not have. Available: {printable_list(available[:20])}"
                          f"{' …' if len(available) > 20 else ''}.")
    return [spec for spec in specs if names(spec) & set(wanted)]


def _rows_of(spec: SeriesSpec, pipeline: Any, file: Path) -> tuple[pd.DataFrame, str, str]:
    """(raw rows of the series in `file`, their source as messages name it, file hash)."""
    data = pipeline.data
    frame, sha = _read(file, data.encoding)
    source = file.name
    if spec.id_value is not None:
        if data.id_column not in frame.columns:
            raise DataError(f"'{file}' has no id column '{data.id_column}' (data.id_column); "
                            f"its columns are {printable_list(frame.columns)}.")
        frame = frame[frame[data.id_column].astype(str) == spec.id_value]
        frame = frame.drop(columns=[data.id_column])
        source = f"{file.name} ({data.id_column} {spec.id_value})"
    return frame, source, sha


def _history_and_trailing(spec: SeriesSpec, pipeline: Any
                          ) -> tuple[pd.DataFrame, pd.DataFrame | None, str, str]:
    """The series' raw history rows and, with data.future_features, its trailing rows whose
    target is empty (the future rows, or None), with source and file hash."""
    from forecaster.data.future_rows import split_future_rows

    frame, source, sha = _rows_of(spec, pipeline, spec.file)
    if not pipeline.data.future_features:
        return frame, None, source, sha
    history, trailing = split_future_rows(frame, spec.target)
    return history, (trailing if len(trailing) else None), source, sha


def load_series_of(spec: SeriesSpec, pipeline: Any) -> Any:
    """The validated SeriesData of one forecasting series (DataError names the file and id);
    with data.future_features, without its trailing future rows (see `future_rows_of`)."""
    from forecaster.data.csv_series import select_series

    data = pipeline.data
    frame, _, source, sha = _history_and_trailing(spec, pipeline)
    return select_series(frame, source=source, target=spec.target,
                         features=list(data.features), date_column=data.date_column,
                         fill=data.fill, file_sha256=sha,
                         future_features=list(data.future_features))


def future_rows_of(spec: SeriesSpec, pipeline: Any) -> pd.DataFrame | None:
    """The raw rows after the series' history that carry its known-ahead columns at the
    forecast dates: the data file's trailing rows with the target empty, or the series' rows
    of data.future_path (the engine checks their dates and values when it forecasts); None
    when the pipeline has no future features or the series has no future rows."""
    data = pipeline.data
    _, trailing, source, _ = _history_and_trailing(spec, pipeline)
    if data.future_path is None:
        return trailing
    if trailing is not None:
        raise ConfigError(f"{source} ends with {len(trailing)} row(s) without a target and "
                          f"data.future_path names {data.future_path} as well: give the future "
                          f"rows one way only.")
    rows, _, _ = _rows_of(spec, pipeline, Path(data.future_path))
    return rows.reset_index(drop=True)


def static_values_of(spec: SeriesSpec, pipeline: Any) -> dict[str, Any] | None:
    """The raw values of data.static_features for one series (None without them): from the
    series' own history rows, each column constant in them, or from its row of
    data.static_path. The id column, when named, is the series' id (one-hot encoded later:
    a learned per-series embedding)."""
    from forecaster.data.static_inputs import static_from_file, static_from_rows

    data = pipeline.data
    if not data.static_features:
        return None
    others = [column for column in data.static_features if column != data.id_column]
    label = spec.id_value or spec.series_id
    if data.static_path is not None:
        frame, _ = _read(Path(data.static_path), data.encoding)
        values = static_from_file(frame, others, Path(data.static_path).name, data.id_column,
                                  label)
    else:
        history, _, source, _ = _history_and_trailing(spec, pipeline)
        values = static_from_rows(history, others, source, label)
    if data.id_column in data.static_features:
        values[data.id_column] = spec.id_value
    return {column: values[column] for column in data.static_features}


def static_digest(values: dict[str, Any] | None) -> str:
    """A hash of a series' static values, so that new ones redo the (global) model."""
    if not values:
        return ""
    return hashlib.sha256(repr(sorted(values.items())).encode("utf-8")).hexdigest()


def future_digest(future: pd.DataFrame | None) -> str:
    """A hash of the future rows as read, so that new future rows redo the series."""
    if future is None:
        return ""
    text = future.to_csv(index=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
