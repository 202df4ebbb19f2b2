"""Text classification on rotten_tomatoes: the default `TextClassifier`, the Keras-tutorial
recipe, TF-IDF + logistic regression and the majority class, on the same test set.

    .venv/bin/python benchmarks/text_classification.py [--markdown] [--json results.json]
        [--no-default] [--no-keras] [--extra "NAME:key=value,key=value" ...]
        [--tokenise-only]

Data: datasets/rotten_tomatoes.csv, repeated texts dropped (`drop_repeated_texts`: 12,808 ->
12,752 reviews), then a stratified 80/20 train/test split (sklearn `train_test_split`,
random_state=0). Each model's `fit` holds out a stratified 20 % of the training part for early
stopping, and learns its vocabulary from the remaining 80 % only.

Rows:
- default: `TextClassifier(training=TrainConfig(progress="off", device="cpu"))`;
- keras recipe: Embedding(10000, 32) -> SimpleRNN(32) -> Dense, maxlen 500, RMSprop 1e-3,
  10 epochs, batch 32, no dropout, no gradient clipping, no early stopping (the
  best-validation epoch is still the one kept: the fit loop always restores it);
- --extra rows: the default with other settings (keys: cell, hidden_size, num_layers,
  bidirectional, dropout, pooling, embedding_dim, max_words, max_length, word_dropout,
  pretrain, ngrams, learning_rate, batch_size, epochs, patience, optimizer, clip_norm, seed,
  threads, and val_size for `fit`), e.g.
  `--extra "pretrained:pretrain=lm" --extra "pretrained s1:pretrain=lm,seed=1"`;
- tfidf_logistic and majority: the baselines of `TextClassifier.evaluate`, fitted on the whole
  training part.

fit s = wall clock of `fit()` (vocabulary, encoding, language-model pretraining when asked,
training); samples/s = reviews trained on (the 80 % of the training part not held out) x epochs
run / seconds of the classifier's training loop (the JSON also has pretrain_seconds).
Tokenising speed = `tokenize` over 100,000 reviews (the shipped ones repeated), and
`Vocabulary.encode` of the same texts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from forecaster.classification.common import class_targets
from forecaster.classification.evaluation import scores
from forecaster.classification.text_classifier import TextClassifier, tfidf_logistic_predictions
from forecaster.classification.text_data import TextSet, drop_repeated_texts, read_text_csv
from forecaster.classification.validation import validation_split
from forecaster.classification.vocabulary import Vocabulary, tokenize
from forecaster.estimator_checks import saved_params
from forecaster.training import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
REVIEWS = ROOT / "datasets" / "rotten_tomatoes.csv"
MODEL_KEYS = ("cell", "hidden_size", "num_layers", "bidirectional", "dropout", "pooling",
              "embedding_dim", "max_words", "max_length", "word_dropout", "pretrain", "ngrams")
TRAIN_KEYS = ("learning_rate", "batch_size", "epochs", "patience", "optimizer", "clip_norm",
              "seed", "threads")
KERAS = {"cell": "rnn", "hidden_size": 32, "embedding_dim": 32, "bidirectional": False,
         "pooling": "last", "dropout": 0.0, "word_dropout": 0.0, "max_words": 10000,
         "max_length": 500,
         "optimizer": "rmsprop", "learning_rate": 1e-3, "epochs": 10, "batch_size": 32,
         "patience": 0, "clip_norm": None}


@dataclass
class Row:
    setting: str
    accuracy: float
    macro_f1: float
    fit_seconds: float | None = None
    epochs_run: int | None = None
    best_epoch: int | None = None
    throughput: float | None = None
    pretrain_seconds: float | None = None  # the language model's training loop, when pretrained
    params: dict = field(default_factory=dict)


def load() -> tuple[TextSet, TextSet, int]:
    from sklearn.model_selection import train_test_split

    data, dropped = drop_repeated_texts(read_text_csv(REVIEWS))
    train_rows, test_rows = train_test_split(np.arange(len(data)), test_size=0.2,
                                             stratify=data.labels, random_state=0)
    return (data.take(np.sort(train_rows), "rotten_tomatoes (train)"),
            data.take(np.sort(test_rows), "rotten_tomatoes (test)"), dropped)


def _value(text: str) -> object:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.lower() == "none":
        return None
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
        if key not in MODEL_KEYS + TRAIN_KEYS + ("val_size",):
            raise SystemExit(f"unknown setting {key!r}; use "
                             f"{', '.join(MODEL_KEYS + TRAIN_KEYS)}, val_size")
        settings[key] = _value(value)
    return settings


def run_model(label: str, train: TextSet, test: TextSet, settings: dict) -> Row:
    model_args = {key: settings[key] for key in MODEL_KEYS if key in settings}
    train_args = {key: settings[key] for key in TRAIN_KEYS if key in settings}
    config = TrainConfig(progress="off", device="cpu", **train_args)
    model = TextClassifier(**model_args, training=config)
    start = time.perf_counter()
    model.fit(train, val_size=settings.get("val_size"))
    seconds = time.perf_counter() - start
    found = scores(test.labels, model.predict(test))
    history = model.history_
    _, targets = class_targets(train.labels, train.source)
    trained_on = len(validation_split(targets, settings.get("val_size"), config.seed)[0])
    return Row(setting=label, accuracy=found["accuracy"], macro_f1=found["macro_f1"],
               fit_seconds=seconds, epochs_run=history.epochs_run,
               best_epoch=history.best_epoch,
               throughput=trained_on * history.epochs_run / history.seconds,
               pretrain_seconds=(None if model.pretraining_ is None
                                 else model.pretraining_.seconds),
               params={**saved_params(model), **{k: v for k, v in asdict(config).items()
                                                if k in TRAIN_KEYS}})


def baselines(train: TextSet, test: TextSet) -> list[Row]:
    start = time.perf_counter()
    predicted = tfidf_logistic_predictions(train, test)
    seconds = time.perf_counter() - start
    tfidf = Row("tfidf_logistic", **scores(test.labels, predicted), fit_seconds=seconds)
    values, counts = np.unique(train.labels, return_counts=True)
    majority = Row("majority", **scores(test.labels,
                                        np.full(len(test), values[counts.argmax()])))
    return [tfidf, majority]


def tokenising_speed(texts: list[str], count: int = 100_000) -> dict[str, float]:
    many = (texts * (count // len(texts) + 1))[:count]
    start = time.perf_counter()
    tokens = sum(len(tokenize(text)) for text in many)
    tokenise_s = time.perf_counter() - start
    vocabulary = Vocabulary.learn(texts, max_words=10000)
    start = time.perf_counter()
    vocabulary.encode(many, max_length=500)
    encode_s = time.perf_counter() - start
    return {"texts": count, "tokens": tokens, "tokenise_s": tokenise_s,
            "texts_per_s": count / tokenise_s, "encode_s": encode_s,
            "encode_texts_per_s": count / encode_s}


HEADER = ("setting", "test accuracy", "macro-F1", "fit s", "epochs (best)", "samples/s")


def cells(row: Row) -> tuple[str, ...]:
    epochs = "-" if row.epochs_run is None else f"{row.epochs_run} ({row.best_epoch})"
    return (row.setting, f"{row.accuracy:.3f}", f"{row.macro_f1:.3f}",
            "-" if row.fit_seconds is None else f"{row.fit_seconds:.1f}", epochs,
            "-" if row.throughput is None else f"{row.throughput:.0f}")


def print_table(rows: list[Row], markdown: bool) -> None:
    table = [HEADER, *(cells(row) for row in rows)]
    if markdown:
        print("| " + " | ".join(HEADER) + " |")
        print("|" + "---|" * len(HEADER))
        for line in table[1:]:
            print("| " + " | ".join(line) + " |")
        return
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-default", action="store_true")
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--extra", action="append", default=[],
                        help='"NAME:key=value,..." (NAME labels the row)')
    parser.add_argument("--tokenise-only", action="store_true")
    args = parser.parse_args(argv)

    train, test, dropped = load()
    print(f"rotten_tomatoes: {dropped} repeated texts dropped; train {len(train)}, test "
          f"{len(test)}; torch {torch.__version__}, {torch.get_num_threads()} threads",
          file=sys.stderr)
    speed = tokenising_speed(train.texts + test.texts)
    print(f"tokenising: {speed['texts']:,} reviews ({speed['tokens']:,} tokens) in "
          f"{speed['tokenise_s']:.2f} s = {speed['texts_per_s']:,.0f} texts/s; "
          f"Vocabulary.encode: {speed['encode_s']:.2f} s = "
          f"{speed['encode_texts_per_s']:,.0f} texts/s")
    rows: list[Row] = []
    if not args.tokenise_only:
        if not args.no_default:
            rows.append(run_model("default", train, test, {}))
        if not args.no_keras:
            rows.append(run_model("keras recipe", train, test, KERAS))
        for extra in args.extra:
            name, _, text = extra.partition(":")
            rows.append(run_model(name, train, test, parse_settings(text)))
        rows.extend(baselines(train, test))
        print_table(rows, args.markdown)
    if args.json:
        args.json.write_text(json.dumps({"tokenising": speed,
                                         "rows": [asdict(row) for row in rows]}, indent=2))


if __name__ == "__main__":
    main()
