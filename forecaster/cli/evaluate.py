"""`forecaster evaluate` and `forecaster backtest`: score a saved model beside baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forecaster.cli.options import (
    checked_levels,
    data_options,
    echo_json,
    handle_errors,
    info,
    level_option,
    print_notes,
    split_features,
)


def _start(value: str | None) -> Any:
    """A fraction of rows (0.75), a date (2018-01-02), or None (the first unseen row)."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    if not 0 < number < 1:
        raise click.BadParameter(f"a fraction between 0 and 1 or a date, got {value!r}",
                                 param_hint="--start")
    return number


def _score(model_dir: Path, csv: Path, target: str | None, features: str,
           date_column: str | None, fill: str | None, encoding: str, start: str,
           season: int | None, level: tuple[float, ...], out: Path | None, overwrite: bool,
           as_json: bool, by_step: bool):
    """Load, score, write --out; print JSON and return None with --json, else the evaluation."""
    from forecaster.data import load_series
    from forecaster.forecasting import Forecaster
    from forecaster.forecasting.interval_report import NO_INTERVALS
    from forecaster.forecasting.report import write_evaluation
    from forecaster.output import atomic_directory, check_out_dir

    levels = checked_levels(level)
    if out is not None:  # before any work
        check_out_dir(out, overwrite, inputs=[model_dir, csv])
    model = Forecaster.load(model_dir)
    series = load_series(csv, target=target or model.target_,
                         features=split_features(features) or model.features_,
                         date_column=date_column, fill=fill, encoding=encoding,
                         future_features=list(getattr(model, "future_features_", [])))
    print_notes(series.notes)
    if not model.has_intervals:
        info(f"Note: {NO_INTERVALS}.")
    evaluation = model.evaluate(series, start=_start(start), season=season, by_step=by_step,
                                levels=levels)
    if out is not None:
        with atomic_directory(out, overwrite, inputs=[model_dir, csv]) as tmp:
            write_evaluation(tmp, evaluation, {"model_dir": str(model_dir), "data": str(csv)})
    if as_json:
        echo_json(evaluation.to_dict())
        return None
    return evaluation


def _common(command):
    command = click.option("--json", "as_json", is_flag=True, help="Print metrics as JSON.")(
        command)
    command = click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")(
        command)
    command = click.option("--out", type=click.Path(path_type=Path), default=None,
                           help="Write metrics.json and predictions.csv (with the model's "
                                "lower_L/upper_L bounds) to this directory.")(
        command)
    command = level_option(command)
    command = click.option("--season", type=int, default=None,
                           help="Season length for seasonal naive and MASE.")(command)
    command = click.option("--start", default=None,
                           help="First scored target: a fraction of the rows or a date. "
                                "Default: the first row after the rows the model trained and "
                                "validated on (the last 25% of a series it never saw). Rows "
                                "it saw are scored as 'in-sample', never as 'test'.")(
        command)
    command = data_options(command)
    command = click.argument("csv", type=click.Path(path_type=Path))(command)
    return click.argument("model_dir", type=click.Path(path_type=Path))(command)


@click.command(epilog="""
\b
Examples:
  forecaster evaluate runs/GOOG-Close-lstm-20261123-101500/model datasets/GOOG.csv
      (scores the rows after those the model trained and validated on: a test)
  forecaster evaluate runs/GOOG-Close-lstm-20261123-101500/model datasets/GOOG.csv \\
      --start 2018-01-02
      (a start inside the training rows is scored and labelled in-sample)
""")
@_common
@handle_errors
def evaluate(**options: Any) -> None:
    """Score a saved model on CSV from --start on, beside the baselines on the same points.

    Points and intervals (--level, default 80 and 95 %) alike: coverage is shown beside the
    nominal level for the model and every baseline.
    """
    from forecaster.forecasting.report import format_intervals, format_table, scope_line

    evaluation = _score(**options, by_step=False)
    if evaluation is None:
        return
    click.echo(scope_line(evaluation) + "\n")
    click.echo(format_table(evaluation))
    _echo_block(format_intervals(evaluation))
    click.echo(f"\n{evaluation.verdict}")


def _echo_block(text: str) -> None:
    if text:
        click.echo(f"\n{text}")


@click.command(epilog="""
\b
Example:
  forecaster backtest runs/GOOG-Close-gru-20261123-101500/model datasets/GOOG.csv
      (every origin after the rows the model trained and validated on)
""")
@_common
@handle_errors
def backtest(**options: Any) -> None:
    """Rolling-origin backtest: forecast from every origin after --start in one batched pass.

    Each origin sees only the rows before it; the model is not refitted. Errors are reported
    overall and for each step of the horizon; so is the coverage of the model's intervals,
    updated origin by origin from the misses already observed (adaptive conformal). --out
    writes every window's forecast with its bounds (predictions.csv).
    """
    from forecaster.forecasting.report import (
        column_cells,
        coverage_by_step,
        format_intervals,
        format_table,
        scope_line,
    )

    evaluation = _score(**options, by_step=True)
    if evaluation is None:
        return
    origins = len(evaluation.predictions) // evaluation.horizon
    click.echo(f"{origins} origins, horizon {evaluation.horizon}. {scope_line(evaluation)}\n")
    click.echo(format_table(evaluation))
    if evaluation.horizon > 1 and evaluation.metrics_by_step:
        click.echo("\nRMSE by step ahead:")
        names = evaluation.labels()
        steps = evaluation.metrics_by_step
        flat = column_cells([v for values in steps.values() for v in values["rmse"]])
        width = max(len(cell) for cell in flat) + 2
        label = max(len(names[name]) for name in steps) + 2  # labels name their settings
        click.echo(f"  {'':<{label}}" + "".join(f"{f'+{h}':>{width}}"
                                                for h in range(1, evaluation.horizon + 1)))
        for row, name in enumerate(steps):
            cells = flat[row * evaluation.horizon:(row + 1) * evaluation.horizon]
            click.echo(f"  {names[name]:<{label}}" + "".join(f"{cell:>{width}}"
                                                             for cell in cells))
    _echo_block(format_intervals(evaluation))
    levels = evaluation.intervals.to_dict()["levels"] if evaluation.intervals else []
    by_step = coverage_by_step(evaluation.predictions, levels)
    if evaluation.horizon > 1 and by_step:
        width = max(6, len(f"+{evaluation.horizon}") + 2)
        click.echo(f"\nCoverage of {evaluation.model_label}'s intervals by step ahead:")
        click.echo(f"  {'':<8}" + "".join(f"{f'+{h}':>{width}}"
                                          for h in range(1, evaluation.horizon + 1)))
        for level, held in by_step.items():
            click.echo(f"  {f'{level} %':<8}" + "".join(f"{100 * v:>{width}.1f}" for v in held))
    click.echo(f"\n{evaluation.verdict}")
