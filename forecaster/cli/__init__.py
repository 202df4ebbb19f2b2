"""The `forecaster` command line: a root group, one module per command, thin over the API."""

from __future__ import annotations

import click

from forecaster import __version__
from forecaster.cli.evaluate import backtest, evaluate
from forecaster.cli.predict import predict
from forecaster.cli.train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="forecaster")
def main() -> None:
    """Forecast time series with RNN, LSTM and GRU networks, always beside simple baselines.

    \b
    Start here:
      forecaster train datasets/GOOG.csv --target Close
    then look at the run directory it prints (metrics.json, plot.png, model/).
    Exit codes: 0 success, 2 bad input or configuration, 1 a bug (please report it).
    """


main.add_command(train)
main.add_command(predict)
main.add_command(evaluate)
main.add_command(backtest)
