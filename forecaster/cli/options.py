"""Options shared by several commands, as decorators, and the error-to-exit-code mapping."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from forecaster.data.calendar import CALENDAR_FEATURES
from forecaster.data.choices import FILL_METHODS
from forecaster.errors import ConfigError, ForecasterError

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


def known_options(command: Callable) -> Callable:
    """--future-features, --calendar, --holidays, --exchange: the inputs known in advance for
    each forecast step (train). The last three are `Forecaster` settings of the same name."""
    decorators = [
        click.option("--future-features", default="", metavar="COL,COL",
                     help="Columns whose values at the forecast steps are known when the "
                          "forecast is made: a published load or generation forecast, a "
                          "weather forecast, a planned price (e.g. gen_forecast,system_load). "
                          "The network reads each one at every step ahead, so `predict` then "
                          "needs them for the H dates after the last row: as rows after the "
                          "history with the target empty, or in a file given with --future. "
                          "A column may be in --features as well (its past values read too)."),
        click.option("--calendar", default="auto", show_default=True,
                     metavar="auto|none|NAME,...",
                     help="Calendar inputs computed from the dates, so known for any future "
                          "step: 'auto' chooses by frequency (hourly: hour, day_of_week, "
                          "day_of_year; daily or business days: day_of_week, day_of_year; "
                          "weekly: week_of_year; monthly or longer: none), 'none' uses none, "
                          "or name them, comma-separated, from "
                          f"{', '.join(CALENDAR_FEATURES)}."),
        click.option("--holidays", default=None, metavar="REGION",
                     help="Holiday inputs (the day, its eve and the day after) of a country or "
                          "subdivision, read in its local time: e.g. FR, AU-VIC, US-NY."),
        click.option("--exchange", default=None, metavar="CODE",
                     help="Date the forecast steps on this exchange's trading sessions "
                          "(an exchange_calendars code: XNYS New York, XLON London, ...): the "
                          "step after 2018-12-31 is 2019-01-02 on XNYS, not New Year's Day. "
                          "Without it business-day data steps over every weekday."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def future_option(command: Callable) -> Callable:
    """--future FILE (predict): the known-ahead columns of the H forecast dates in a file."""
    return click.option(
        "--future", type=click.Path(path_type=Path), default=None, metavar="FILE",
        help="For a model trained with --future-features: a CSV of the H rows after the last "
             "row of CSV (a date column and those columns, one row per forecast date). "
             "Alternatively append those rows to CSV itself with the target left empty.")(
        command)


def train_future_option(command: Callable) -> Callable:
    """--future FILE (train): the future rows, so that the run forecasts after the last row."""
    return click.option(
        "--future", type=click.Path(path_type=Path), default=None, metavar="FILE",
        help="With --future-features: a CSV of the H rows after the last row of CSV (a date "
             "column and those columns, one row per forecast date), checked before training. "
             "With it the run also forecasts those dates (forecast.csv) and model/"
             "history_tail.csv ends with them; without it `predict` takes them later.")(
        command)


def check_future_given(future_features: list[str], future: Any) -> None:
    """ConfigError for --future given to a model that reads no future-known column: the file
    would be ignored without a word."""
    if future is not None and not future_features:
        raise ConfigError(f"--future {future} gives the values of future-known columns, but "
                          f"this model has none: train it with --future-features COL,... to "
                          f"use them, or leave --future out.")


def business_day_notes(frequency: str | None, exchange: str | None) -> list[str]:
    """The note that business-day steps ignore exchange holidays, unless an exchange is set."""
    from forecaster.data.exchange import BUSINESS_DAY_NOTE

    return [BUSINESS_DAY_NOTE] if frequency == "B" and not exchange else []


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
