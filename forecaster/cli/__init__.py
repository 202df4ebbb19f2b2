"""The `forecaster` command line: a root group, one module per command, thin over the API."""

from __future__ import annotations

import atexit
import gc

import click

from forecaster import __version__
from forecaster.cli.classify import classify
from forecaster.cli.evaluate import backtest, evaluate
from forecaster.cli.models import models
from forecaster.cli.pipeline import run, validate
from forecaster.cli.predict import predict
from forecaster.cli.track import track
from forecaster.cli.train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="forecaster")
def main() -> None:
    """Forecast time series and classify texts and sequences with RNN, LSTM and GRU networks,
    always beside simple baselines.

    \b
    Start here:
      forecaster train datasets/GOOG.csv --target Close
    then look at the run directory it prints (metrics.json, plot.png, model/).
    \b
    Also:
      forecaster classify train datasets/rotten_tomatoes.csv     # review sentiment
      forecaster run pipelines/gafa_nightly.yaml                 # a scheduled batch job
    Exit codes: 0 success, 2 bad input or configuration, 3 finished but not all of it (a series
    failed, or MLflow logging), 1 a bug (please report it); `forecaster run --help` lists its own.
    """
    _skip_final_garbage_collection()


def _skip_final_garbage_collection() -> None:
    """At exit, freeze what is alive so the interpreter's last collection does not walk every
    torch, scipy and matplotlib object: about 1 s saved per command, nothing left unwritten
    (files are closed by then)."""
    if gc.freeze not in getattr(_skip_final_garbage_collection, "registered", ()):
        atexit.register(gc.freeze)
        _skip_final_garbage_collection.registered = (gc.freeze,)


main.add_command(train)
main.add_command(predict)
main.add_command(evaluate)
main.add_command(backtest)
main.add_command(track)
main.add_command(models)
main.add_command(classify)
main.add_command(validate)
main.add_command(run)
