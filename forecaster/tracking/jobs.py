"""The MLflow parent run of a batch job: every series' run is logged as its child, so the job
reads as one row in the MLflow UI that unfolds into its series."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from forecaster.tracking.mlflow_run import TrackingError, _quiet_http, reason
from forecaster.tracking.uri import redact


def _client(uri: str) -> Any:
    _quiet_http()
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def open_job_run(uri: str, experiment: str, run_name: str, tags: dict[str, str],
                 params: dict[str, Any], resume_run_id: str | None = None) -> str:
    """A new parent run, or `resume_run_id` set running again (a job resumed after a kill
    keeps one parent run). Raises TrackingError naming the server."""
    client = _client(uri)
    try:
        if resume_run_id:
            with contextlib.suppress(Exception):  # deleted or on another server: start anew
                client.update_run(resume_run_id, status="RUNNING")
                return resume_run_id
        found = client.get_experiment_by_name(experiment)
        experiment_id = (found.experiment_id if found is not None
                         else client.create_experiment(experiment))
        run = client.create_run(experiment_id, run_name=run_name, tags=tags)
        from mlflow.entities import Param

        client.log_batch(run.info.run_id, params=[Param(key, str(value)[:6000])
                                                  for key, value in params.items()])
        return run.info.run_id
    except Exception as exc:
        raise TrackingError(f"Could not open the job's MLflow run at {redact(uri)} "
                            f"({reason(exc, uri)}).") from None


def close_job_run(uri: str, run_id: str, status: str, metrics: dict[str, float],
                  artifacts: list[Path]) -> str | None:
    """Final counts, the manifest, and the run's end state; returns a problem or None."""
    client = _client(uri)
    try:
        for name, value in metrics.items():
            client.log_metric(run_id, name, float(value))
        for path in artifacts:
            if path.is_file():
                client.log_artifact(run_id, str(path))
        client.set_terminated(run_id, status=status)
    except Exception as exc:
        return f"closing the job's MLflow run failed ({reason(exc, uri)})"
    return None
