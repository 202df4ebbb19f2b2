"""`forecaster track` and `forecaster models register`: a run directory goes into MLflow once.

A run directory that is already in the store, complete (the run opened while it trained, or a
run an earlier `forecaster track` logged; holding its model, which is logged last, and FINISHED,
or KILLED when Ctrl-C or SIGTERM ended training early), is not logged again: it is named, and
registered if asked. A half-logged run (no model: RUNNING, FAILED or KILLED before its logging
ended) is replaced by a complete new run and retired (`mlflow_run._retire_live_run`), never a
complete one: that may be the source of a registered model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forecaster.tracking.mlflow_run import (
    TrackedRun,
    TrackingError,
    _quiet_http,
    log_run_directory,
    reason,
    register_model,
    using_tracking_uri,
)
from forecaster.tracking.records import RUN_DIGEST_TAG, read_run_dir, run_digest
from forecaster.tracking.uri import redact, resolve_tracking_uri

_MISSING = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")
_EXPERIMENTS_PER_SEARCH = 100
COMPLETE = ("FINISHED", "KILLED")  # with its model: logged to the end (KILLED: stopped early)


def track_run_directory(run_dir: Path, *, tracking_uri: str | None = None,
                        experiment: str | None = None,
                        register: str | None = None) -> TrackedRun:
    """The run directory's complete run in the store at `tracking_uri` (`already_logged`), or a
    new one logged now; its model registered as a version of `register` when given."""
    run_dir = Path(run_dir)
    metrics, _, _ = read_run_dir(run_dir)  # a broken run directory is refused first (exit 2)
    live_run_id = metrics.get("mlflow_live_run_id")
    digest = run_digest(run_dir)
    resolved = resolve_tracking_uri(tracking_uri)
    _quiet_http()
    from mlflow.tracking import MlflowClient

    step = "search for the run in MLflow"
    try:
        with using_tracking_uri(resolved):
            client = MlflowClient()
            found = logged_copy(client, live_run_id if isinstance(live_run_id, str) else None,
                                digest)
            if found is not None:
                run, model_uri = found
                tracked = TrackedRun(
                    run_id=run.info.run_id, tracking_uri=redact(resolved),
                    experiment=client.get_experiment(run.info.experiment_id).name,
                    model_uri=model_uri, step="done", already_logged=True,
                    status=run.info.status)
                if register:
                    step = f"registration as '{register}'"
                    tracked.registered = register_model(model_uri, register, run.info.run_id)
                return tracked
    except Exception as exc:  # mlflow raises many types for one cause; all become this error
        raise TrackingError(f"MLflow at {redact(resolved)} failed at the {step} "
                            f"({reason(exc, resolved)}); nothing was logged.") from None
    return log_run_directory(run_dir, tracking_uri=resolved, experiment=experiment,
                             register=register)


def logged_copy(client: Any, live_run_id: str | None, digest: str
                ) -> tuple[Any, str] | None:
    """(run, model URI) of a complete run holding this run directory: the run opened while it
    trained, else a run tagged with its digest. None if there is none."""
    candidates = []
    if live_run_id:
        live = _run_or_none(client, live_run_id)
        if live is not None:
            candidates.append(live)
    experiments = [e.experiment_id for e in client.search_experiments()]
    for start in range(0, len(experiments), _EXPERIMENTS_PER_SEARCH):
        candidates += client.search_runs(
            experiments[start:start + _EXPERIMENTS_PER_SEARCH],
            filter_string=f"tags.`{RUN_DIGEST_TAG}` = '{digest}'", max_results=10)
    for run in candidates:
        models = run.outputs.model_outputs if run.outputs else []
        if run.info.status in COMPLETE and run.info.lifecycle_stage == "active" and models:
            return run, f"models:/{models[0].model_id}"
    return None


def _run_or_none(client: Any, run_id: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_run(run_id)
    except MlflowException as exc:  # not in this store (it was logged elsewhere, or deleted)
        if getattr(exc, "error_code", "") in _MISSING:
            return None
        raise
