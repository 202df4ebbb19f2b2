"""Options shared by several commands, as decorators, and the error-to-exit-code mapping."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import click

from forecaster.data.choices import FILL_METHODS
from forecaster.errors import ForecasterError

EXIT_BAD_INPUT = 2


class UserError(click.ClickException):
    """A ForecasterError shown as one paragraph with exit code 2."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def handle_errors(command: Callable) -> Callable:
    """Turn the package's errors into exit code 2 with the message; bugs keep exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ForecasterError as exc:
            raise UserError(str(exc)) from None

    return wrapper


def data_options(command: Callable) -> Callable:
    """--target, --features, --date-column, --fill, --encoding."""
    decorators = [
        click.option("--target", "-t", default=None, metavar="COLUMN",
                     help="Column to forecast, e.g. Close (may be omitted when the file has one "
                          "numeric column)."),
        click.option("--features", default="", metavar="COL,COL",
                     help="Extra input columns, comma-separated, e.g. Open,Volume."),
        click.option("--date-column", default=None, metavar="COLUMN",
                     help="Column with the dates (default: found by name or content)."),
        click.option("--fill", type=click.Choice(FILL_METHODS), default=None,
                     help="Accept missing values: carry forward, interpolate, or drop rows."),
        click.option("--encoding", default="utf-8", show_default=True,
                     help="Text encoding of the CSV, e.g. latin-1."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def level_option(command: Callable) -> Callable:
    """--level, repeatable: the coverage levels of the prediction intervals, in percent."""
    return click.option(
        "--level", "level", type=str, multiple=True, metavar="PERCENT",
        help="Coverage level of the prediction interval in percent; repeat for several, e.g. "
             "--level 80 --level 95 (the default pair). Each gives lower_L and upper_L "
             "columns.")(command)


def checked_levels(given: tuple[str, ...]) -> tuple[float, ...] | None:
    """The --level values checked (ConfigError naming a bad one: exit 2), or None when none
    was given (the model's default levels), before any work is done. Read as text, so a
    message quotes the value as typed."""
    from forecaster.forecasting.interval_scores import check_levels

    if not given:
        return None
    return check_levels(given, source="--level")


def split_features(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def echo_json(payload: dict[str, Any]) -> None:
    click.echo(json.dumps(payload, indent=2, default=str))


def info(message: str, quiet: bool = False) -> None:
    """Human-facing notes go to stderr so that --json output on stdout stays clean."""
    if not quiet:
        click.echo(message, err=True)


def print_notes(notes: list[str], quiet: bool = False) -> None:
    """What the reader noticed in the data (uneven dates, converted offsets...), on stderr, so
    that every command that reads a series says it, not only `train`."""
    for note in notes:
        info(f"Note: {note}.", quiet)
