"""`forecaster classify`: sequence classification on the same recurrent core."""

from __future__ import annotations

from pathlib import Path

import click

from forecaster.cli.options import echo_json, handle_errors
from forecaster.core.config import CELLS, POOLINGS


def _read(path: Path, steps: int | None, encoding: str):
    from forecaster.classification.sequence_data import read_flat_csv, read_ts

    if path.suffix.lower() == ".ts":
        return read_ts(path, encoding=encoding)
    if steps is None:
        raise click.UsageError(f"'{path}' is a CSV of flattened sequences: say how many time "
                               f"steps each row holds with --steps (e.g. --steps 28 for MNIST).")
    return read_flat_csv(path, steps=steps, encoding=encoding)


@click.group()
def classify() -> None:
    """Classify numeric sequences (UCR/UEA .ts files, or CSV rows of flattened sequences).

    \b
    Examples:
      forecaster classify train datasets/ucr/GunPoint/GunPoint_TRAIN.ts \\
          --test datasets/ucr/GunPoint/GunPoint_TEST.ts
      forecaster classify train datasets/mnist_5k.csv.gz --steps 28 --out runs/mnist
      forecaster classify predict runs/mnist/model datasets/mnist_5k.csv.gz --steps 28
    """


@classify.command(epilog="Text classification (--kind text) is not built yet.")
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--kind", type=click.Choice(["sequence"]), default="sequence", show_default=True)
@click.option("--test", "test_file", type=click.Path(path_type=Path), default=None,
              help="Score on this file (e.g. a UCR _TEST.ts); default: a stratified --test-size.")
@click.option("--test-size", default=0.2, show_default=True)
@click.option("--steps", type=int, default=None, help="Time steps per row of a flat CSV.")
@click.option("--cell", type=click.Choice(CELLS), default="gru", show_default=True)
@click.option("--layers", default=1, show_default=True)
@click.option("--hidden", default=64, show_default=True)
@click.option("--bidirectional/--unidirectional", default=True, show_default=True)
@click.option("--pooling", type=click.Choice(POOLINGS), default="attention", show_default=True,
              help="How the sequence becomes one vector (attention: learned weights over steps).")
@click.option("--dropout", default=0.0, show_default=True)
@click.option("--epochs", type=int, default=None, help="Default: about 1000 optimiser steps.")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--lr", "learning_rate", default=1e-3, show_default=True)
@click.option("--optimizer", type=click.Choice(["adam", "rmsprop", "sgd"]), default="adam",
              show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
              show_default=True)
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=None)
@click.option("--overwrite", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--quiet", "-q", is_flag=True)
@handle_errors
def train(data: Path, kind: str, test_file: Path | None, test_size: float, steps: int | None,
          cell: str, layers: int, hidden: int, bidirectional: bool, pooling: str,
          dropout: float, epochs: int | None, batch_size: int, learning_rate: float,
          optimizer: str, seed: int, device: str, encoding: str, out: Path | None,
          overwrite: bool, as_json: bool, quiet: bool) -> None:
    """Train a sequence classifier on DATA and score it beside majority and 1-NN baselines."""
    from forecaster.classification.run import classification_run, stratified_split
    from forecaster.classification.sequence_classifier import SequenceClassifier
    from forecaster.forecasting.rundir import default_run_dir
    from forecaster.training import TrainConfig

    dataset = _read(data, steps, encoding)
    if test_file is not None:
        train_set, test_set = dataset, _read(test_file, steps, encoding)
    else:
        train_set, test_set = stratified_split(dataset, test_size, seed)
    config = TrainConfig(epochs=epochs or None, batch_size=batch_size,
                         learning_rate=learning_rate, optimizer=optimizer, seed=seed,
                         device=device, progress="lines" if quiet else "auto")
    model = SequenceClassifier(cell=cell, hidden_size=hidden, num_layers=layers,
                               bidirectional=bidirectional, dropout=dropout, pooling=pooling,
                               training=config)
    name = data.name.split(".")[0]
    out = out or default_run_dir(f"{name}-{cell}")
    evaluation, _ = classification_run(train_set, test_set, model, out, overwrite)
    if as_json:
        echo_json({"run_dir": str(out), **evaluation.to_dict()})
        return
    names = {"model": model.label, "majority": "majority class",
             "nearest_neighbour": "1-nearest neighbour"}
    click.echo(f"\n{len(test_set)} test cases, {len(model.classes_)} classes.\n")
    click.echo(f"{'classifier':<32}{'ACCURACY':>10}{'MACRO-F1':>10}")
    for key, values in evaluation.metrics.items():
        click.echo(f"{names[key]:<32}{values['accuracy']:>10.4f}{values['macro_f1']:>10.4f}")
    click.echo(f"\n{evaluation.verdict}\nRun written to {out}/ (metrics.json, confusion.png, "
               f"loss.png, model/).")


@classify.command()
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--steps", type=int, default=None)
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def predict(model_dir: Path, data: Path, steps: int | None, encoding: str,
            as_json: bool) -> None:
    """Labels and class probabilities for every case of DATA."""
    from forecaster.classification.sequence_classifier import SequenceClassifier

    model = SequenceClassifier.load(model_dir)
    cases = _read(data, steps, encoding)
    proba = model.predict_proba(cases)
    labels = [model.classes_[i] for i in proba.argmax(axis=1)]
    if as_json:
        echo_json({"classes": model.classes_, "predictions": [
            {"label": label, "probabilities": [round(float(p), 6) for p in row]}
            for label, row in zip(labels, proba, strict=True)]})
        return
    for label, row in zip(labels, proba, strict=True):
        click.echo(f"{label}\t" + "\t".join(f"{p:.4f}" for p in row))
