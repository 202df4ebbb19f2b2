"""`forecaster train`: fit a model on a CSV series, score it beside baselines, write a run."""

from __future__ import annotations

from pathlib import Path

import click

from forecaster.cli.options import (
    business_day_notes,
    checked_levels,
    data_options,
    echo_json,
    handle_errors,
    info,
    known_options,
    level_option,
    print_notes,
    split_features,
    train_future_option,
)
from forecaster.cli.setting_options import setting_option
from forecaster.cli.signal_exit import exits_on_signal
from forecaster.cli.tracking_options import (
    report_tracking,
    start_tracking,
    tracked_run,
    tracking_options,
)
from forecaster.core.config import CELLS, POOLINGS
from forecaster.data.choices import COMBINES, WINDOW_NORMS
from forecaster.training.config import DEVICES, OPTIMIZERS

EXAMPLES = """
\b
Examples:
  # the classic stock recipe (3x50 LSTM, 75/25 split), done honestly; windows from the series
  forecaster train datasets/GOOG.csv --target Close
\b
  # a GRU forecasting 5 business days at once, with two extra inputs
  forecaster train datasets/GOOG.csv -t Close --features Open,Volume --cell gru --horizon 5
\b
  # the network alone, without the Theta half of the default forecast
  forecaster train datasets/airpassengers.csv --horizon 12 --combine none
\b
  # the tutorial's behaviour (levels, 100-day windows), to see the difference
  forecaster train datasets/GOOG.csv -t Close --window-norm none --combine none --lookback 100 \\
      --out runs/tutorial
\b
  # day-ahead prices with the published generation forecast and the hour/weekday calendar
  forecaster train datasets/epf_fr.csv -t y --future-features gen_forecast --calendar auto \\
      --holidays FR --horizon 24 --future datasets/epf_fr_future.csv
\b
  # stock forecasts dated on New York trading sessions (2019-01-02 after 2018-12-31)
  forecaster train datasets/GOOG.csv -t Close --horizon 5 --exchange XNYS
"""


@click.command(epilog=EXAMPLES)
@click.argument("csv", type=click.Path(path_type=Path))
@data_options
@known_options
@train_future_option
@click.option("--cell", type=click.Choice(CELLS), default="lstm", show_default=True,
              help="Recurrent cell: Elman RNN, LSTM or GRU.")
@setting_option("num_layers", default=3, show_default=True, help="Stacked recurrent layers.")
@setting_option("hidden_size", default=50, show_default=True, help="Units per layer.")
@click.option("--bidirectional/--unidirectional", default=False, show_default=True)
@click.option("--pooling", type=click.Choice(POOLINGS), default="last", show_default=True,
              help="How the sequence becomes one vector.")
@click.option("--dropout", default=0.0, show_default=True, help="Dropout between layers.")
@click.option("--lookback", type=int, default=None,
              help="Past steps the model reads (default: from the series: two seasons of its "
                   "frequency, at least 24 and twice --horizon, at most half the training rows "
                   "left after the horizon; e.g. 24 for monthly or daily data, 96 for "
                   "half-hourly).")
@click.option("--horizon", default=1, show_default=True,
              help="Steps predicted at once (directly, one output each).")
@click.option("--window-norm", type=click.Choice(WINDOW_NORMS), default="auto",
              show_default=True,
              help="What the network learns corrections to. 'last': the window's last value "
                   "(it learns changes); 'season': the value one season earlier (seasonal "
                   "naive); 'auto': whichever of the two forecasts the training rows better; "
                   "'none': raw scaled levels, as in the Keras tutorial.")
@click.option("--combine", type=click.Choice(COMBINES), default="auto", show_default=True,
              help="'theta': the forecast is the mean of the network's and the Theta "
                   "method's (fitted on the same training rows): a combination is more robust "
                   "than either on short or strongly seasonal series; 'none': the network "
                   "alone; 'auto': theta, or none when --future-features are given (Theta "
                   "cannot read them).")
@click.option("--test-size", default=0.25, show_default=True,
              help="Fraction of rows, at the end, held out for testing.")
@click.option("--val-size", default=0.1, show_default=True,
              help="Fraction of the remaining rows, at their end, for early stopping.")
@click.option("--season", type=int, default=None,
              help="Season length for seasonal naive and MASE (default: from the frequency).")
@level_option
@click.option("--epochs", type=int, default=None,
              help="Passes over the training windows (default or 0: about 1000 optimiser "
                   "steps, 50 to 500 epochs).")
@click.option("--batch-size", default=64, show_default=True)
@setting_option("learning_rate", default=1e-3, show_default=True, help="Learning rate.")
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), default="adam", show_default=True)
@click.option("--patience", type=int, default=None,
              help="Stop after this many epochs without validation improvement (0: never; "
                   "default: about 200 optimiser steps, 10 to 50 epochs).")
@click.option("--min-delta", type=float, default=1e-3, show_default=True,
              help="Early stopping's minimum gain: an epoch resets the patience only if its "
                   "validation loss is below the best by this share of it (0.001: 0.1%; 0: any "
                   "gain). The weights kept are always those of the lowest validation loss.")
@click.option("--monitor", type=click.Choice(("auto", "loss")), default="auto",
              show_default=True,
              help="What picks the kept epoch and early stopping: a forecaster watches its "
                   "validation loss (auto is the loss; accuracy is for classifiers).")
@setting_option("clip_norm", default=1.0, show_default=True,
                help="Gradient-norm clip (0: off).")
@click.option("--seed", default=0, show_default=True, help="CPU runs with a seed repeat exactly.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for training (default: the cores less one, at least one, so a "
                   "busy neighbour cannot stall it; $OMP_NUM_THREADS also sets it).")
@click.option("--amp/--no-amp", default=True, show_default=True,
              help="bf16 autocast on CUDA (ignored on CPU).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Run directory to write (default: runs/<file>-<target>-<cell>-<time>, "
                   "under $FORECASTER_RUNS_DIR if set).")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Plain log lines instead of a progress bar.")
@tracking_options
@handle_errors
@exits_on_signal
def train(csv: Path, target: str | None, features: str, date_column: str | None,
          fill: str | None, encoding: str, future_features: str, calendar: str,
          holidays: str | None, exchange: str | None, future: Path | None, cell: str,
          num_layers: int, hidden_size: int,
          bidirectional: bool, pooling: str, dropout: float, lookback: int | None, horizon: int,
          window_norm: str, combine: str, test_size: float, val_size: float, season: int | None,
          level: tuple[float, ...],
          epochs: int | None, batch_size: int, learning_rate: float, optimizer: str,
          patience: int | None, min_delta: float, monitor: str, clip_norm: float, seed: int,
          device: str, threads: int | None, amp: bool,
          out: Path | None, overwrite: bool, as_json: bool, quiet: bool,
          tracking_uri: str | None, experiment: str | None, no_tracking: bool,
          tracking_optional: bool, register: str | None) -> None:
    """Train a recurrent forecaster on CSV and compare it with simple baselines.

    Every run is logged to MLflow (the local store sqlite:///mlflow.db unless --tracking-uri
    or $MLFLOW_TRACKING_URI says otherwise; --no-tracking to skip). If logging fails the run
    directory is still complete and the exit code is 3; `forecaster track RUN_DIR` logs it later.

    The series is split in time order (train | validation | test), MinMax-scaled with bounds
    from the training rows only, cut into sliding windows and fed to the network. The test
    span is scored in original units beside last-value, seasonal-naive, drift,
    exponential-smoothing and Theta forecasts on the same points. By default the model's
    forecast is the mean of the network's and Theta's (--combine none: the network alone).
    Every forecaster gets prediction intervals (--level, default 80 and 95 %), calibrated on
    rows it did not fit and updated origin by origin; their coverage is printed beside nominal.

    Inputs known in advance (--future-features, --calendar, --holidays) are read by a decoder
    at each forecast step; --future gives the future-known columns for the dates after the last
    row, so that the run also forecasts those dates (otherwise `predict` does, given them).
    """
    from forecaster.data import load_series
    from forecaster.data.printable import printable
    from forecaster.forecasting import Forecaster, train_run
    from forecaster.forecasting.forecast_run import check_run
    from forecaster.forecasting.rundir import default_run_dir
    from forecaster.output import check_out_dir
    from forecaster.settings import build_forecaster, picked
    from forecaster.training.threads import describe_threads

    levels = checked_levels(level)  # a bad --level is refused before the file is read
    series = load_series(csv, target=target, features=split_features(features),
                         date_column=date_column, fill=fill, encoding=encoding,
                         future_features=split_features(future_features))
    settings = {**picked(click.get_current_context().params, Forecaster),
                "epochs": epochs or None, "clip_norm": clip_norm or None}  # 0: auto / off
    model = build_forecaster(settings, progress="lines" if quiet else "auto")
    # the checks that need no training, before the MLflow store is even touched
    check_run(series, model, test_size=test_size, val_size=val_size, season=season,
              levels=levels, future=future)
    out = out or default_run_dir(f"{csv.stem}-{series.target}-{cell}".replace(" ", "_"))
    # before the MLflow store is touched
    check_out_dir(out, overwrite, inputs=[csv, *([future] if future else [])])
    tracking = start_tracking(tracking_uri, experiment or f"{csv.stem}-{series.target}",
                              register, no_tracking=no_tracking, optional=tracking_optional,
                              encoding=encoding)
    print_notes(series.notes + business_day_notes(series.frequency, exchange))
    info(f"{printable(str(csv))}: {len(series.frame)} rows of '{printable(series.target)}' "
         f"({series.frame.index[0].date()} to {series.frame.index[-1].date()}, frequency "
         f"{series.frequency or 'irregular'}). Training {model.label} with seed {seed} on "
         f"{describe_threads(threads)}.")
    with tracked_run(tracking, out.name):
        result = train_run(series, model, out, test_size=test_size, val_size=val_size,
                           season=season, overwrite=overwrite, reporter=tracking.reporter,
                           extra=tracking.facts(), levels=levels, future=future)
        tracking.finish(result.out,
                        interrupted=result.summary["training"]["interrupted"])
    summary = {"run_dir": str(result.out), **result.evaluation.to_dict(),
               "mlflow": tracking.summary(),
               "training": {k: result.summary["training"][k] for k in
                            ("epochs_run", "best_epoch", "barely_trained",
                             "barely_trained_note", "seconds", "seconds_per_epoch", "device",
                             "interrupted")}}
    if as_json:
        echo_json(summary)
    else:
        _print_report(result)
    report_tracking(tracking)


def _print_report(result) -> None:
    from forecaster.data.date_text import iso_dates
    from forecaster.data.printable import printable
    from forecaster.forecasting.report import format_intervals, format_table

    evaluation = result.evaluation
    span = evaluation.to_dict()
    click.echo(f"\nTest span: {span['first_date']} to {span['last_date']}, "
               f"{len(evaluation.predictions)} "
               f"points, horizon {evaluation.horizon}, original units.\n")
    click.echo(format_table(evaluation))
    intervals = format_intervals(evaluation)
    if intervals:
        click.echo(f"\n{intervals}")
    click.echo(f"\n{evaluation.verdict}")
    if result.model.combination_ is not None:
        click.echo(result.model.combination_.describe())
    note = result.summary["training"]["barely_trained_note"]
    if note:
        click.echo(note)
    known = known_line(result.model)
    if known:
        click.echo(known)
    forecast = result.forecast
    if not len(forecast):
        click.echo(f"Note: {result.summary.get('forecast_note', 'no forecast')}.")
        click.echo(f"Run written to {printable(str(result.out))}/ (metrics.json, "
                   f"predictions.csv, plot.png, loss.png, model_card.md, model/).")
        return
    widest = _widest_level(forecast)
    bounds = ([f" [{low:.4g}, {high:.4g}]" for low, high in
               zip(forecast[f"lower_{widest}"], forecast[f"upper_{widest}"], strict=True)]
              if widest else [""] * len(forecast))
    next_steps = ", ".join(f"{date}: {value:.4g}{bound}" for date, value, bound in zip(
        iso_dates(forecast["date"], result.model.frequency_), forecast["forecast"], bounds,
        strict=True))
    within = f" (in brackets: the {widest} % interval)" if widest else ""
    click.echo(f"Forecast after the last row{within}: {next_steps}")
    click.echo(f"Run written to {printable(str(result.out))}/ (metrics.json, predictions.csv, "
               f"forecast.csv, plot.png, loss.png, model_card.md, model/).")


def known_line(model) -> str:
    """What the model reads at each forecast step ('' for none): e.g. "Known ahead at each
    step: gen_forecast; calendar hour, day_of_week, day_of_year; holidays FR." and the
    exchange whose sessions date the steps."""
    known = model.known_
    parts = ([", ".join(known.future_features)] if known.future_features else []) + \
        ([f"calendar {', '.join(known.calendar)}"] if known.calendar else []) + \
        ([f"holidays {known.holidays}"] if known.holidays else [])
    line = f"Known ahead at each step: {'; '.join(parts)}." if parts else ""
    if model.exchange:
        line += f" Forecast dates: {model.exchange} trading sessions."
    return line.strip()


def _widest_level(forecast) -> str | None:
    """The highest level among the forecast's lower_L columns ("95"), or None."""
    levels = [column[len("lower_"):] for column in forecast.columns
              if column.startswith("lower_")]
    return max(levels, key=float) if levels else None
