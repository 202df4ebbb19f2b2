"""`forecaster track`: log a finished run directory to MLflow (e.g. after the server was down)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from forecaster.cli.options import handle_errors

if TYPE_CHECKING:
    from forecaster.tracking.mlflow_run import TrackedRun


@click.command(epilog="""
\b
Example:
  forecaster track runs/GOOG-Close-lstm-20261123-101500 --tracking-uri http://127.0.0.1:5000
""")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None, metavar="URI",
              help="Tracking server or store (default: $MLFLOW_TRACKING_URI or "
                   "sqlite:///mlflow.db).")
@click.option("--experiment", default=None, help="Experiment (default: <file>-<target>).")
@click.option("--register", default=None, metavar="NAME", help="Also register the model.")
@handle_errors
def track(run_dir: Path, tracking_uri: str | None, experiment: str | None,
          register: str | None) -> None:
    """Log RUN_DIR (written by `forecaster train` or `forecaster classify train`) to MLflow as
    one new run: parameters, per-epoch losses, metrics beside baselines, tags, artefacts, model
    card and the model.

    A run directory already in MLflow, complete, is not logged twice: the command names its
    run and exits 0 (with --register it only registers that run's model). A run whose logging
    broke off is logged anew and the broken run is pointed at the new one.

    Only the files a run writes are uploaded; anything else in RUN_DIR, and any symlink that
    leads out of it, is left out and named."""
    from forecaster.tracking.mlflow_run import check_reachable
    from forecaster.tracking.track_run import track_run_directory

    check_reachable(tracking_uri)
    tracked = track_run_directory(run_dir, tracking_uri=tracking_uri, experiment=experiment,
                                  register=register)
    click.echo(describe(tracked))


def describe(tracked: TrackedRun) -> str:
    """Where the run went, what was registered, and what was left out of it (and why)."""
    if tracked.already_logged:
        text = (f"Already in MLflow at {tracked.tracking_uri}: experiment "
                f"'{tracked.experiment}', run {tracked.run_id} ({tracked.status}), model "
                f"{tracked.model_uri}. Nothing logged again.")
    else:
        text = (f"Logged to MLflow at {tracked.tracking_uri}: experiment "
                f"'{tracked.experiment}', run {tracked.run_id}, model {tracked.model_uri}.")
    if tracked.registered:
        name, version = tracked.registered
        text += (f" Registered as {name} version {version}; make it the champion with: "
                 f"forecaster models promote {name} {version} --alias champion")
    if tracked.left_out:
        text += f"\nNot uploaded: {', '.join(tracked.left_out)}."
    for note in tracked.notes:
        text += f"\nNote: {note}"
    return text
