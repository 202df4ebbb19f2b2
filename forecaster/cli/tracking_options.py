"""--tracking-uri, --experiment, --no-tracking, --tracking-optional, --register."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from forecaster.cli.options import info

EXIT_NOT_TRACKED = 3  # the run finished and is complete on disk, but is not (fully) in MLflow


def tracking_options(command: Callable) -> Callable:
    decorators = [
        click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None,
                     metavar="URI",
                     help="MLflow tracking server or store (default: $MLFLOW_TRACKING_URI, "
                          "else the local store sqlite:///mlflow.db)."),
        click.option("--experiment", default=None,
                     help="MLflow experiment (default: <file>-<target>)."),
        click.option("--no-tracking", is_flag=True, envvar="FORECASTER_NO_TRACKING",
                     help="Do not log to MLflow (the run directory is still written)."),
        click.option("--tracking-optional", is_flag=True,
                     help="If the tracking server cannot be reached, train anyway and say how "
                          "to log the run later with `forecaster track`."),
        click.option("--register", default=None, metavar="NAME",
                     help="Register the model in the MLflow model registry under NAME."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def live_run_facts(reporter: Any) -> dict[str, str]:
    """Recorded in metrics.json so that `forecaster track` can retire a half-logged live run."""
    run_id = getattr(reporter, "run_id", None)
    return {"mlflow_live_run_id": run_id} if run_id else {}


def make_reporter(tracking_uri: str | None, experiment: str, register: str | None,
                  optional: bool) -> Any:
    """An MLflow reporter after checking the server, or None (with a warning) when it cannot
    be reached and --tracking-optional was given."""
    from forecaster.tracking.live import MlflowReporter
    from forecaster.tracking.mlflow_run import TrackingError

    try:
        return MlflowReporter(tracking_uri, experiment, register)
    except TrackingError as exc:
        if not optional:
            raise
        info(f"Warning: {exc} Training without tracking (--tracking-optional).")
        return None
