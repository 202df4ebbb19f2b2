"""The tracked-run lifecycle, once: open the MLflow run before the work, mark it FAILED if
anything goes wrong (training, writing, logging the run directory, a bug) or KILLED if Ctrl-C or
SIGTERM stops it, log the finished run directory into it (KILLED too when training was stopped
early by one), and say whether the run is fully in MLflow (exit code 3 if not).

`tracked_run` is the one context manager; `forecaster train`, `forecaster classify train` and
the batch job's parent run all go through it. No mlflow import at module level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from forecaster.errors import ForecasterError

EXIT_NOT_TRACKED = 3  # the run finished and is complete on disk, but is not (fully) in MLflow


class Lifecycle(Protocol):
    """What `tracked_run` drives: a run that can be marked failed (and opened, see below)."""

    def fail(self) -> None: ...


L = TypeVar("L", bound=Lifecycle)


@contextmanager
def tracked_run(run: L | None, run_name: str | None = None) -> Iterator[L | None]:
    """Open `run` with `run.start(run_name)` (when a name is given: a run opened already, like
    a batch job's parent run, passes none), yield it, and mark it failed if the block raises
    anything at all, before the error goes on; killed, where `run` can be, if Ctrl-C or SIGTERM
    (`training.signals`) stopped it. `None` (tracking off) passes through."""
    if run is not None and run_name is not None:
        run.start(run_name)  # type: ignore[attr-defined]
    try:
        yield run
    except KeyboardInterrupt:
        if run is not None:
            getattr(run, "kill", run.fail)()
        raise
    except BaseException:
        if run is not None:
            run.fail()
        raise


@dataclass
class RunTracking:
    """The MLflow side of one training command: the live reporter (None when tracking is off),
    then what logging the finished run directory gave (`tracked`) or why it failed
    (`problem`)."""

    reporter: Any = None  # forecaster.tracking.live.MlflowReporter
    encoding: str | None = None  # of the data file, so that `forecaster track` reads it alike
    tracked: Any = None  # forecaster.tracking.mlflow_run.TrackedRun
    problem: str | None = None

    def start(self, run_name: str) -> None:
        if self.reporter is not None:
            self.reporter.start(run_name)

    def fail(self) -> None:
        if self.reporter is not None:
            self.reporter.fail()

    def kill(self) -> None:
        """Close the live run as KILLED: a signal stopped the command before it had a run to
        log (best effort, as `fail`)."""
        run_id = getattr(self.reporter, "run_id", None)
        if run_id is not None and getattr(self.reporter, "live_problem", None) is None:
            _mark_killed(self.reporter.uri, run_id, ("RUNNING",))

    def facts(self) -> dict[str, str]:
        """Recorded in metrics.json: the live run (so that `forecaster track` can retire a
        half-logged one) and the data's text encoding."""
        from forecaster.tracking.records import ENCODING_KEY

        run_id = getattr(self.reporter, "run_id", None)
        return {**({"mlflow_live_run_id": run_id} if run_id else {}),
                **({ENCODING_KEY: self.encoding} if self.encoding else {})}

    def finish(self, run_dir: Path, interrupted: bool = False) -> None:
        """Log the finished run directory. A user-fixable failure (server gone, run directory
        changed) becomes `problem`; the run is marked FAILED on any failure. `interrupted`:
        Ctrl-C or SIGTERM ended training early (the run holds the best model so far), so the
        logged run is closed as KILLED, not FINISHED."""
        if self.reporter is None:
            return
        try:
            self.tracked = self.reporter.finish(run_dir)
        except ForecasterError as exc:
            self.problem = str(exc)
            return
        if interrupted and self.tracked is not None:
            _mark_killed(self.reporter.uri, self.tracked.run_id, ("RUNNING", "FINISHED"))

    def summary(self) -> dict[str, Any] | None:
        """The `mlflow` part of a command's JSON summary."""
        if self.tracked is None:
            return None
        return {"tracking_uri": self.tracked.tracking_uri, "experiment": self.tracked.experiment,
                "run_id": self.tracked.run_id, "model_uri": self.tracked.model_uri,
                "registered": self.tracked.registered}

    @property
    def exit_code(self) -> int:
        return EXIT_NOT_TRACKED if self.problem else 0


def _mark_killed(tracking_uri: str | None, run_id: str, statuses: tuple[str, ...]) -> None:
    """Set the run's status to KILLED if it is one of `statuses` (never over FAILED). Best
    effort: the server may be gone, and the command is stopping anyway."""
    import contextlib

    from mlflow.tracking import MlflowClient

    with contextlib.suppress(Exception):
        client = MlflowClient(tracking_uri=tracking_uri)
        if client.get_run(run_id).info.status in statuses:
            client.set_terminated(run_id, status="KILLED")


def open_tracking(tracking_uri: str | None, experiment: str, register: str | None, *,
                  enabled: bool = True, optional: bool = False, encoding: str | None = None,
                  warn: Callable[[str], None] = print) -> RunTracking:
    """A RunTracking whose reporter has checked the server; without one when tracking is off,
    or (with a warning) when the server cannot be reached and `optional` is set."""
    from forecaster.tracking.live import MlflowReporter
    from forecaster.tracking.mlflow_run import TrackingError

    if not enabled:
        return RunTracking(encoding=encoding)
    try:
        return RunTracking(MlflowReporter(tracking_uri, experiment, register), encoding)
    except TrackingError as exc:
        if not optional:
            raise
        warn(f"Warning: {exc} Training without tracking (--tracking-optional).")
        return RunTracking(encoding=encoding)
