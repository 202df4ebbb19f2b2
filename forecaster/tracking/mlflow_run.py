"""Log a finished run directory to MLflow: the one path used right after training and later by
`forecaster track RUN_DIR`, so a run that could not be logged can always be logged afterwards.

This is, with `pyfunc_model.py` and `registry.py`, the only place that imports mlflow.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.errors import ForecasterError
from forecaster.tracking.records import (
    MODEL_ARTIFACT,
    DatasetInput,
    RunRecord,
    build_record,
)
from forecaster.tracking.run_files import RunFiles, run_files, staged_model
from forecaster.tracking.uri import first_line, redact, resolve_tracking_uri, scrub


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
    left_out: list[str] = field(default_factory=list)  # files in the run dir not uploaded (why)
    notes: list[str] = field(default_factory=list)  # what the logged run lacks (why)
    already_logged: bool = False  # the run directory was in MLflow already: nothing logged
    status: str | None = None  # of the run found, when `already_logged`


def _quiet_http() -> None:
    """Fail fast instead of retrying for minutes when a server is gone, keep MLflow's own
    progress bars and info lines out of our output (user settings win), and scrub any URI
    MLflow's log lines quote."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # holds the URI
    import mlflow  # noqa: F401  (it sets up its log handlers on import: filter those)

    for name in ("mlflow", "alembic"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)  # its INFO lines ("Creating initial MLflow database
        for handler in logger.handlers:   # tables...") stay off the terminal
            if not any(isinstance(f, _ScrubLog) for f in handler.filters):
                handler.addFilter(_ScrubLog())
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        # MLflow's and its store's deprecation notices are about MLflow's internals, not
        # something a user of forecaster can act on
        warnings.filterwarnings("ignore", category=category, module=_MLFLOW_MODULES)


_MLFLOW_MODULES = r"(mlflow|sqlalchemy|alembic|forecaster\.tracking)(\.|$)"
LOG = logging.getLogger("forecaster.mlflow")  # what MLflow prints itself, kept off the terminal


@contextmanager
def mlflow_prints_logged() -> Iterator[None]:
    """MLflow `eprint`s some lines straight to stderr ("Successfully registered model 'x'.",
    "Created version '1' of model 'x'."): inside this block they go to the `forecaster.mlflow`
    log at INFO instead, since our own message says the same."""
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stderr(buffer):
            yield
    finally:
        for line in buffer.getvalue().splitlines():
            if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line):  # a real problem: shown
                sys.stderr.write(scrub(line) + "\n")
            elif line.strip():
                LOG.info("%s", scrub(line))


class _ScrubLog(logging.Filter):
    """Log records leave with their text scrubbed (handler filters see every logger's records,
    logger filters only their own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        return True


@contextmanager
def using_tracking_uri(uri: str) -> Iterator[None]:
    """Point mlflow's fluent API at `uri` for a block, then put back the previous URI, the
    active experiment and the variables mlflow exports (MLFLOW_TRACKING_URI holds credentials
    and all; a stale MLFLOW_EXPERIMENT_ID would make the next run in this process refuse a run
    of another experiment)."""
    import mlflow
    from mlflow.tracking import fluent

    saved_env = {key: os.environ.get(key) for key in ("MLFLOW_TRACKING_URI",
                                                      "MLFLOW_EXPERIMENT_ID")}
    saved = mlflow.get_tracking_uri()
    saved_experiment = fluent._active_experiment_id
    mlflow.set_tracking_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved)
        fluent._active_experiment_id = saved_experiment
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


RUN_ADVICE = ("Start it, fix --tracking-uri / MLFLOW_TRACKING_URI, or pass --no-tracking (or "
              "--tracking-optional to train anyway and log later with `forecaster track "
              "RUN_DIR`).")
SERVER_ADVICE = "Start it, or fix --tracking-uri / MLFLOW_TRACKING_URI."


def check_reachable(uri: str | None, advice: str = RUN_ADVICE) -> str:
    """Resolve the URI and make one cheap call; raise TrackingError naming it (redacted), why,
    and what to do."""
    resolved = resolve_tracking_uri(uri)
    _quiet_http()
    from mlflow.tracking import MlflowClient

    try:
        MlflowClient(tracking_uri=resolved).search_experiments(max_results=1)
    except Exception as exc:  # mlflow raises many types for one cause; all become this error
        raise TrackingError(f"The MLflow tracking server at {redact(resolved)} cannot be "
                            f"reached ({reason(exc, resolved)}). {advice}") from None
    return resolved


_CAUSES = (("connection refused", "connection refused"),
           ("name or service not known", "host name not found"),
           ("nodename nor servname", "host name not found"),
           ("temporary failure in name resolution", "host name not found"),
           ("timed out", "timed out"),
           ("certificate verify failed", "its TLS certificate is not trusted"))


def reason(exc: BaseException, uri: str | None = None) -> str:
    """Why a call to MLflow failed, short and scrubbed of secrets: a known network cause, the
    HTTP status, or the first line of the message."""
    text = str(exc)
    lowered = text.lower()
    for needle, cause in _CAUSES:
        if needle in lowered:
            return cause
    status = re.search(r"error code (\d{3})", text)
    if status:
        return f"HTTP {status.group(1)}" + (" - check the credentials"
                                            if status.group(1) in ("401", "403") else "")
    return first_line(exc, uri)


def log_run_directory(run_dir: Path, *, tracking_uri: str | None = None,
                      experiment: str | None = None, register: str | None = None,
                      run_name: str | None = None, run_id: str | None = None,
                      epochs_logged: bool = False, parent_run_id: str | None = None,
                      tags: dict[str, str] | None = None) -> TrackedRun:
    """Log everything the run directory records into one MLflow run: a new one (a child of
    `parent_run_id` when given), or `run_id` (opened before training; `epochs_logged` when its
    per-epoch metrics are already there). Forecasting and classification runs alike.

    On a failure part-way, raises TrackingError naming what was logged and what was not.
    """
    run_dir = Path(run_dir)
    record = build_record(run_dir, experiment)
    if tags:
        record.tags.update(tags)
    resolved = resolve_tracking_uri(tracking_uri)
    _quiet_http()
    tracked = TrackedRun(run_id="", experiment=record.experiment, tracking_uri=redact(resolved),
                         left_out=list(record.files.left_out if record.files else []),
                         notes=list(record.notes))
    try:
        with using_tracking_uri(resolved):
            _log_run(run_dir, record, register, run_name, tracked, run_id, epochs_logged,
                     parent_run_id, record.live_run_id)
    except Exception as exc:
        done = ", ".join(tracked.logged) or "nothing"
        raise TrackingError(
            f"Logging to MLflow at {redact(resolved)} failed at the {tracked.step} "
            f"({reason(exc, resolved)}). Logged before that: {done}. The run directory "
            f"'{run_dir}' is complete; log it later with: forecaster track {run_dir} "
            f"--tracking-uri URI"
            + (f" --register {register}" if register else "") + "."
        ) from None
    return tracked


def _log_run(run_dir: Path, record: RunRecord, register: str | None, run_name: str | None,
             tracked: TrackedRun, run_id: str | None, epochs_logged: bool,
             parent_run_id: str | None, live_run_id: str | None) -> None:
    """The logging calls in order; `tracked.step` names the one under way."""
    import mlflow

    def begin(step: str) -> None:
        if tracked.step != "connecting":
            tracked.logged.append(tracked.step)
        tracked.step = step

    if not parent_run_id:  # a child of a job never takes over the run `mlflow run` opened
        run_id = run_id or os.environ.get("MLFLOW_RUN_ID")  # opened before, or by `mlflow run`
    if run_id:  # the run's own experiment, whatever this process used before
        mlflow.set_experiment(experiment_id=mlflow.tracking.MlflowClient().get_run(
            run_id).info.experiment_id)
    else:
        mlflow.set_experiment(tracked.experiment)
    with mlflow.start_run(run_id=run_id, run_name=None if run_id else
                          (run_name or run_dir.name), parent_run_id=parent_run_id,
                          nested=parent_run_id is not None) as run:
        tracked.run_id = run.info.run_id
        tracked.experiment = mlflow.get_experiment(run.info.experiment_id).name
        begin("parameters")
        mlflow.log_params({key: scrub(str(value)) for key, value in record.params.items()})
        begin("tags")
        mlflow.set_tags({key: scrub(str(value)) for key, value in record.tags.items()})
        if not epochs_logged:
            begin("per-epoch metrics")
            _log_epochs(mlflow, record.epochs)
        begin("final metrics")
        mlflow.log_metrics(record.metrics)
        if record.dataset is not None:
            begin("dataset")
            _log_dataset(mlflow, record.dataset)
        files = record.files or run_files(run_dir)
        begin("artefacts")
        for path in files.artifacts:
            mlflow.log_artifact(str(path))
        begin("model")
        tracked.model_uri = _log_model(mlflow, record, files)
    _retire_live_run(mlflow, live_run_id, tracked.run_id)
    if register:
        begin(f"registration as '{register}'")
        tracked.registered = register_model(tracked.model_uri, register, tracked.run_id)
    begin("done")


def register_model(model_uri: str, name: str, run_id: str) -> tuple[str, str]:
    """(name, version): a new version of `name` for the model, or the version of `name` that
    already holds this run's model (registering it twice adds no duplicate version). Uses the
    tracking URI in force (see `using_tracking_uri`)."""
    import mlflow

    client = mlflow.tracking.MlflowClient()
    existing = [version for version in client.search_model_versions(f"run_id='{run_id}'")
                if version.name == name and version.source == model_uri]
    if existing:
        return name, str(min(int(version.version) for version in existing))
    with mlflow_prints_logged():
        version = mlflow.register_model(model_uri, name)
    return name, str(version.version)


def _retire_live_run(mlflow: Any, live_run_id: str | None, run_id: str) -> None:
    """A run opened before training whose logging broke off (RUNNING, FAILED or KILLED) is
    pointed at the complete run that replaces it, and marked FAILED if still RUNNING. A run
    that holds its model (FINISHED, or KILLED after it was logged to the end) is complete and
    never touched: it may be the source of a registered model. Best effort: it may live on
    another server."""
    if not live_run_id or live_run_id == run_id:
        return
    client = mlflow.tracking.MlflowClient()
    with contextlib.suppress(Exception):
        live = client.get_run(live_run_id)
        status = live.info.status
        if status == "FINISHED" or (live.outputs and live.outputs.model_outputs):
            return
        client.set_tag(live_run_id, "forecaster.superseded_by", run_id)
        if status == "RUNNING":
            client.set_terminated(live_run_id, status="FAILED")


def _log_epochs(mlflow: Any, epochs: dict[str, list[float]]) -> None:
    from mlflow.entities import Metric

    timestamp = int(pd.Timestamp.now().timestamp() * 1000)
    entries = [Metric(name, float(value), timestamp, epoch)
               for name, values in epochs.items()
               for epoch, value in enumerate(values, start=1)]
    if entries:
        mlflow.tracking.MlflowClient().log_batch(mlflow.active_run().info.run_id,
                                                 metrics=entries)


def _log_dataset(mlflow: Any, dataset: DatasetInput) -> None:
    with warnings.catch_warnings():  # its schema is inferred here: integer columns warn
        warnings.simplefilter("ignore")
        logged = mlflow.data.from_pandas(dataset.frame, source=dataset.source, name=dataset.name,
                                         targets=dataset.targets, digest=dataset.digest)
        mlflow.log_input(logged, context="training")


def _log_model(mlflow: Any, record: RunRecord, files: RunFiles) -> str:
    """The pyfunc model (models from code), with signature and an input example; only the
    model directory's known files go in (see `run_files`)."""
    from mlflow.models import ModelSignature

    signature = ModelSignature(inputs=_schema(record.example, any_number=True),
                               outputs=_schema(record.output_example),
                               params=_param_schema(record.predict_params))
    with warnings.catch_warnings(), staged_model(files) as model_dir:
        warnings.simplefilter("ignore")
        info = mlflow.pyfunc.log_model(
            name="model", python_model=str(record.python_model),
            artifacts={MODEL_ARTIFACT: str(model_dir)}, signature=signature,
            input_example=record.example, pip_requirements=_requirements())
    return info.model_uri


def _schema(frame: pd.DataFrame, any_number: bool = False) -> Any:
    """The columns' schema, stated rather than inferred (inference warns about every integer
    column on every run). With `any_number`, numeric inputs accept integers and floats alike:
    a raw CSV's Volume column is int64, and MLflow refuses int64 for a double column."""
    from mlflow.types import ColSpec, Schema
    from mlflow.types.schema import AnyType

    def kind(dtype: Any) -> Any:
        if any_number and pd.api.types.is_numeric_dtype(dtype):
            return AnyType()
        if pd.api.types.is_bool_dtype(dtype):
            return "boolean"
        if pd.api.types.is_integer_dtype(dtype):
            return "long"
        if pd.api.types.is_float_dtype(dtype):
            return "double"
        return "string"

    return Schema([ColSpec(kind(dtype), str(name)) for name, dtype in frame.dtypes.items()])


def _param_schema(params: dict[str, Any]) -> Any:
    """The pyfunc's parameters (each a list of numbers, e.g. `levels`), with their defaults;
    None when it takes none."""
    if not params:
        return None
    from mlflow.types import ParamSchema, ParamSpec

    return ParamSchema([ParamSpec(name, "double", [float(v) for v in default], shape=(-1,))
                        for name, default in params.items()])


def _requirements() -> list[str]:
    from importlib.metadata import version

    import mlflow

    return [f"forecaster=={version('forecaster')}", f"mlflow=={mlflow.__version__}",
            f"torch=={version('torch').split('+')[0]}"]
