"""Log a finished run directory to MLflow: the one path used right after training and later by
`forecaster track RUN_DIR`, so a run that could not be logged can always be logged afterwards.

This is, with `pyfunc_model.py` and `registry.py`, the only place that imports mlflow.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.errors import ConfigError, ForecasterError
from forecaster.tracking.uri import redact, resolve_tracking_uri

PYFUNC_CODE = Path(__file__).with_name("pyfunc_model.py")
_SKIP_ARTIFACTS = {"model"}


class TrackingError(ForecasterError):
    """The tracking server could not be reached or refused a call."""


@dataclass
class TrackedRun:
    run_id: str
    experiment: str
    tracking_uri: str  # redacted
    model_uri: str | None = None
    registered: tuple[str, str] | None = None  # (name, version)
    logged: list[str] = field(default_factory=list)
    step: str = "connecting"  # the step under way, or "done"


def _quiet_http() -> None:
    """Fail fast instead of retrying for minutes when a server is gone, and keep MLflow's own
    progress bars and info lines out of our output (user settings win)."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # holds the URI
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@contextmanager
def using_tracking_uri(uri: str) -> Iterator[None]:
    """Point mlflow's fluent API at `uri` for a block, then put back the previous URI and
    MLFLOW_TRACKING_URI (mlflow writes the URI, credentials and all, into the environment)."""
    import mlflow

    saved_env = os.environ.get("MLFLOW_TRACKING_URI")
    saved = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved)
        if saved_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env


def check_reachable(uri: str | None) -> str:
    """Resolve the URI and make one cheap call; raise TrackingError naming it and why."""
    resolved = resolve_tracking_uri(uri)
    _quiet_http()
    from mlflow.tracking import MlflowClient

    try:
        MlflowClient(tracking_uri=resolved).search_experiments(max_results=1)
    except Exception as exc:  # mlflow raises many types for one cause
        raise TrackingError(
            f"The MLflow tracking server at {redact(resolved)} cannot be reached "
            f"({_reason(exc)}). Start it, fix --tracking-uri / MLFLOW_TRACKING_URI, or pass "
            f"--no-tracking (or --tracking-optional to train anyway and log later with "
            f"`forecaster track RUN_DIR`)."
        ) from None
    return resolved


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text)[:300]


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif not isinstance(value, list):
        out[prefix] = value


def run_params(metrics: dict[str, Any]) -> dict[str, Any]:
    """The run's configuration, flattened: model.*, training.*, data settings."""
    params: dict[str, Any] = {}
    _flatten("model", metrics["model"], params)
    training = {k: v for k, v in metrics["training"].items()
                if k not in ("train_loss", "val_loss", "seconds", "seconds_per_epoch",
                             "epochs_run", "best_epoch", "stopped_early", "interrupted",
                             "repeatable")}
    _flatten("training", training, params)
    data = metrics["data"]
    for key in ("target", "frequency", "train_rows", "validation_rows", "test_rows"):
        params[f"data.{key}"] = data.get(key)
    params["data.features"] = ",".join(data.get("features", [])) or "none"
    params["evaluation.season"] = metrics.get("season")
    return params


def final_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """test_<metric> for the model, <baseline>_<metric> for each baseline, skill, run facts."""
    out: dict[str, float] = {}
    for name, values in metrics["metrics"].items():
        for metric, value in values.items():
            out[f"{'test' if name == 'model' else name}_{metric}"] = float(value)
    out["skill_vs_naive"] = float(metrics["skill_vs_naive"])
    training = metrics["training"]
    out["best_epoch"] = float(training["best_epoch"])
    out["fit_seconds"] = float(training["seconds"])
    return out


def run_tags(metrics: dict[str, Any], model_config: dict[str, Any]) -> dict[str, str]:
    data = metrics["data"]
    tags = {
        "data.file": str(data["source"]),
        "data.sha256": str(data.get("file_sha256") or ""),
        "data.fingerprint": str(data["fingerprint"]),
        "data.rows": str(data["rows"]),
        "data.first_date": str(data["first_date"]),
        "data.last_date": str(metrics["last_date"]),
        "data.target": str(data["target"]),
        "data.frequency": str(data.get("frequency")),
        "verdict": metrics["verdict"][:5000],
        "beats_naive": str(metrics["beats_naive"]).lower(),
        "forecaster.kind": "forecaster",
    }
    for package, version in model_config.get("versions", {}).items():
        tags[f"version.{package}"] = str(version)
    commit = _git_commit()
    if commit:
        tags["git.commit"] = commit
    return tags


def _git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def read_run_dir(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """metrics.json and model/config.json of a complete run directory."""
    metrics_file, config_file = run_dir / "metrics.json", run_dir / "model" / "config.json"
    for needed in (metrics_file, config_file):
        if not needed.is_file():
            raise ConfigError(f"'{run_dir}' is not a complete run directory: '{needed.name}' is "
                              f"missing. Pass a directory written by `forecaster train`.")
    return (json.loads(metrics_file.read_text(encoding="utf-8")),
            json.loads(config_file.read_text(encoding="utf-8")))


def log_run_directory(run_dir: Path, *, tracking_uri: str | None = None,
                      experiment: str | None = None, register: str | None = None,
                      run_name: str | None = None, run_id: str | None = None,
                      epochs_logged: bool = False) -> TrackedRun:
    """Log everything the run directory records into one MLflow run: a new one, or `run_id`
    (opened before training; `epochs_logged` when its per-epoch losses are already there).

    On a failure part-way, raises TrackingError naming what was logged and what was not.
    """
    run_dir = Path(run_dir)
    metrics, model_config = read_run_dir(run_dir)
    resolved = resolve_tracking_uri(tracking_uri)
    _quiet_http()
    data = metrics["data"]
    experiment = experiment or f"{Path(str(data['source'])).stem}-{data['target']}"
    tracked = TrackedRun(run_id="", experiment=experiment, tracking_uri=redact(resolved))
    try:
        with using_tracking_uri(resolved):
            _log_run(run_dir, metrics, model_config, register, run_name, tracked, run_id,
                     epochs_logged)
    except Exception as exc:
        done = ", ".join(tracked.logged) or "nothing"
        raise TrackingError(
            f"Logging to MLflow at {redact(resolved)} failed at the {tracked.step} "
            f"({_reason(exc)}). Logged before that: {done}. The run directory '{run_dir}' is "
            f"complete; log it later with: forecaster track {run_dir} --tracking-uri URI"
            + (f" --register {register}" if register else "") + "."
        ) from None
    return tracked


def _log_run(run_dir: Path, metrics: dict[str, Any], model_config: dict[str, Any],
             register: str | None, run_name: str | None, tracked: TrackedRun,
             run_id: str | None, epochs_logged: bool) -> None:
    """The logging calls in order; `tracked.step` names the one under way."""
    import mlflow

    def begin(step: str) -> None:
        if tracked.step != "connecting":
            tracked.logged.append(tracked.step)
        tracked.step = step

    run_id = run_id or os.environ.get("MLFLOW_RUN_ID")  # opened before, or by `mlflow run`
    if not run_id:
        mlflow.set_experiment(tracked.experiment)
    with mlflow.start_run(run_id=run_id, run_name=None if run_id else
                          (run_name or run_dir.name)) as run:
        tracked.run_id = run.info.run_id
        tracked.experiment = mlflow.get_experiment(run.info.experiment_id).name
        begin("parameters")
        mlflow.log_params(run_params(metrics))
        begin("tags")
        mlflow.set_tags(run_tags(metrics, model_config))
        if not epochs_logged:
            begin("per-epoch losses")
            _log_epochs(mlflow, metrics["training"])
        begin("final metrics")
        mlflow.log_metrics(final_metrics(metrics))
        begin("dataset")
        _log_dataset(mlflow, run_dir, metrics)
        begin("artefacts")
        for path in sorted(run_dir.iterdir()):
            if path.name not in _SKIP_ARTIFACTS:
                mlflow.log_artifact(str(path))
        begin("model")
        tracked.model_uri = _log_model(mlflow, run_dir, model_config)
    _retire_live_run(mlflow, metrics.get("mlflow_live_run_id"), tracked.run_id)
    if register:
        begin(f"registration as '{register}'")
        version = mlflow.register_model(tracked.model_uri, register)
        tracked.registered = (register, str(version.version))
    begin("done")


def _retire_live_run(mlflow: Any, live_run_id: str | None, run_id: str) -> None:
    """A run opened before training whose logging broke off is marked FAILED and pointed at the
    complete run that replaces it (best effort: it may live on another server)."""
    if not live_run_id or live_run_id == run_id:
        return
    client = mlflow.tracking.MlflowClient()
    with contextlib.suppress(Exception):
        client.set_tag(live_run_id, "forecaster.superseded_by", run_id)
        client.set_terminated(live_run_id, status="FAILED")


def _log_epochs(mlflow: Any, training: dict[str, Any]) -> None:
    from mlflow.entities import Metric

    timestamp = int(pd.Timestamp.now().timestamp() * 1000)
    entries = [Metric(name, float(value), timestamp, epoch)
               for name, values in (("train_loss", training.get("train_loss", [])),
                                    ("val_loss", training.get("val_loss", [])))
               for epoch, value in enumerate(values, start=1)]
    if entries:
        mlflow.tracking.MlflowClient().log_batch(mlflow.active_run().info.run_id,
                                                 metrics=entries)


def _log_dataset(mlflow: Any, run_dir: Path, metrics: dict[str, Any]) -> None:
    """The data as an MLflow input: the whole CSV when it is still there, else the tail."""
    data = metrics["data"]
    path = Path(str(data.get("path", "")))
    frame = (pd.read_csv(path) if path.is_file()
             else pd.read_csv(run_dir / "model" / "history_tail.csv"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = mlflow.data.from_pandas(frame, source=str(path), name=str(data["source"]),
                                          targets=str(data["target"]),
                                          digest=str(data["fingerprint"])[:32])
    mlflow.log_input(dataset, context="training")


def _log_model(mlflow: Any, run_dir: Path, model_config: dict[str, Any]) -> str:
    """The pyfunc model (models from code), with signature and an input example."""
    from mlflow.models import infer_signature

    from forecaster.tracking.pyfunc_model import MODEL_ARTIFACT

    example = pd.read_csv(run_dir / "model" / "history_tail.csv")
    horizon = int(model_config["params"]["horizon"])
    output = pd.DataFrame({"date": ["2000-01-01T00:00:00"] * horizon,
                           "step": list(range(1, horizon + 1)), "forecast": [0.0] * horizon})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = mlflow.pyfunc.log_model(
            name="model", python_model=str(PYFUNC_CODE),
            artifacts={MODEL_ARTIFACT: str(run_dir / "model")},
            signature=infer_signature(example, output), input_example=example,
            pip_requirements=_requirements())
    return info.model_uri


def _requirements() -> list[str]:
    from importlib.metadata import version

    import mlflow

    return [f"forecaster=={version('forecaster')}", f"mlflow=={mlflow.__version__}",
            f"torch=={version('torch').split('+')[0]}"]
