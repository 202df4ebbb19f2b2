"""`forecaster predict`: the next H values after the end of a CSV, from a saved model."""

from __future__ import annotations

from pathlib import Path

import click

from forecaster.cli.options import (
    business_day_notes,
    check_future_given,
    checked_levels,
    data_options,
    echo_json,
    future_option,
    handle_errors,
    info,
    level_option,
    print_notes,
    split_features,
)
from forecaster.errors import DataError

EXAMPLES = """
\b
Examples:
  forecaster predict runs/GOOG-Close-lstm-20261123-101500/model datasets/GOOG.csv
  forecaster predict MODEL_DIR new_prices.csv --out forecast.csv --json
  forecaster predict MODEL_DIR new_prices.csv --level 90        # lower_90, upper_90 only
  forecaster predict models:/goog-close@champion datasets/GOOG.csv
  # a model trained with --future-features gen_forecast: the next 24 hours' values in a file
  forecaster predict MODEL_DIR datasets/epf_fr.csv --future datasets/epf_fr_future.csv
"""


@click.command(epilog=EXAMPLES)
@click.argument("model_dir", metavar="MODEL")
@click.argument("csv", type=click.Path(path_type=Path))
@data_options
@future_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Also write the forecast to this CSV file.")
@level_option
@click.option("--json", "as_json", is_flag=True, help="Print the forecast as JSON.")
@click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None, metavar="URI",
              help="Where models:/ URIs are looked up (default: sqlite:///mlflow.db).")
@handle_errors
def predict(model_dir: str, csv: Path, target: str | None, features: str,
            date_column: str | None, fill: str | None, encoding: str, future: Path | None,
            out: Path | None,
            level: tuple[float, ...], as_json: bool, tracking_uri: str | None) -> None:
    """Forecast the next H steps after the last row of CSV with a saved model.

    MODEL is a model directory (runs/<run>/model) or a registry URI (models:/NAME@ALIAS).

    CSV must have the columns the model was trained on (its target and input features); only
    its last LOOKBACK rows are read by the network. Each level (--level, default 80 and 95)
    adds lower_L and upper_L columns: the interval, adapted to the model's misses on the rows
    of CSV it did not train on.

    A model trained with --future-features also needs those columns for the H forecast dates:
    either as the last rows of CSV with the target left empty, or in a separate file given
    with --future. Each way of getting them wrong (a missing or extra date, a shifted date, an
    empty value, a missing column, both ways at once) is refused, naming the dates.
    """
    from forecaster.data import load_series
    from forecaster.data.date_text import with_iso_dates
    from forecaster.output import atomic_file, check_file_target

    levels = checked_levels(level)
    if out is not None:  # before any work: not a folder, not an input, a writable place
        check_file_target(out, [csv, model_dir])
    model = load_model(model_dir, tracking_uri)
    future_features = list(getattr(model, "future_features_", []))
    check_future_given(future_features, future)
    exchange = getattr(model, "exchange", None)
    future_rows = None
    if future_features:  # the trailing rows without a target are the future rows
        from forecaster.forecasting.model_known import read_with_future

        _check_own_columns(model, target, features)
        series, future_rows = read_with_future(model, csv, future, date_column=date_column,
                                               fill=fill, encoding=encoding)
    else:
        series = load_series(csv, target=target or model.target_,
                             features=split_features(features) or model.features_,
                             date_column=date_column, fill=fill, encoding=encoding)
    print_notes(series.notes + _frequency_notes(model.frequency_, series.frequency)
                + business_day_notes(series.frequency, exchange))
    _interval_notes(model, levels)
    frequency = series.frequency or model.frequency_
    forecast = model.forecast(series, levels=levels, future=future_rows)
    # dates as ISO 8601 in one format on the terminal, in --json and in --out (and the pyfunc)
    forecast = with_iso_dates(forecast, frequency)
    if out is not None:
        with atomic_file(out) as tmp:
            forecast.to_csv(tmp, index=False)
    if as_json:
        echo_json({"model": str(model_dir), "target": model.target_,
                   "forecast": [{"date": row["date"], "step": int(row["step"]),
                                 **{key: float(value) for key, value in row.items()
                                    if key not in ("date", "step")}}
                                for row in forecast.to_dict("records")]})
        return
    click.echo(forecast.to_string(index=False))


def _check_own_columns(model, target: str | None, features: str) -> None:
    """A model with future-known columns splits CSV into history and future rows by its own
    target: --target/--features naming other columns would not be read."""
    given = split_features(features)
    if (target and target != model.target_) or (given and given != model.features_):
        raise DataError(f"This model forecasts '{model.target_}' from "
                        f"{', '.join(model.features_) or 'no other input'}; --target/--features "
                        f"name other columns. Leave them out: the model reads its own.")


def _interval_notes(model, levels: tuple[float, ...] | None) -> None:
    """On stderr: a model saved before intervals forecasts points only; a default level the
    model's calibration is too small for is left out."""
    from forecaster.forecasting.interval_report import NO_INTERVALS

    if not model.has_intervals:
        info(f"Note: {NO_INTERVALS}.")
    elif levels is None and model.levels_left_out():
        info(f"Note: {model.levels_left_out()}")


def _frequency_notes(trained: str | None, given: str | None) -> list[str]:
    """A model forecasts steps of the spacing it was trained on: daily rows given to a monthly
    model were forecast without a word, each 'next day' really a next month."""
    if trained and given and trained != given:
        return [f"the model was trained on rows spaced '{trained}', but these rows are spaced "
                f"'{given}': each forecast step is one '{trained}' step of the training data, "
                f"whatever date it is shown with"]
    return []


def load_model(reference: str, tracking_uri: str | None = None):
    """A Forecaster from a model directory or an MLflow `models:/` URI."""
    if reference.startswith(("models:/", "runs:/")):
        from forecaster.tracking.registry import load_registered

        return load_registered(reference, tracking_uri)
    from forecaster.forecasting import Forecaster

    return Forecaster.load(reference)
