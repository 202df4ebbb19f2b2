"""`MlflowReporter`: the MLflow side of `RunReporter`. The run opens before training so the
losses can be followed live; the finished run directory is then logged into the same run.

If the server goes away mid-run, training is never slowed or stopped: the first failed call
switches live logging off, and `finish` says what could not be logged and how to log it later.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from forecaster.tracking.mlflow_run import (
    TrackedRun,
    TrackingError,
    _quiet_http,
    check_reachable,
    log_run_directory,
    reason,
)
from forecaster.training.reporting import RunReporter


class MlflowReporter(RunReporter):
    """Live per-epoch metrics plus the full run record, in one MLflow run."""

    def __init__(self, tracking_uri: str | None, experiment: str,
                 register: str | None = None) -> None:
        self.uri = check_reachable(tracking_uri)  # fails before training, naming the URI
        self.experiment = experiment
        self.register = register
        self.run_id: str | None = None
        self.live_problem: str | None = None
        self._client = None

    def start(self, run_name: str) -> None:
        _quiet_http()
        from mlflow.tracking import MlflowClient

        self._client = MlflowClient(tracking_uri=self.uri)
        try:
            project_run = os.environ.get("MLFLOW_RUN_ID")  # inside `mlflow run`: use its run
            if project_run:
                self.run_id = project_run
                return
            found = self._client.get_experiment_by_name(self.experiment)
            experiment_id = (found.experiment_id if found is not None
                             else self._client.create_experiment(self.experiment))
            self.run_id = self._client.create_run(experiment_id, run_name=run_name).info.run_id
        except Exception as exc:
            self.live_problem = f"opening the run ({reason(exc, self.uri)})"

    def epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        if self.run_id is None or self.live_problem is not None:
            return
        from mlflow.entities import Metric

        stamp = _now_ms()
        try:
            self._client.log_batch(self.run_id, metrics=[
                Metric(name, float(value), stamp, epoch) for name, value in metrics.items()])
        except Exception as exc:
            self.live_problem = (f"the losses of epoch {epoch} onwards "
                                 f"({reason(exc, self.uri)})")

    def finish(self, run_dir: Path) -> TrackedRun:
        """Log the run directory into the live run. On any error the run is marked FAILED
        (never left RUNNING), then the error goes on."""
        try:
            return log_run_directory(
                run_dir, tracking_uri=self.uri, experiment=self.experiment,
                register=self.register, run_id=self.run_id,
                epochs_logged=self.run_id is not None and self.live_problem is None)
        except TrackingError as exc:
            self.fail()
            live = f" Live logging had already failed at {self.live_problem}." \
                if self.live_problem else ""
            raise TrackingError(f"{exc}{live}") from None
        except BaseException:
            self.fail()
            raise

    def fail(self) -> None:
        """Mark the live run FAILED if it is still RUNNING (a run that finished and only its
        registration failed stays FINISHED). Best effort: the server may be why we fail."""
        if self.run_id is None or self._client is None or self.live_problem is not None:
            return
        with contextlib.suppress(Exception):
            if self._client.get_run(self.run_id).info.status == "RUNNING":
                self._client.set_terminated(self.run_id, status="FAILED")


def _now_ms() -> int:
    return int(time.time() * 1000)
