"""The bag-of-n-grams branch beside the text encoder: learns on real reviews, ignores padding,
round-trips, loads files saved before it, and refuses what it cannot be."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from forecaster import ConfigError, TrainConfig
from forecaster.classification.text_classifier import TextClassifier
from forecaster.classification.text_data import TextSet, drop_repeated_texts, read_text_csv
from forecaster.classification.vocabulary import tokenize
from forecaster.cli import main
from forecaster.core.bag import PAIR_BUCKETS, NgramBag, pair_ids

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def small(**overrides) -> TextClassifier:
    settings = {"cell": "gru", "hidden_size": 16, "embedding_dim": 16, "max_words": 3000,
                "bidirectional": False, "pooling": "mean", "dropout": 0.2, "ngrams": 2,
                "training": TrainConfig(epochs=6, patience=0, progress="off", device="cpu",
                                        batch_size=32, learning_rate=3e-3)}
    return TextClassifier(**{**settings, **overrides})


@pytest.fixture(scope="module")
def split() -> tuple[TextSet, TextSet]:
    reviews = drop_repeated_texts(read_text_csv(DATASETS / "rotten_tomatoes.csv"))[0]
    rows = np.random.default_rng(1).permutation(len(reviews))
    return reviews.take(rows[:3000], "train"), reviews.take(rows[3000:4000], "test")


@pytest.fixture(scope="module")
def model(split) -> TextClassifier:
    return small().fit(split[0])


def test_pairs_are_hashed_and_padding_stays_padding():
    ids = torch.tensor([[5, 7, 9, 0, 0], [3, 2, 0, 0, 0]])
    pairs = pair_ids(ids)
    assert pairs.shape == (2, 4)
    assert (pairs[0, :2] > 0).all() and (pairs[0, 2:] == 0).all()
    assert (pairs[1, :1] > 0).all() and (pairs[1, 1:] == 0).all()
    assert int(pairs.max()) <= PAIR_BUCKETS
    assert pairs[0, 0] != pair_ids(torch.tensor([[7, 5]]))[0, 0]  # order matters


def test_the_bag_learns_reviews_and_adds_to_the_encoder(split, model):
    train, test = split
    assert isinstance(model.network_.bag, NgramBag)
    assert "bag of words and pairs" in model.label
    metrics = model.evaluate(test, train=train).metrics
    assert metrics["model"]["accuracy"] > metrics["majority"]["accuracy"] + 0.05
    # the logits are the encoder's plus the bag's: without the bag they change
    ids, lengths = model._encode(test.texts[:20])
    network = model.network_.eval()
    with torch.no_grad():
        whole = network(ids, lengths)
        encoder_only = network.body(network.embedding(ids), lengths)
        np.testing.assert_allclose(whole, encoder_only + network.bag(ids), atol=1e-5)
        assert not torch.allclose(whole, encoder_only)


def test_padding_never_changes_the_bag(split, model):
    review = split[1].texts[0]
    long_text = " ".join(token for text in split[1].texts[1:40] for token in tokenize(text))
    alone = model.predict_proba(TextSet([review], None, "alone"))
    padded = model.predict_proba(TextSet([long_text, review], None, "padded"))
    np.testing.assert_allclose(alone[0], padded[1], rtol=0, atol=1e-6)


def test_round_trip_and_a_file_from_before_the_bag(split, model, tmp_path):
    path = model.save(tmp_path / "bag")
    loaded = TextClassifier.load(path)
    assert loaded.ngrams == 2
    np.testing.assert_array_equal(loaded.predict_proba(split[1]), model.predict_proba(split[1]))
    old = small(ngrams=0).fit(split[0].take(np.arange(300), "few")).save(tmp_path / "old")
    config = json.loads((old / "config.json").read_text(encoding="utf-8"))
    del config["params"]["ngrams"]  # as written before the bag branch existed
    (old / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert TextClassifier.load(old).ngrams == 0


@pytest.mark.parametrize("bad", [3, -1, True, "2"])
def test_an_unknown_ngrams_is_refused(split, bad):
    with pytest.raises(ConfigError, match="ngrams="):
        small(ngrams=bad).fit(split[0])


def test_ngrams_is_a_text_setting_on_the_command_line_and_in_pipelines(tmp_path):
    gunpoint = DATASETS / "ucr" / "GunPoint" / "GunPoint_TRAIN.ts"
    refused = CliRunner().invoke(main, ["classify", "train", str(gunpoint), "--ngrams", "2",
                                        "--no-tracking"])
    assert refused.exit_code == 2 and "ngrams" in refused.output
    job = tmp_path / "job.yaml"
    job.write_text(f"name: reviews\ntask: classify\ndata:\n  path: "
                   f"{DATASETS / 'rotten_tomatoes.csv'}\n  kind: text\nmodel:\n  ngrams: 3\n",
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(job)])
    assert result.exit_code != 0 and "model.ngrams" in result.output
