"""Sequence classification: the default `SequenceClassifier` on five UCR/UEA problems and MNIST 5k.

    .venv/bin/python benchmarks/classification.py [--only GunPoint,MNIST5k] [--markdown]
        [--seeds 0,1,2] [--epochs NAME=N,...] [--extra "NAME:key=value,key=value" ...]
        [--no-default] [--json results.json]

Problems: ItalyPowerDemand, GunPoint, ArrowHead, BasicMotions, JapaneseVowels (datasets/ucr/,
official TRAIN/TEST split) and MNIST5k (datasets/mnist_5k.csv.gz read as 28 steps x 28 pixels,
stratified 80/20 split, sklearn train_test_split(random_state=0)).

Each row trains `SequenceClassifier(training=TrainConfig(progress="off", device="cpu"))`, i.e.
every default, once per seed of `--seeds` (default 0,1,2), and reports on the test set: accuracy
(mean over the seeds and spread = max - min), the accuracy of the seeds' models together
(probabilities averaged: what a seed ensemble would give), macro-F1 (mean), the majority-class, 1-NN
Euclidean and 1-NN DTW (tslearn, full window) accuracies from `evaluate` (the same for every
seed), the published 1-NN DTW accuracy where there is one, fit seconds (mean wall clock of
`fit`), epochs run (best epoch kept, first seed) and training throughput = cases trained on (the
80 % not held out when 20 % is 100 cases or more, else all of them) x epochs run / fit
seconds (first seed). Target: UCR at or above 1-NN DTW
(computed or published, whichever is higher); MNIST 5k at or above 0.95.

`--epochs NAME=N` caps the epochs of one problem (for a problem too slow for the default);
`--extra "NAME:key=value,..."` adds a row with other settings (keys: cell, hidden_size,
num_layers, bidirectional, dropout, pooling, architecture, learning_rate, batch_size, epochs,
patience, seed; a seed given there runs that seed only).
Nothing in the package is changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from forecaster.classification import SequenceClassifier
from forecaster.classification.sequence_data import SequenceSet, read_flat_csv, read_ts
from forecaster.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
UCR = ("ItalyPowerDemand", "GunPoint", "ArrowHead", "BasicMotions", "JapaneseVowels")
PROBLEMS = (*UCR, "MNIST5k")
# Published 1-NN DTW test accuracy (UCR archive, full warping window); none for the other two.
# The benchmark computes its own (tslearn) too; the target is the higher of the two.
DTW = {"GunPoint": 0.907, "ItalyPowerDemand": 0.950, "ArrowHead": 0.663}
MNIST_TARGET = 0.95
MODEL_KEYS = ("cell", "hidden_size", "num_layers", "bidirectional", "dropout", "pooling",
              "architecture")
TRAIN_KEYS = ("learning_rate", "batch_size", "epochs", "patience", "seed")


@dataclass
class Row:
    problem: str
    setting: str
    n_train: int
    n_test: int
    accuracy: float  # mean over the seeds
    spread: float  # max - min over the seeds
    seeds: list[int]
    accuracies: list[float]
    ensemble: float  # the seeds' models together: their probabilities averaged
    macro_f1: float
    majority: float
    nearest_neighbour: float
    dtw: float
    published_dtw: float | None
    target: float
    fit_seconds: float
    epochs_run: int
    best_epoch: int
    epochs_planned: int
    throughput: float
    params: dict = field(default_factory=dict)

    @property
    def met(self) -> str:
        if self.accuracy >= self.target:
            return "yes"
        return f"no ({self.accuracy - self.target:+.3f})"


def load(name: str) -> tuple[SequenceSet, SequenceSet]:
    if name == "MNIST5k":
        from sklearn.model_selection import train_test_split

        data = read_flat_csv(ROOT / "datasets" / "mnist_5k.csv.gz", steps=28)
        rows = np.arange(len(data))
        train_rows, test_rows = train_test_split(rows, test_size=0.2, stratify=data.labels,
                                                 random_state=0)

        def subset(picked: np.ndarray, part: str) -> SequenceSet:
            return SequenceSet(data.values[picked], data.lengths[picked], data.labels[picked],
                               f"{data.source} ({part})")

        return subset(train_rows, "train"), subset(test_rows, "test")
    folder = ROOT / "datasets" / "ucr" / name
    return read_ts(folder / f"{name}_TRAIN.ts"), read_ts(folder / f"{name}_TEST.ts")


def _value(text: str) -> object:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_settings(text: str) -> dict:
    settings = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _, value = item.partition("=")
        if key not in MODEL_KEYS + TRAIN_KEYS:
            raise SystemExit(f"unknown setting {key!r}; use {', '.join(MODEL_KEYS + TRAIN_KEYS)}")
        settings[key] = _value(value)
    return settings


def run(name: str, train: SequenceSet, test: SequenceSet, settings: dict, label: str,
        seeds: list[int], baselines: dict) -> Row:
    """Fit once per seed; the baselines (the same for every seed) are scored once per problem
    and kept in `baselines`."""
    from forecaster.classification.evaluation import scores

    model_args = {key: settings[key] for key in MODEL_KEYS if key in settings}
    train_args = {key: settings[key] for key in TRAIN_KEYS if key in settings}
    seeds = [train_args.pop("seed")] if "seed" in train_args else seeds
    accuracies, f1s, seconds, first, probabilities = [], [], [], None, []
    for seed in seeds:
        config = TrainConfig(progress="off", device="cpu", seed=seed, **train_args)
        model = SequenceClassifier(**model_args, training=config)
        start = time.perf_counter()
        model.fit(train)
        seconds.append(time.perf_counter() - start)
        if not baselines:
            baselines.update(model.evaluate(test, train=train).metrics)
        probabilities.append(model.predict_proba(test))
        score = scores(test.labels, model.predict(test))
        accuracies.append(score["accuracy"])
        f1s.append(score["macro_f1"])
        first = first or (model.history_, seconds[0])
        print(f"  {name} [{label}] seed {seed}: accuracy {score['accuracy']:.3f}, "
              f"{seconds[-1]:.1f} s", file=sys.stderr, flush=True)
    history, first_seconds = first
    together = np.asarray(model.classes_)[np.mean(probabilities, axis=0).argmax(axis=1)]
    trained_on = history.train_samples  # all cases, or the 80 % not held out (validation.py)
    dtw = baselines["nearest_neighbour_dtw"]["accuracy"]
    target = MNIST_TARGET if name == "MNIST5k" else max(dtw, DTW.get(name, 0.0))
    return Row(problem=name, setting=label, n_train=len(train), n_test=len(test),
               accuracy=float(np.mean(accuracies)),
               spread=float(max(accuracies) - min(accuracies)), seeds=list(seeds),
               accuracies=accuracies,
               ensemble=scores(test.labels, together)["accuracy"], macro_f1=float(np.mean(f1s)),
               majority=baselines["majority"]["accuracy"],
               nearest_neighbour=baselines["nearest_neighbour"]["accuracy"],
               dtw=dtw, published_dtw=DTW.get(name), target=target,
               fit_seconds=float(np.mean(seconds)),
               epochs_run=history.epochs_run, best_epoch=history.best_epoch,
               epochs_planned=history.epochs_planned,
               throughput=trained_on * history.epochs_run / first_seconds,
               params={**model_args, **train_args})


HEADER = ("problem", "setting", "train/test", "accuracy (seeds)", "spread", "ensemble", "macro-F1",
          "majority", "1-NN Eucl.", "1-NN DTW", "DTW publ.", "target", "met", "fit s",
          "epochs (best)", "samples/s")


def cells(row: Row) -> tuple[str, ...]:
    return (row.problem, row.setting, f"{row.n_train}/{row.n_test}",
            f"{row.accuracy:.3f} ({len(row.seeds)})", f"{row.spread:.3f}", f"{row.ensemble:.3f}",
            f"{row.macro_f1:.3f}",
            f"{row.majority:.3f}", f"{row.nearest_neighbour:.3f}", f"{row.dtw:.3f}",
            "-" if row.published_dtw is None else f"{row.published_dtw:.3f}",
            f"{row.target:.3f}", row.met, f"{row.fit_seconds:.1f}",
            f"{row.epochs_run} ({row.best_epoch})", f"{row.throughput:.0f}")


def table(rows: list[Row], markdown: bool) -> str:
    lines = [HEADER] + [cells(row) for row in rows]
    if markdown:
        out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(HEADER)]
        out += ["| " + " | ".join(line) + " |" for line in lines[1:]]
        return "\n".join(out)
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    return "\n".join("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True))
                     for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(PROBLEMS),
                        help=f"comma-separated problems ({', '.join(PROBLEMS)})")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--epochs", default="",
                        help="NAME=N,...: cap the epochs of a problem (default row)")
    parser.add_argument("--extra", action="append", default=[],
                        help='extra row "NAME:key=value,key=value" (repeatable)')
    parser.add_argument("--no-default", action="store_true",
                        help="run only the --extra rows")
    parser.add_argument("--seeds", default="0,1,2",
                        help="comma-separated training seeds per row (mean and spread)")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    args = parser.parse_args(argv)

    names = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(names) - set(PROBLEMS))
    if unknown:
        parser.error(f"unknown problem(s) {unknown}; choose from {', '.join(PROBLEMS)}")
    caps = {}
    for item in filter(None, args.epochs.split(",")):
        key, _, value = item.partition("=")
        caps[key.strip()] = int(value)
    extras: dict[str, list[dict]] = {}
    for spec in args.extra:
        name, _, text = spec.partition(":")
        if name not in PROBLEMS:
            parser.error(f"--extra {spec!r}: unknown problem {name!r}")
        extras.setdefault(name, []).append(parse_settings(text))
        if name not in names:
            names.append(name)

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device cpu",
          file=sys.stderr)
    seeds = [int(seed) for seed in args.seeds.split(",") if seed.strip()]
    rows: list[Row] = []
    for name in names:
        train, test = load(name)
        baselines: dict = {}
        jobs = []
        if not args.no_default:
            if name in caps:
                jobs.append(({"epochs": caps[name]}, f"default, {caps[name]} epochs"))
            else:
                jobs.append(({}, "default"))
        for settings in extras.get(name, []):
            label = ", ".join(f"{key}={value}" for key, value in settings.items())
            jobs.append((settings, label))
        for settings, label in jobs:
            row = run(name, train, test, settings, label, seeds, baselines)
            rows.append(row)
            print(f"{name} [{label}]: accuracy {row.accuracy:.3f}, {row.fit_seconds:.1f} s, "
                  f"{row.epochs_run} epochs", file=sys.stderr, flush=True)
    print(table(rows, args.markdown))
    if args.json:
        Path(args.json).write_text(json.dumps(
            [{**row.__dict__, "target_met": row.met} for row in rows], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
