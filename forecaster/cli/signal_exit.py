"""The exit of a training command that Ctrl-C or SIGTERM stopped: 130 or 143, as shells report
them, so that a script or a scheduler can tell that the run ended early.

Training itself stops as on Ctrl-C (forecaster.training.signals): after the first epoch the best
model so far is written and the MLflow run closed as KILLED; before it nothing is written.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from typing import Any

import click

from forecaster.training.signals import EXIT_SIGNAL, stop_signals


def exits_on_signal(command: Callable) -> Callable:
    """Run `command` with SIGTERM stopping it like Ctrl-C, then exit 130 (Ctrl-C) or 143
    (SIGTERM) if either came, whether or not the run could be kept. Put it under
    `handle_errors`."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with stop_signals() as stop:
            try:
                result = command(*args, **kwargs)
            except KeyboardInterrupt:
                name = stop.received.name if stop.received else "SIGINT"  # none: Ctrl-C
                code = EXIT_SIGNAL[signal.Signals[name]]
                click.echo(f"Stopped by {name} (exit code {code}).", err=True)
                raise click.exceptions.Exit(code) from None
            except click.exceptions.Exit:  # e.g. 3, the run not in MLflow: the signal first
                if stop.received is None:
                    raise
            if stop.received is not None:
                click.echo(f"Stopped by {stop.received.name}: the run holds the best model "
                           f"so far (exit code {stop.exit_code}).", err=True)
                raise click.exceptions.Exit(stop.exit_code)
            return result

    return wrapper
