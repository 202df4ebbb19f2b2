"""Run a pipeline as a batch job: lock the output directory, work out which series need work,
run them (here, in worker processes or on Ray), record each result in the manifest as it comes,
log the series to MLflow as children of one job run, and say how it went in an exit code.

Safe to re-run: a series whose outputs carry the current key (configuration + data hash) is
skipped; a killed job resumes from the manifest, the finished run directories and the per-epoch
checkpoints. Nothing is reported done without its complete run directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.errors import ForecasterError
from forecaster.output import atomic_write_text
from forecaster.pipeline.events import EventLog
from forecaster.pipeline.lock import OutputLock
from forecaster.pipeline.manifest import Manifest, SeriesRecord, sha256_file
from forecaster.pipeline.series import (
    SeriesSpec,
    expand_series,
    future_digest,
    future_rows_of,
    load_series_of,
    static_digest,
    static_values_of,
)
from forecaster.pipeline.timestamps import utc_now
from forecaster.pipeline.work import JobInterrupted, SeriesOutcome, SeriesTask
from forecaster.tracking.lifecycle import tracked_run
from forecaster.training.signals import EXIT_SIGNAL

EXIT_DONE = 0
EXIT_SOME_FAILED = 3  # some series failed or could not be logged; the others are complete
EXIT_LOCKED = 4  # another run holds the output directory

SERIES_DIR = "series"
WORK_DIR = ".work"  # checkpoints of unfinished series
FORECASTS = "forecasts.csv"


@dataclass
class JobResult:
    output_dir: Path
    manifest: Manifest
    exit_code: int
    failed: dict[str, str] = field(default_factory=dict)  # series -> reason
    not_tracked: dict[str, str] = field(default_factory=dict)
    interrupted_by: str | None = None
    parent_run_id: str | None = None


@dataclass
class _Planned:
    spec: SeriesSpec
    key: str
    run_dir: Path


def run_job(pipeline: Any, *, force: bool = False, workers: int | None = None,
            executor: str | None = None, ray_address: str | None = None,
            tracking: bool = True, events: EventLog | None = None) -> JobResult:
    """Run `pipeline` (a validated Pipeline); `workers`, `executor`, `ray_address` override the
    file's execution section; `tracking=False` skips MLflow whatever the file says."""
    events = events or EventLog()
    out = pipeline.output_dir
    execution = pipeline.execution
    workers = workers or execution.workers
    executor = executor or execution.executor
    ray_address = ray_address or execution.ray_address
    specs = expand_series(pipeline)  # refuses colliding ids before touching the output
    with OutputLock(out) as lock, _signals_stop_the_job(), contextlib.ExitStack() as stack:
        if lock.note:
            events.emit("stale_lock_cleared", note=lock.note)
        removed = _remove_partial_outputs(out)
        if removed:
            events.emit("leftovers_removed", paths=[str(path) for path in removed])
        previous = None if force else Manifest.load(out)  # corrupt: says use --force
        manifest = Manifest(str(pipeline.source_file), pipeline.source_sha256,
                            pipeline.config_hash(),
                            {str(path): sha256_file(path) for path in _inputs(pipeline)})
        events.emit("job_started", pipeline=str(pipeline.source_file), name=pipeline.name,
                    series=len(specs), output=str(out), workers=workers, executor=executor,
                    force=force)
        tracker = stack.enter_context(tracked_run(  # an error from here on: parent FAILED
            _Tracker.start(pipeline, manifest, previous, events) if (
                tracking and pipeline.tracking.enabled) else None))
        result = JobResult(out, manifest, EXIT_DONE,
                           parent_run_id=tracker.parent if tracker else None)
        todo = _plan(pipeline, specs, manifest, previous, out, force, events, result, tracker)
        manifest.save(out)
        tasks = [_task(pipeline, planned, out, workers, events) for planned in todo]
        by_id = {planned.spec.series_id: planned for planned in todo}
        try:
            def started(task: SeriesTask) -> None:
                _started(manifest, out, task, events)

            outcomes = (_execute_global(tasks, out, started) if _is_global(pipeline) else
                        _execute(tasks, workers, executor, ray_address, started,
                                 lock.add_workers))
            for outcome in outcomes:
                _record(manifest, by_id[outcome.series_id], outcome, events, result)
                if tracker and outcome.status == "done":
                    tracker.log_series(manifest.series[outcome.series_id], result)
                manifest.save(out)
        except JobInterrupted as stop:
            result.interrupted_by = str(stop)
            for record in manifest.series.values():
                if record.status == "running":
                    record.status, record.reason = "pending", f"interrupted by {stop}"
            manifest.status = "interrupted"
        _write_forecasts(out, manifest)
        manifest.finished = utc_now()
        if not result.interrupted_by:
            manifest.status = "failed" if result.failed else "done"
        manifest.save(out)
        if tracker:
            tracker.finish(manifest, out, result)
        manifest.save(out)
    result.exit_code = (EXIT_SIGNAL[getattr(signal, result.interrupted_by)]
                        if result.interrupted_by else
                        EXIT_SOME_FAILED if result.failed or result.not_tracked else EXIT_DONE)
    events.emit("job_finished", status=manifest.status, exit_code=result.exit_code,
                **manifest.summary_counts())
    return result


# ------------------------------------------------------------------ planning


def _inputs(pipeline: Any) -> list[Path]:
    files = list(pipeline.input_files())
    test_path = getattr(pipeline.data, "test_path", None)
    return files + ([Path(test_path)] if test_path is not None else [])


def _series_key(pipeline: Any, spec: SeriesSpec) -> str:
    """Configuration hash + the series' own data: a change to either redoes the series."""
    if pipeline.task == "classify":
        data = "".join(sha256_file(path) for path in _inputs(pipeline))
    else:  # the future rows too: new values for the forecast dates give a new forecast
        data = (load_series_of(spec, pipeline).fingerprint()
                + future_digest(future_rows_of(spec, pipeline))
                + static_digest(static_values_of(spec, pipeline)))
    return hashlib.sha256(f"{pipeline.config_hash()}:{spec.series_id}:{data}".encode()
                          ).hexdigest()


def _finished_key(run_dir: Path) -> str | None:
    """The key recorded in a complete run directory (None when there is none)."""
    import json

    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return metrics.get("pipeline", {}).get("key")


def _plan(pipeline: Any, specs: list[SeriesSpec], manifest: Manifest,
          previous: Manifest | None, out: Path, force: bool, events: EventLog,
          result: JobResult, tracker: _Tracker | None) -> list[_Planned]:
    """Which series to run; the others are recorded as skipped (done before) or failed
    (their data cannot be read)."""
    keys: dict[str, str] = {}
    for spec in specs:
        record = manifest.record(spec.series_id)
        before = previous.series.get(spec.series_id) if previous else None
        record.attempts = before.attempts if before else 0
        try:
            keys[spec.series_id] = _series_key(pipeline, spec)
        except ForecasterError as exc:
            _fail(record, " ".join(str(exc).split()), events, result)
    if _is_global(pipeline) and keys:  # one model: any change to any series redoes them all
        joined = hashlib.sha256(":".join(keys[k] for k in sorted(keys)).encode()).hexdigest()
        keys = dict.fromkeys(keys, joined)
    todo: list[_Planned] = []
    done_before: list[_Planned] = []
    for spec in specs:
        if spec.series_id not in keys:
            continue
        record = manifest.series[spec.series_id]
        before = previous.series.get(spec.series_id) if previous else None
        key, run_dir = keys[spec.series_id], out / SERIES_DIR / spec.slug
        record.key, record.run_dir = key, str(run_dir)
        if not force and _finished_key(run_dir) == key:
            done_before.append(_Planned(spec, key, run_dir))
            _carry_over(record, before)
            record.status = "skipped"
            record.reason = "done before with the same configuration and data"
            events.emit("series_skipped", series=spec.series_id, reason=record.reason)
            if tracker and not record.mlflow_run_id:
                tracker.log_series(record, result)  # its logging failed last time
            continue
        todo.append(_Planned(spec, key, run_dir))
    if _is_global(pipeline) and todo and done_before:  # cannot happen unless files were
        todo = done_before + todo                      # removed by hand: retrain them all
    return todo


def _is_global(pipeline: Any) -> bool:
    return pipeline.task == "forecast" and pipeline.mode == "global"


def _carry_over(record: SeriesRecord, before: SeriesRecord | None) -> None:
    if before is None:
        return
    record.metrics, record.seconds = before.metrics, before.seconds
    record.started, record.finished = before.started, before.finished
    record.mlflow_run_id = before.mlflow_run_id


def _task(pipeline: Any, planned: _Planned, out: Path, workers: int,
          events: EventLog) -> SeriesTask:
    from forecaster.pipeline.executors import threads_per_worker

    progress = "auto" if workers == 1 and not events.json else "off"
    return SeriesTask(pipeline, planned.spec, planned.key, planned.run_dir,
                      out / WORK_DIR / planned.spec.slug / "checkpoint.pt",
                      threads=threads_per_worker(workers) if workers > 1 else None,
                      progress=progress)


def _remove_partial_outputs(out: Path) -> list[Path]:
    """What killed writes left behind (never complete results), cleared under the job's lock
    once no worker of an earlier job runs: temporary and moved-aside run directories in
    series/, temporary manifest/forecasts files in the output folder, temporary checkpoints
    in .work/<series>/, and lock files a killed job was about to link (after a minute, so as
    not to race a job starting now)."""
    from forecaster.output import remove_leftovers

    folders = [out, out / SERIES_DIR]
    work = out / WORK_DIR
    if work.is_dir() and not work.is_symlink():
        folders += [entry for entry in work.iterdir()
                    if entry.is_dir() and not entry.is_symlink()]
    removed = [path for folder in folders for path in remove_leftovers(folder)]
    for leftover in out.glob(".lock.new-*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - leftover.lstat().st_mtime > 60:
                leftover.unlink()
                removed.append(leftover)
    return removed


# ------------------------------------------------------------------ running


def _execute(tasks: list[SeriesTask], workers: int, executor: str, ray_address: str | None,
             started: Any, spawned: Any) -> Iterator[SeriesOutcome]:
    from forecaster.pipeline import executors

    if not tasks:
        return iter(())
    if executor == "ray":
        return executors.run_on_ray(tasks, workers, ray_address, started)
    if workers > 1 and len(tasks) > 1:
        return executors.run_in_workers(tasks, min(workers, len(tasks)), started, spawned)
    return executors.run_in_process(tasks, started)


def _execute_global(tasks: list[SeriesTask], out: Path, started: Any
                    ) -> Iterator[SeriesOutcome]:
    """One model for all series, trained here on one device (its checkpoint under .work)."""
    from forecaster.pipeline.work import run_global

    if not tasks:
        return iter(())
    for task in tasks:
        started(task)
    return iter(run_global(tasks, out / WORK_DIR / "_global" / "checkpoint.pt", tasks[0].key))


def _started(manifest: Manifest, out: Path, task: SeriesTask, events: EventLog) -> None:
    record = manifest.series[task.spec.series_id]
    record.status, record.started, record.reason = "running", utc_now(), None
    record.attempts += 1
    manifest.save(out)
    events.emit("series_started", series=task.spec.series_id, attempt=record.attempts)


def _record(manifest: Manifest, planned: _Planned, outcome: SeriesOutcome, events: EventLog,
            result: JobResult) -> None:
    record = manifest.series[outcome.series_id]
    record.seconds, record.finished = round(outcome.seconds, 3), utc_now()
    if outcome.status == "done" and _finished_key(planned.run_dir) == planned.key:
        record.status, record.metrics, record.reason = "done", outcome.metrics, None
        record.mlflow_run_id = record.tracking_problem = None
        events.emit("series_done", series=outcome.series_id, seconds=record.seconds,
                    resumed_from_epoch=outcome.resumed_from_epoch, **outcome.metrics)
        return
    reason = outcome.reason or "its run directory is missing after training"
    _fail(record, reason, events, result)


def _fail(record: SeriesRecord, reason: str, events: EventLog, result: JobResult) -> None:
    record.status, record.reason = "failed", reason
    result.failed[record.series_id] = reason
    events.emit("series_failed", series=record.series_id, reason=reason)


@contextlib.contextmanager
def _signals_stop_the_job() -> Iterator[None]:
    """SIGTERM and Ctrl-C end the job cleanly: running series go back to pending (their
    checkpoints stay), the manifest says interrupted, the lock is released."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        raise JobInterrupted(signal.Signals(signum).name)

    saved = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _write_forecasts(out: Path, manifest: Manifest) -> None:
    """forecasts.csv: every finished series' next values in one table (what a nightly job
    publishes), rewritten whole and atomically."""
    frames = []
    for record in manifest.series.values():
        path = Path(record.run_dir or "") / "forecast.csv"
        if record.status in ("done", "skipped") and path.is_file():
            frames.append(pd.read_csv(path).assign(series=record.series_id))
    if not frames:
        return
    table = pd.concat(frames, ignore_index=True)
    table = table[["series", *[c for c in table.columns if c != "series"]]]
    atomic_write_text(out / FORECASTS, table.to_csv(index=False))


# ------------------------------------------------------------------ tracking


@dataclass
class _Tracker:
    """The job's MLflow side: one parent run, a child run per finished series."""

    uri: str
    experiment: str
    parent: str
    register: str | None
    job_name: str
    events: EventLog
    closed: bool = False

    @classmethod
    def start(cls, pipeline: Any, manifest: Manifest, previous: Manifest | None,
              events: EventLog) -> _Tracker:
        from forecaster.tracking.jobs import open_job_run
        from forecaster.tracking.mlflow_run import check_reachable
        from forecaster.tracking.records import flatten

        settings = pipeline.tracking
        uri = check_reachable(settings.uri)
        experiment = settings.experiment or pipeline.name
        resume = os.environ.get("MLFLOW_RUN_ID") or (  # under `mlflow run`: its run
            previous.mlflow_parent_run_id if previous is not None
            and previous.status != "done" else None)
        params = {key: value for key, value in flatten(pipeline.to_dict()).items()
                  if not key.startswith(("output.", "execution.", "tracking."))}
        parent = open_job_run(uri, experiment, f"{pipeline.name} {utc_now()}",
                              {"forecaster.job": pipeline.name,
                               "forecaster.pipeline_file": str(pipeline.source_file),
                               "forecaster.config_hash": manifest.config_hash,
                               "forecaster.kind": "job"}, params, resume)
        manifest.mlflow_parent_run_id = parent
        events.emit("tracking", parent_run_id=parent, experiment=experiment)
        return cls(uri, experiment, parent, settings.register, pipeline.name, events)

    def log_series(self, record: SeriesRecord, result: JobResult) -> None:
        from forecaster.tracking.mlflow_run import TrackingError, log_run_directory

        register = None
        if self.register:
            register = self.register if record.series_id == self.job_name else \
                f"{self.register}-{Path(record.run_dir or '').name}"
        try:
            tracked = log_run_directory(
                Path(record.run_dir or ""), tracking_uri=self.uri, experiment=self.experiment,
                register=register, run_name=record.series_id, parent_run_id=self.parent,
                tags={"forecaster.job": self.job_name, "forecaster.series": record.series_id})
        except TrackingError as exc:
            record.tracking_problem = str(exc)
            result.not_tracked[record.series_id] = str(exc)
            self.events.emit("tracking_failed", series=record.series_id, reason=str(exc))
            return
        record.mlflow_run_id, record.tracking_problem = tracked.run_id, None

    def finish(self, manifest: Manifest, out: Path, result: JobResult) -> None:
        from forecaster.tracking.jobs import close_job_run

        self.closed = True
        counts = manifest.summary_counts()
        status = ("KILLED" if result.interrupted_by else
                  "FAILED" if result.failed else "FINISHED")
        problem = close_job_run(self.uri, self.parent, status,
                                {f"series_{name}": count for name, count in counts.items()},
                                [out / "manifest.json", out / FORECASTS])
        if problem:
            result.not_tracked["job"] = problem
            self.events.emit("tracking_failed", series=None, reason=problem)

    def fail(self) -> None:
        """The job ended by an error before `finish`: its parent run is FAILED, not left
        RUNNING (best effort, see `tracked_run`)."""
        if not self.closed:
            from forecaster.tracking.jobs import close_job_run

            self.closed = True
            close_job_run(self.uri, self.parent, "FAILED", {}, [])
