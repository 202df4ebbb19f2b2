"""`forecaster predict`: the next H values after the end of a CSV, from a saved model."""

from __future__ import annotations

from pathlib import Path

import click

from forecaster.cli.options import data_options, echo_json, handle_errors, split_features

EXAMPLES = """
\b
Examples:
  forecaster predict runs/GOOG-Close-lstm-20261123-101500/model datasets/GOOG.csv
  forecaster predict MODEL_DIR new_prices.csv --out forecast.csv --json
"""


@click.command(epilog=EXAMPLES)
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("csv", type=click.Path(path_type=Path))
@data_options
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Also write the forecast to this CSV file.")
@click.option("--json", "as_json", is_flag=True, help="Print the forecast as JSON.")
@handle_errors
def predict(model_dir: Path, csv: Path, target: str | None, features: str,
            date_column: str | None, fill: str | None, encoding: str, out: Path | None,
            as_json: bool) -> None:
    """Forecast the next H steps after the last row of CSV with a saved model.

    CSV must have the columns the model was trained on (its target and input features); only
    its last LOOKBACK rows are read by the network.
    """
    from forecaster.data import load_series
    from forecaster.forecasting import Forecaster

    model = Forecaster.load(model_dir)
    series = load_series(csv, target=target or model.target_,
                         features=split_features(features) or model.features_,
                         date_column=date_column, fill=fill, encoding=encoding)
    forecast = model.forecast(series)
    if out is not None:
        tmp = out.with_name(f".{out.name}.tmp")
        forecast.to_csv(tmp, index=False)
        tmp.replace(out)
    if as_json:
        echo_json({"model": str(model_dir), "target": model.target_,
                   "forecast": [{"date": str(r.date), "step": int(r.step),
                                 "forecast": float(r.forecast)}
                                for r in forecast.itertuples()]})
        return
    click.echo(forecast.to_string(index=False))
