"""The job manifest, `<output dir>/manifest.json`: what a pipeline run did to each series.

It is how a job resumes: a series whose record is `done` with the same key (hash of the
configuration and of that series' data) need not be trained again. It is rewritten whole and
atomically after every change, so a crash or a reader never sees half a manifest.

Examples
--------
>>> manifest = Manifest("pipelines/x.yaml", "ab12...", "cd34...")
>>> record = manifest.record("AAPL")
>>> record.status = "done"
>>> manifest.save(tmp_path)  # doctest: +SKIP
>>> Manifest.load(tmp_path).summary_counts()["done"]  # doctest: +SKIP
1
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from forecaster.data.input_files import sha256_of as sha256_file
from forecaster.errors import ConfigError
from forecaster.output import atomic_write_text
from forecaster.pipeline.timestamps import utc_now

__all__ = ["JOB_STATUSES", "MANIFEST_NAME", "SERIES_STATUSES", "Manifest", "SeriesRecord",
           "sha256_file"]

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
SeriesStatus = Literal["pending", "running", "done", "failed", "skipped"]
SERIES_STATUSES: tuple[str, ...] = ("pending", "running", "done", "failed", "skipped")
JOB_STATUSES: tuple[str, ...] = ("running", "done", "failed", "interrupted")


@dataclass
class SeriesRecord:
    """One series of the job. `key` is the hash of the configuration and of the series' data:
    a `done` record with the current key is a result that can be reused."""

    series_id: str
    status: SeriesStatus = "pending"
    key: str = ""
    reason: str | None = None  # why it failed or was skipped, in one line
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    started: str | None = None  # ISO 8601, UTC
    finished: str | None = None
    run_dir: str | None = None
    attempts: int = 0
    mlflow_run_id: str | None = None  # the series' child run, once logged
    tracking_problem: str | None = None  # why it could not be logged (`forecaster track` later)

    def __post_init__(self) -> None:
        if self.status not in SERIES_STATUSES:
            raise ValueError(f"status must be one of {', '.join(SERIES_STATUSES)}, got "
                             f"{self.status!r} (series {self.series_id!r}).")


@dataclass
class Manifest:
    """The job: which pipeline file (and its bytes' SHA-256), which configuration, which input
    files (path -> SHA-256), when, how it ended, and a record per series."""

    pipeline_file: str
    pipeline_sha256: str
    config_hash: str
    inputs: dict[str, str] = field(default_factory=dict)
    started: str = field(default_factory=utc_now)
    finished: str | None = None
    status: str = "running"  # one of JOB_STATUSES
    series: dict[str, SeriesRecord] = field(default_factory=dict)
    mlflow_parent_run_id: str | None = None  # the job's MLflow run; a resumed job reuses it

    def __post_init__(self) -> None:
        if self.status not in JOB_STATUSES:
            raise ValueError(f"status must be one of {', '.join(JOB_STATUSES)}, got "
                             f"{self.status!r}.")

    def record(self, series_id: str) -> SeriesRecord:
        """The record of `series_id`, added as pending if the manifest has none yet."""
        if series_id not in self.series:
            self.series[series_id] = SeriesRecord(series_id)
        return self.series[series_id]

    def summary_counts(self) -> dict[str, int]:
        """How many series are in each status, every status present (zeros included)."""
        counts = dict.fromkeys(SERIES_STATUSES, 0)
        for record in self.series.values():
            counts[record.status] = counts.get(record.status, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["series"] = {key: asdict(record) for key, record in self.series.items()}
        return {"version": FORMAT_VERSION, **data}

    def save(self, directory: str | Path) -> Path:
        """Write `directory/manifest.json` atomically; return its path."""
        path = Path(directory) / MANIFEST_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, directory: str | Path) -> Manifest | None:
        """The manifest in `directory`, or None if there is none; `ConfigError` if unreadable."""
        path = Path(directory) / MANIFEST_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise _corrupt(path, str(exc)) from None
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise _corrupt(path, f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise _corrupt(path, str(exc)) from None

    @classmethod
    def from_dict(cls, data: Any) -> Manifest:
        """Rebuild from `to_dict()`'s output; TypeError/ValueError say what does not fit."""
        if not isinstance(data, dict):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        version = data.pop("version", None)
        if version != FORMAT_VERSION:
            raise ValueError(f"format version {version!r}; this forecaster reads version "
                             f"{FORMAT_VERSION}")
        _check_keys(cls, data, "the manifest")
        series = data.pop("series", {})
        if not isinstance(series, dict):
            raise TypeError(f"'series' must be an object, got {type(series).__name__}")
        records = {}
        for series_id, record in series.items():
            if not isinstance(record, dict):
                raise TypeError(f"series {series_id!r} must be an object")
            _check_keys(SeriesRecord, record, f"series {series_id!r}")
            records[series_id] = SeriesRecord(**record)
        return cls(**data, series=records)


def _check_keys(kind: type, data: dict[str, Any], what: str) -> None:
    required = {f.name for f in fields(kind)
                if f.default is MISSING and f.default_factory is MISSING}
    unknown = sorted(set(data) - {f.name for f in fields(kind)})
    missing = sorted(required - set(data))
    if unknown:
        raise ValueError(f"{what} has unknown keys: {', '.join(unknown)}")
    if missing:
        raise ValueError(f"{what} lacks keys: {', '.join(missing)}")


def _corrupt(path: Path, reason: str) -> ConfigError:
    return ConfigError(f"Manifest '{path}' cannot be read ({reason}). It records which series an "
                       f"earlier run of this pipeline finished; delete it to start the job "
                       f"afresh, or run again with --force.")
