"""--tracking-uri, --experiment, --no-tracking, --tracking-optional, --register, and the CLI end
of the one tracked-run lifecycle (forecaster.tracking.lifecycle)."""

from __future__ import annotations

from collections.abc import Callable

import click

from forecaster.cli.options import info
from forecaster.data.printable import printable
from forecaster.tracking.lifecycle import (
    EXIT_NOT_TRACKED,
    RunTracking,
    open_tracking,
    tracked_run,
)

__all__ = ["EXIT_NOT_TRACKED", "report_tracking", "start_tracking", "tracked_run",
           "tracking_options"]


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


def start_tracking(tracking_uri: str | None, experiment: str, register: str | None, *,
                   no_tracking: bool, optional: bool, encoding: str | None = None
                   ) -> RunTracking:
    """The run's tracking, the server checked (exit 2 naming it when it cannot be reached,
    unless --tracking-optional: then a warning and no tracking). Use it with `tracked_run`."""
    if register and no_tracking:  # registering needs a tracked run: never drop it silently
        raise click.UsageError(f"--register {printable(register)} needs tracking, but "
                               f"--no-tracking (or $FORECASTER_NO_TRACKING) turns it off: "
                               f"drop one of the two.")
    return open_tracking(tracking_uri, experiment, register, enabled=not no_tracking,
                         optional=optional, encoding=encoding, warn=info)


def report_tracking(tracking: RunTracking) -> None:
    """After the command's report: where the run was logged, or why not and exit code 3."""
    if tracking.tracked is not None:
        from forecaster.cli.track import describe

        info(describe(tracking.tracked))
    if tracking.problem:
        click.echo(f"Warning: {tracking.problem}", err=True)
        raise click.exceptions.Exit(tracking.exit_code)
