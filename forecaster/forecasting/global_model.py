"""A global model: one network trained on the windows of many series at once.

Each series keeps its own MinMax scaler, fitted on its own training rows, so series of any level
(a $30 stock and a $1,500 one) train together; windows never cross from one series into the
next. The result is one Forecaster per series that share the network: each scores, forecasts and
saves exactly like a model trained on that series alone, so its run directory is the same.

Static features (`forecaster.data.static_inputs`) are encoded over all the series here, before
any window is made; each series' encoded values join its known inputs, so the network reads
them at every forecast step and each saved series model carries its own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from forecaster.data import SeriesData
from forecaster.data.split import Split
from forecaster.data.static_inputs import NO_STATIC, StaticRow, fit_static
from forecaster.data.windows import WindowBatches
from forecaster.errors import ConfigError, DataError
from forecaster.forecasting.forecaster import Forecaster
from forecaster.forecasting.intervals import pool
from forecaster.forecasting.model_intervals import calibration_parts
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.reporting import RunReporter


def _joined(parts: list[WindowBatches]) -> WindowBatches:
    """The windows of several series as one batch source: the scaled series are laid end to
    end and each window's position shifted by the rows before it."""
    series, positions, offset = [], [], 0
    for part in parts:
        series.append(part.series)
        positions.append(part.positions + offset)
        offset += len(part.series)
    first = parts[0]
    known = None if first.known is None else torch.cat([part.known for part in parts])
    return WindowBatches(torch.cat(series), torch.cat(positions), first.lookback, first.horizon,
                         first.norm, first.season, known)


def static_rows(series: list[SeriesData], static: Sequence[Mapping[str, Any]] | None
                ) -> tuple[list[StaticRow], list[str]]:
    """Each series' encoded static features (encoded across all of them) and notes on
    columns that cannot tell them apart; NO_STATIC each without static features."""
    if not static or not list(static[0]):
        return [NO_STATIC] * len(series), []
    if len(series) < 2:
        raise ConfigError(f"Static features ({', '.join(static[0])}) describe differences "
                          f"between series, and '{series[0].source}' is the only one; use "
                          f"mode: global with several series, or leave data.static_features "
                          f"out.")
    encoding = fit_static(static, list(static[0]))
    return [encoding.row(values) for values in static], encoding.notes()


def fit_global(model: Forecaster, series: list[SeriesData], splits: list[Split],
               reporter: RunReporter | None = None, checkpoint: Checkpoint | None = None,
               static: Sequence[Mapping[str, Any]] | None = None) -> list[Forecaster]:
    """Train `model`'s network once on every series; one fitted Forecaster per series.
    `static`: each series' raw static values, the same columns in the same order for every
    series (`static_inputs.static_from_rows`/`static_from_file`), encoded across them."""
    model._check_params()
    columns = {item.values.shape[1] for item in series}  # the encoder's past inputs
    if len(columns) != 1:
        raise DataError("A global model needs the same input columns in every series; these "
                        "have different numbers of features.")
    rows, notes = static_rows(series, static)
    # one window length for every series: the smallest each one's training rows allow
    model.lookback_ = min(model.lookback_for(item, split.train_end)
                          for item, split in zip(series, splits, strict=True))
    model.window_norm_ = model.norm_for(series, [split.train_end for split in splits])
    model.combine_ = model.combine_for(series[0])
    prepared = []
    for item, split, row in zip(series, splits, rows, strict=True):
        prepared.append(model.span_windows(item, split.train_end, split.val_end, row))
    train = _joined([train for _, train, _ in prepared])
    val = _joined([val for _, _, val in prepared])
    model.train_network(train, val, columns.pop(), reporter, checkpoint)
    fitted = []
    for item, split, (scaler, _, _), row in zip(series, splits, prepared, rows, strict=True):
        view = copy.copy(model)  # shares network_, history_ and the training settings
        view.remember_span(item, scaler, split.train_end, split.val_end, calibrate=False,
                           static=row)
        view.data_info_["global_model_series"] = len(series)
        if notes:
            view.data_info_["static_notes"] = notes
        fitted.append(view)
    # one interval calibration from every series' validation errors (normalised, so they
    # pool): a short series alone has too few of them for a 95 % interval
    parts = [calibration_parts(view, item, split.train_end, split.val_end)
             for view, item, split in zip(fitted, series, splits, strict=True)]
    pooled = pool(parts, model.lookback_)
    for view, part in zip(fitted, parts, strict=True):
        view.calibration_ = pooled.with_floor(part.floor)
    return fitted
