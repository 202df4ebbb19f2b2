"""A Forecaster's inputs known in advance: which ones it uses, their matrix over a series' rows,
and the future rows a forecast needs (checked in `forecaster.data.future_rows`).

Kept apart from `forecaster.py` so the estimator reads top to bottom.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecaster.data import SeriesData, future_dates
from forecaster.data.choices import FillMethod
from forecaster.data.csv_series import read_csv, select_series
from forecaster.data.future_rows import future_matrix, split_future_rows
from forecaster.data.known_inputs import KnownInputs, fit_known
from forecaster.data.static_inputs import NO_STATIC, StaticRow
from forecaster.errors import ConfigError

if TYPE_CHECKING:
    from forecaster.forecasting.forecaster import Forecaster


def check_known_settings(model: Forecaster, frequency: str | None = None
                         ) -> tuple[tuple[str, ...], str | None, str | None]:
    """(calendar features, holiday region, exchange) as checked settings, or ConfigError."""
    from forecaster.data.calendar import check_calendar, check_holidays
    from forecaster.data.exchange import check_exchange

    return (check_calendar(model.calendar, frequency), check_holidays(model.holidays),
            check_exchange(model.exchange))


TRADING_FREQUENCIES = ("B", "C", "D")  # one row a day: what trading sessions can date


def resolve_known(model: Forecaster, series: SeriesData, train_end: int,
                  static: StaticRow = NO_STATIC) -> KnownInputs:
    """The known inputs to train with: the series' future columns (scaled by their training
    range), the calendar features its frequency calls for, the holidays asked for, and the
    series' encoded static features (`static`, from a global fit)."""
    calendar, holidays, exchange = check_known_settings(model, series.frequency)
    if exchange and series.frequency not in TRADING_FREQUENCIES:
        raise ConfigError(f"exchange={exchange!r} dates forecasts on the exchange's trading "
                          f"sessions, one a day; '{series.source}' has frequency "
                          f"{series.frequency or 'unknown'}, not daily or business days. Leave "
                          f"--exchange out for this series.")
    return fit_known(series.future_features, calendar, holidays,
                     series.future_values[:train_end], static)


def known_rows(known: KnownInputs, series: SeriesData, future_values: np.ndarray | None = None,
               dates: pd.DatetimeIndex | None = None) -> np.ndarray | None:
    """(rows, width) known inputs over the series' rows, and the future rows after them when
    `dates` are given (with their values of the future columns, if the model has any); None for
    a model without known inputs. A model with calendar or holiday inputs alone needs only the
    dates: its forecast steps must read their own hours and days, not the last row's."""
    if known.empty:
        return None
    index, values = series.frame.index, series.future_values
    if dates is not None:
        if future_values is None:
            future_values = np.empty((len(dates), values.shape[1]))
        index = index.append(dates)
        values = np.vstack([values, future_values])
    return known.matrix(values, pd.DatetimeIndex(index))


def forecast_dates(model: Forecaster, series: SeriesData) -> pd.DatetimeIndex:
    """The `horizon` dates after the last row: trading sessions with an exchange, else the
    frequency's steps."""
    last = series.frame.index[-1]
    if getattr(model, "exchange", None):
        from forecaster.data.exchange import session_dates

        return session_dates(last, model.horizon, model.exchange)
    return future_dates(last, model.horizon, series.frequency or model.frequency_,
                        series.frame.index)


@dataclass(frozen=True)
class FutureRows:
    """The future rows as read: a raw table (None or empty: none given), the file or frame
    they came from (named in errors) and its date column (None: found by name or content).
    `read_with_future` makes them; `Forecaster.forecast` takes them as `future` unread again."""

    table: pd.DataFrame | None
    source: str
    date_column: str | None = None


def _raw(data: Any, encoding: str = "utf-8") -> tuple[pd.DataFrame, str, str | None] | None:
    """A path or a plain DataFrame as (raw table, source, file hash); None for other inputs."""
    if isinstance(data, str | os.PathLike):
        frame, sha = read_csv(data, encoding=encoding)
        return frame, str(data), sha
    if isinstance(data, pd.DataFrame):
        frame = data.reset_index(names=data.index.name or "date") \
            if isinstance(data.index, pd.DatetimeIndex) else data.reset_index(drop=True)
        return frame, "the given frame", None
    return None


def read_with_future(model: Forecaster, data: Any, future: Any = None, *,
                     date_column: str | None = None, fill: FillMethod | None = None,
                     encoding: str = "utf-8") -> tuple[SeriesData, FutureRows]:
    """The history as a checked series (read like `load_series`: `date_column`, `fill` and
    `encoding` as there) and the future rows of a model with future columns: the trailing
    rows of `data` whose target is empty, or `future` (a path, read with the same encoding
    and date column, a DataFrame, or FutureRows). `fill` fills the history only: a future
    value made up by a fill would give a plausible, wrong forecast."""
    columns = list(model.future_features_)
    raw = _raw(data, encoding)
    trailing = None
    if raw is not None:
        frame, source, sha = raw
        history, trailing = split_future_rows(frame, model.target_)
        series = select_series(history, source=source, target=model.target_,
                               features=model.features_, future_features=columns,
                               date_column=date_column, fill=fill, file_sha256=sha)
    else:
        series = model._series(data)
    if future is None:
        return series, FutureRows(trailing, series.source, date_column)
    if trailing is not None and len(trailing):
        raise ConfigError(f"'{series.source}' ends with {len(trailing)} row(s) without a "
                          f"target and a separate future file was given as well: give the "
                          f"future rows one way only.")
    if isinstance(future, FutureRows):
        return series, future
    table, source = (_raw(future, encoding) or (None, str(future), None))[:2]
    return series, FutureRows(table, source, date_column)


def history_and_future(model: Forecaster, data: Any, future: Any = None
                       ) -> tuple[SeriesData, np.ndarray | None, pd.DatetimeIndex]:
    """The history as a checked series, the known-ahead values of the forecast steps (None for
    a model without future columns) and the forecast dates. The future rows are the trailing
    rows of `data` whose target is empty, or `future` (a path, a DataFrame or FutureRows)."""
    columns = list(model.future_features_)
    if not columns:
        series = model._series(data)
        return series, None, forecast_dates(model, series)
    series, rows = read_with_future(model, data, future)
    dates = forecast_dates(model, series)
    values = future_matrix(rows.table, columns, dates, rows.source, date_column=rows.date_column,
                           date_name=series.frame.index.name)
    return series, values, dates
