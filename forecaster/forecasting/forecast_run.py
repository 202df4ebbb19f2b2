"""One training run end to end: split, fit, evaluate beside baselines, forecast, write outputs.

This is the plain-Python form of ``forecaster train``; the CLI only parses options and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.data import SeriesData, chronological_split
from forecaster.data.split import Split
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

HISTORY_TAIL = "history_tail.csv"  # the last `lookback` raw rows: an input example for serving
# what a network close to its starting point forecasts, by window normalisation
UNTRAINED_FORECAST = {
    "last": "its forecasts are the reference it is relative to (the last value) moved by what "
            "an untrained network outputs, not by a learned change",
    "season": "its forecasts are the reference it is relative to (the value one season "
              "earlier) moved by what an untrained network outputs, not by a learned change",
    "none": "its forecasts are what an untrained network outputs, not learned from the series"}


def history_tail(series: SeriesData, rows: int) -> pd.DataFrame:
    """The last `rows` rows as a user would send them: a date column and the model's columns."""
    frame = series.frame[series.columns].iloc[-rows:]
    return frame.reset_index(names=series.frame.index.name or "date")


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
                 "features": series.features, "frequency": series.frequency,
                 "notes": series.notes, **split_rows},
        "model": {**model.fitted_params(), "label": model.label,
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
              levels: Sequence[float] | None = None) -> RunResult:
    """Train on the first part of `series`, score the last `test_size` of it, write `out`.

    `reporter` (e.g. MLflow) hears each epoch live; logging the finished directory is the
    caller's next step (`reporter.finish(out)`). `extra` is added to metrics.json. `levels`:
    the intervals' coverage levels in percent (None: 80 and 95)."""
    check_out_dir(out, overwrite, inputs=[series.source])
    split = check_run(series, model, test_size=test_size, val_size=val_size, season=season,
                      levels=levels)
    model.fit_span(series, split.train_end, split.val_end, reporter, checkpoint)
    return write_run(series, model, split, out, season=season, overwrite=overwrite,
                     extra=extra, levels=levels)


def check_run(series: SeriesData, model: Forecaster, *, test_size: float = 0.25,
              val_size: float = 0.1, season: int | None = None,
              levels: Sequence[float] | None = None) -> Split:
    """The checks `train_run` makes before training (settings, split sizes, season, levels): a
    caller makes them before it opens anything, e.g. an MLflow run that a refusal would leave
    FAILED."""
    model._check_params()
    checked = check_levels(levels)
    split = split_for(series, model, test_size, val_size)
    if levels is not None:  # at most this many validation errors: refused before training
        require_points((split.val_end - split.train_end) * model.horizon, checked,
                       series.source)
    if season is not None:  # refused before training, not after it
        check_season(season, split.test_start, series.source)
    return split


def split_for(series: SeriesData, model: Forecaster, test_size: float, val_size: float
              ) -> Split:
    return chronological_split(len(series.frame), test_size=test_size, val_size=val_size,
                               lookback=model.lookback, horizon=model.horizon)


def write_run(series: SeriesData, model: Forecaster, split: Split, out: Path, *,
              season: int | None = None, overwrite: bool = False,
              extra: dict[str, Any] | None = None,
              levels: Sequence[float] | None = None) -> RunResult:
    """Score a fitted model on the test span beside the baselines and write the run directory
    (atomically): metrics, predictions, forecast, plots, model card, model; every forecaster
    with intervals at `levels` (percent; None: 80 and 95)."""
    n = len(series.frame)
    evaluation = model.evaluate(series, start=split.test_start, season=season, levels=levels)
    forecast = model.forecast(series, levels=levels)
    index = series.frame.index
    rows = {"train_rows": split.train_end, "validation_rows": split.val_end - split.train_end,
            "test_rows": n - split.val_end, "test_first_date": str(index[split.test_start])}
    summary = {**run_summary(series, model, rows), **(extra or {})}
    from forecaster.forecasting.plots import plot_forecast, plot_loss  # matplotlib is slow

    with atomic_directory(out, overwrite, inputs=[series.source]) as tmp:
        (tmp / "model").mkdir()
        model.save_into(tmp / "model")
        write_evaluation(tmp, evaluation, summary)
        write_forecast(tmp, forecast)
        history_tail(series, model.lookback_).to_csv(tmp / "model" / HISTORY_TAIL, index=False)
        (tmp / "model_card.md").write_text(
            model_card({**summary, **evaluation.to_dict()}), encoding="utf-8")
        splits = {"validation": index[split.train_end], "test": index[split.test_start]}
        plot_forecast(tmp / "plot.png", series.frame[series.target], evaluation.predictions,
                      splits, forecast, f"{Path(series.source).name}: {series.target}",
                      model.label)
        plot_loss(tmp / "loss.png", model.history_.train_loss, model.history_.val_loss,
                  model.history_.best_epoch)
    return RunResult(out, model, evaluation, forecast, summary)
