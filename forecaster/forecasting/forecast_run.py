"""One training run end to end: split, fit, evaluate beside baselines, forecast, write outputs.

This is the plain-Python form of ``forecaster train``; the CLI only parses options and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data import SeriesData, chronological_split
from forecaster.data.split import Split
from forecaster.errors import ConfigError
from forecaster.forecasting.card import model_card
from forecaster.forecasting.evaluation import Evaluation
from forecaster.forecasting.forecaster import Forecaster, check_season
from forecaster.forecasting.interval_scores import check_levels
from forecaster.forecasting.intervals import require_points
from forecaster.forecasting.report import write_evaluation, write_forecast
from forecaster.output import atomic_directory, check_out_dir
from forecaster.training.barely import barely_trained, barely_trained_note
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.reporting import RunReporter

# the last `lookback` raw rows (and, for a model with future-known columns whose future rows
# were given, those rows with the target empty): an input example for serving
HISTORY_TAIL = "history_tail.csv"
# what a network close to its starting point forecasts, by window normalisation
UNTRAINED_FORECAST = {
    "last": "its forecasts are the reference it is relative to (the last value) moved by what "
            "an untrained network outputs, not by a learned change",
    "season": "its forecasts are the reference it is relative to (the value one season "
              "earlier) moved by what an untrained network outputs, not by a learned change",
    "none": "its forecasts are what an untrained network outputs, not learned from the series"}


def history_tail(series: SeriesData, rows: int, future: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """The last `rows` rows as a user would send them: a date column and the model's columns
    (future-known ones included). `future`: the forecast's future rows (a date column and the
    future-known columns, already checked against the forecast dates), appended with the
    target and the past-only inputs empty, the layout `predict` reads."""
    name = series.frame.index.name or "date"
    frame = series.frame[series.columns].iloc[-rows:].reset_index(names=name)
    if future is None or not series.future_features:
        return frame
    after = pd.DataFrame({column: np.full(len(future), np.nan) for column in frame.columns})
    after[name] = future["date"].to_numpy()
    for column in series.future_features:
        after[column] = future[column].to_numpy()
    return pd.concat([frame, after], ignore_index=True)


def future_table(future: Any) -> pd.DataFrame | None:
    """--future as a raw table (a path is read, a DataFrame kept), or None."""
    if future is None or isinstance(future, pd.DataFrame):
        return future
    from forecaster.data.csv_series import read_csv

    return read_csv(future)[0]


def check_future(series: SeriesData, model: Forecaster, future: Any) -> None:
    """The future rows given to `train_run` checked against the forecast dates before any
    training (a shifted or short file found after an hour of training wastes the hour)."""
    if future is None:
        return
    if not series.future_features:
        raise ConfigError(f"--future {future} gives the values of future-known columns, but "
                          f"the model has none: add --future-features COL,... to use them, or "
                          f"leave --future out.")
    if series.frequency is None and not model.exchange:
        return  # the forecast dates need the fitted frequency: checked when forecasting
    from forecaster.data.future_rows import future_matrix
    from forecaster.forecasting.model_known import forecast_dates

    source = "the future table" if isinstance(future, pd.DataFrame) else str(future)
    future_matrix(future_table(future), series.future_features,
                  forecast_dates(model, series), source)


def no_forecast_note(series: SeriesData, horizon: int) -> str:
    """Why a model with future-known columns wrote no forecast after the last row."""
    return (f"no forecast after the last row: the model reads "
            f"{', '.join(series.future_features)} at each of the {horizon} steps after "
            f"{series.frame.index[-1]}, and their values were not given; pass them with "
            f"--future FILE (to train, or to `forecaster predict` with the saved model)")


def _known_column(series: SeriesData, forecast: pd.DataFrame, future: pd.DataFrame | None
                  ) -> pd.Series | None:
    """The first future-known column over the series' rows and the forecast dates (where its
    values were given), for the plot; None for a model without one."""
    if not series.future_features:
        return None
    column = series.future_features[0]
    known = series.frame[column]
    if future is not None and len(forecast):
        after = pd.Series(future[column].to_numpy(dtype=np.float64),
                          index=pd.DatetimeIndex(forecast["date"]), name=column)
        known = pd.concat([known, after])
    return known


@dataclass
class RunResult:
    out: Path
    model: Forecaster
    evaluation: Evaluation
    forecast: pd.DataFrame
    summary: dict[str, Any]


def _resolved(source: str) -> str:
    """The data file's absolute path, so `forecaster track` run from elsewhere finds it; a
    source that is not a file (a DataFrame) is kept as named."""
    path = Path(source)
    return str(path.resolve()) if path.is_file() else source


def run_summary(series: SeriesData, model: Forecaster, split_rows: dict[str, int]) -> dict:
    """The facts of a run that metrics.json and the CLI report."""
    history = model.history_
    config = model.train_config_
    deterministic = history.device == "cpu"
    return {
        "data": {**model.data_info_, "path": _resolved(series.source), "target": series.target,
                 "features": series.features, "future_features": series.future_features,
                 "static_features": list(model.known_.static_features),
                 "frequency": series.frequency, "notes": series.notes, **split_rows},
        "model": {**model.fitted_params(), "label": model.label,
                  "known_inputs": model.known_.names(),
                  **({"combination": {"network_weight": model.combination_.network_weight,
                                      "theta_weight": 1 - model.combination_.network_weight,
                                      "sentence": model.combination_.describe()}}
                     if model.combination_ is not None else {})},
        "training": {**asdict(config), "epochs_planned": history.epochs_planned,
                     "patience_used": history.patience, "epochs_run": history.epochs_run,
                     "best_epoch": history.best_epoch, "stopped_early": history.stopped_early,
                     "barely_trained": barely_trained(history),
                     "barely_trained_note": barely_trained_note(
                         history, UNTRAINED_FORECAST.get(model.window_norm_,
                                                         UNTRAINED_FORECAST["none"])),
                     "interrupted": history.interrupted, "seconds": round(history.seconds, 3),
                     "seconds_per_epoch": round(history.seconds_per_epoch, 4),
                     "device": history.device, "amp_bf16": history.amp,
                     "threads_used": history.threads,
                     "repeatable": (f"yes: seed {config.seed} on CPU gives the same result on "
                                    f"re-run" if deterministic else
                                    f"seeded ({config.seed}); GPU kernels may differ slightly "
                                    f"between runs"),
                     "train_loss": history.train_loss, "val_loss": history.val_loss},
    }


def train_run(series: SeriesData, model: Forecaster, out: Path, *, test_size: float = 0.25,
              val_size: float = 0.1, season: int | None = None,
              overwrite: bool = False, reporter: RunReporter | None = None,
              extra: dict[str, Any] | None = None, checkpoint: Checkpoint | None = None,
              levels: Sequence[float] | None = None, future: Any = None) -> RunResult:
    """Train on the first part of `series`, score the last `test_size` of it, write `out`.

    `reporter` (e.g. MLflow) hears each epoch live; logging the finished directory is the
    caller's next step (`reporter.finish(out)`). `extra` is added to metrics.json. `levels`:
    the intervals' coverage levels in percent (None: 80 and 95). `future`: for a series with
    future-known columns, their values at the forecast dates (a path or a DataFrame), without
    which no forecast after the last row is made."""
    check_out_dir(out, overwrite, inputs=[series.source])
    split = check_run(series, model, test_size=test_size, val_size=val_size, season=season,
                      levels=levels, future=future)
    model.fit_span(series, split.train_end, split.val_end, reporter, checkpoint)
    return write_run(series, model, split, out, season=season, overwrite=overwrite,
                     extra=extra, levels=levels, future=future)


def check_run(series: SeriesData, model: Forecaster, *, test_size: float = 0.25,
              val_size: float = 0.1, season: int | None = None,
              levels: Sequence[float] | None = None, future: Any = None) -> Split:
    """The checks `train_run` makes before training (settings, split sizes, season, levels,
    future rows): a caller makes them before it opens anything, e.g. an MLflow run that a
    refusal would leave FAILED."""
    model._check_params()
    checked = check_levels(levels)
    split = split_for(series, model, test_size, val_size)
    if levels is not None:  # at most this many validation errors: refused before training
        require_points((split.val_end - split.train_end) * model.horizon, checked,
                       series.source)
    if season is not None:  # refused before training, not after it
        check_season(season, split.test_start, series.source)
    check_future(series, model, future)
    return split


def split_for(series: SeriesData, model: Forecaster, test_size: float, val_size: float
              ) -> Split:
    return chronological_split(len(series.frame), test_size=test_size, val_size=val_size,
                               lookback=model.lookback, horizon=model.horizon)


def write_run(series: SeriesData, model: Forecaster, split: Split, out: Path, *,
              season: int | None = None, overwrite: bool = False,
              extra: dict[str, Any] | None = None,
              levels: Sequence[float] | None = None, future: Any = None) -> RunResult:
    """Score a fitted model on the test span beside the baselines and write the run directory
    (atomically): metrics, predictions, forecast, plots, model card, model; every forecaster
    with intervals at `levels` (percent; None: 80 and 95). A model with future-known columns
    forecasts after the last row only with `future` (their values at the forecast dates);
    without it forecast.csv has no rows and metrics.json says why."""
    n = len(series.frame)
    evaluation = model.evaluate(series, start=split.test_start, season=season, levels=levels)
    future = future_table(future)
    if series.future_features and future is None:
        forecast = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"),
                                 "step": pd.Series(dtype="int64"),
                                 "forecast": pd.Series(dtype="float64")})
        why = {"forecast_note": no_forecast_note(series, model.horizon)}
    else:
        forecast = model.forecast(series, levels=levels, future=future)
        why = {}
    index = series.frame.index
    rows = {"train_rows": split.train_end, "validation_rows": split.val_end - split.train_end,
            "test_rows": n - split.val_end, "test_first_date": str(index[split.test_start])}
    summary = {**run_summary(series, model, rows), **why, **(extra or {})}
    from forecaster.forecasting.plots import plot_forecast, plot_loss  # matplotlib is slow

    with atomic_directory(out, overwrite, inputs=[series.source]) as tmp:
        (tmp / "model").mkdir()
        model.save_into(tmp / "model")
        write_evaluation(tmp, evaluation, summary)
        write_forecast(tmp, forecast)
        future_rows = (None if future is None or not series.future_features else
                       forecast[["date"]].assign(**{
                           column: future[column].to_numpy()
                           for column in series.future_features}))
        history_tail(series, model.lookback_, future_rows).to_csv(
            tmp / "model" / HISTORY_TAIL, index=False)
        (tmp / "model_card.md").write_text(
            model_card({**summary, **evaluation.to_dict()}), encoding="utf-8")
        splits = {"validation": index[split.train_end], "test": index[split.test_start]}
        plot_forecast(tmp / "plot.png", series.frame[series.target], evaluation.predictions,
                      splits, forecast, f"{Path(series.source).name}: {series.target}",
                      model.label, known=_known_column(series, forecast, future))
        plot_loss(tmp / "loss.png", model.history_.train_loss, model.history_.val_loss,
                  model.history_.best_epoch)
    return RunResult(out, model, evaluation, forecast, summary)
