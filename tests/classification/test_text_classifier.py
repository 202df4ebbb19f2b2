"""TextClassifier on slices of the shipped reviews: learns, ignores padding, uses the training
vocabulary only, saves and loads without pickle, and refuses what it cannot use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from torch import nn

from forecaster import ConfigError, DataError, ModelFileError, TrainConfig
from forecaster.classification.common import class_targets
from forecaster.classification.sequence_classifier import SequenceClassifier
from forecaster.classification.text_classifier import TextClassifier
from forecaster.classification.text_data import TextSet, drop_repeated_texts, read_text_csv
from forecaster.classification.validation import validation_split
from forecaster.classification.vocabulary import OOV, tokenize
from forecaster.errors import NotFittedError
from forecaster.estimator_checks import saved_params

REVIEWS = Path(__file__).resolve().parents[2] / "datasets" / "rotten_tomatoes.csv"


def training(**overrides) -> TrainConfig:
    settings = {"epochs": 6, "patience": 0, "progress": "off", "device": "cpu", "seed": 0,
                "batch_size": 32, "learning_rate": 3e-3}
    return TrainConfig(**{**settings, **overrides})


def small(**overrides) -> TextClassifier:
    settings = {"cell": "gru", "hidden_size": 16, "embedding_dim": 16, "max_words": 3000,
                "bidirectional": False, "pooling": "mean", "dropout": 0.2,
                "training": training()}
    return TextClassifier(**{**settings, **overrides})


@pytest.fixture(scope="module")
def reviews() -> TextSet:
    return drop_repeated_texts(read_text_csv(REVIEWS))[0]


@pytest.fixture(scope="module")
def split(reviews) -> tuple[TextSet, TextSet]:
    """3000 training and 1000 test reviews, both classes in the file's proportions."""
    rows = np.random.default_rng(0).permutation(len(reviews))
    return reviews.take(rows[:3000], "train"), reviews.take(rows[3000:4000], "test")


@pytest.fixture(scope="module")
def model(split) -> TextClassifier:
    return small().fit(split[0])


def test_learns_reviews_beside_the_baselines(split, model):
    train, test = split
    evaluation = model.evaluate(test, train=train)
    metrics = evaluation.metrics
    assert set(metrics) == {"model", "majority", "tfidf_logistic"}
    assert metrics["majority"]["accuracy"] == pytest.approx(0.58, abs=0.03)  # positive share
    assert metrics["tfidf_logistic"]["accuracy"] > 0.68
    assert metrics["model"]["accuracy"] > 0.65  # clearly above the majority class
    assert sum(map(sum, evaluation.confusion)) == len(test)
    assert evaluation.verdict.startswith("The GRU text classifier (1x16)")
    assert model.history_.epochs_run == 6 and len(model.history_.val_loss) == 6


def test_probabilities_are_distributions(split, model):
    test = split[1]
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 2) and model.classes_ == ["negative", "positive"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(model.predict(test)) <= set(model.classes_)
    unlabelled = TextSet(test.texts[:5], None, "unlabelled")
    np.testing.assert_allclose(model.predict_proba(unlabelled), proba[:5], rtol=0, atol=1e-6)


@pytest.mark.parametrize(("cell", "pooling"), [("lstm", "attention"), ("lstm", "last"),
                                               ("gru", "mean"), ("rnn", "last")])
def test_padding_to_50_or_500_tokens_gives_the_same_probabilities(reviews, cell, pooling):
    """A review batched with a 500-token text (padded to 500) and with a 50-token one (padded
    to 50) gets the same probabilities: packing keeps padding out of the cell and the pooling."""
    model = small(cell=cell, pooling=pooling, bidirectional=True, max_length=600,
                  training=training(epochs=1)).fit(reviews.take(np.arange(600), "600"))
    review = reviews.texts[700]
    tokens = [token for text in reviews.texts[:200] for token in tokenize(text)]
    long_text, short_text = " ".join(tokens[:500]), " ".join(tokens[:50])
    lengths = model.vocabulary_.encode([long_text, short_text, review], model.max_length)[1]
    assert lengths[0] == 500 and lengths[1] == 50 and lengths[2] < 50
    with_long = model.predict_proba(TextSet([review, long_text], None, "padded to 500"))
    with_short = model.predict_proba(TextSet([short_text, review], None, "padded to 50"))
    alone = model.predict_proba(TextSet([review], None, "alone"))
    np.testing.assert_allclose(with_long[0], with_short[1], rtol=0, atol=1e-6)
    np.testing.assert_allclose(with_long[0], alone[0], rtol=0, atol=1e-6)


def test_vocabulary_comes_from_the_training_part_only(split, model):
    train, test = split
    _, targets = class_targets(train.labels, train.source)
    fit_rows, val_rows = validation_split(targets, 0.2, model.train_config_.seed)
    fit_tokens = {token for row in fit_rows for token in tokenize(train.texts[row])}
    val_only = {token for row in val_rows for token in tokenize(train.texts[row])} - fit_tokens
    assert val_only and set(model.vocabulary_.tokens) <= fit_tokens
    assert not val_only & set(model.vocabulary_.tokens)  # the early-stopping share is unseen
    train_tokens = {token for text in train.texts for token in tokenize(text)}
    text = next(text for text in test.texts
                if any(token not in train_tokens for token in tokenize(text)))
    word = next(token for token in tokenize(text) if token not in train_tokens)
    ids, _ = model.vocabulary_.encode([text], model.max_length)
    assert ids[0, tokenize(text).index(word)] == OOV
    assert model.vocabulary_.size == 3002 and model.network_.embedding.num_embeddings == 3002


def test_save_and_load_round_trip_without_pickle(split, model, tmp_path):
    path = model.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    assert config["kind"] == "text_classifier" and config["classes"] == model.classes_
    assert config["vocabulary"]["tokens"] == model.vocabulary_.tokens
    assert config["params"] == saved_params(model)  # every __init__ argument but training
    weights = (path / "weights.safetensors").read_bytes()
    header = int.from_bytes(weights[:8], "little")  # safetensors: length, JSON header, tensors
    tensors = json.loads(weights[8:8 + header])
    assert tensors["embedding.weight"]["shape"] == [3002, 16]  # plain tensors, not a pickle
    assert not weights.startswith(b"\x80")  # a pickle starts with its PROTO opcode
    loaded = TextClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(split[1]), model.predict_proba(split[1]))
    assert loaded.get_params() == model.get_params() and loaded.label == model.label


def test_loading_another_kind_of_model_is_refused(model, tmp_path):
    path = model.save(tmp_path / "model")
    with pytest.raises(ModelFileError, match="holds a 'text_classifier' model, not a sequence"):
        SequenceClassifier.load(path)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    (path / "config.json").write_text(json.dumps({**config, "kind": "sequence_classifier"}),
                                      encoding="utf-8")
    with pytest.raises(ModelFileError, match="holds a 'sequence_classifier' model, not a text"):
        TextClassifier.load(path)


def test_single_class_unseen_labels_and_unlabelled_data_are_clear_errors(split, model):
    train, test = split
    positive = train.take(np.flatnonzero(train.labels == "positive")[:200], "positive only")
    with pytest.raises(DataError, match=r"'positive only' has a single class \('positive'\)"):
        small(training=training(epochs=1)).fit(positive)
    relabelled = TextSet(test.texts, np.where(test.labels == "negative", "neutral",
                                              test.labels), "relabelled")
    with pytest.raises(DataError, match=r"'relabelled' has label\(s\) \['neutral'\] that the "
                                        r"model never saw"):
        model.evaluate(relabelled, train=train)
    unlabelled = TextSet(test.texts, None, "unlabelled")
    with pytest.raises(DataError, match="'unlabelled' has no labels"):
        model.evaluate(unlabelled)
    with pytest.raises(DataError, match="'unlabelled' has no labels"):
        small().fit(unlabelled)
    with pytest.raises(NotFittedError, match="not fitted"):
        TextClassifier().predict(test)


def test_evaluate_without_training_set_compares_the_majority_class(split, model):
    metrics = model.evaluate(split[1]).metrics
    assert set(metrics) == {"model", "majority"}


@pytest.mark.parametrize(("name", "value"), [("max_words", 0), ("embedding_dim", -4),
                                             ("max_length", 2.5), ("cell", "transformer"),
                                             ("word_dropout", 1.0), ("dropout", -0.1)])
def test_bad_parameters_name_themselves(split, name, value):
    with pytest.raises(ConfigError, match=rf"^{name}={value!r} "):
        small(**{name: value}).fit(split[0])


def test_keras_recipe_is_reachable_by_parameters(reviews):
    """Embedding(10000, 32) -> SimpleRNN(32) -> Dense, maxlen 500, RMSprop, batch 32."""
    model = TextClassifier(cell="rnn", hidden_size=32, embedding_dim=32, bidirectional=False,
                           pooling="last", dropout=0.0, word_dropout=0.0, max_words=10000,
                           max_length=500,
                           training=training(optimizer="rmsprop", learning_rate=1e-3, epochs=1))
    model.fit(reviews.take(np.arange(400), "400"))
    assert isinstance(model.network_.body.encoder.rnn, nn.RNN)
    assert model.network_.embedding.embedding_dim == 32
    assert model.network_.body.head.in_features == 32
    assert model.label == "RNN text classifier (1x32)"


def test_empty_text_is_scored_not_crashed(model):
    proba = model.predict_proba(TextSet(["", "  ", "A triumph."], None, "typed"))
    assert proba.shape == (3, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba[0], proba[1])  # both are one unknown token


def test_same_seed_same_model(split):
    part = split[0].take(np.arange(500), "500")
    first = small(training=training(epochs=1)).fit(part).predict_proba(split[1])
    second = small(training=training(epochs=1)).fit(part).predict_proba(split[1])
    np.testing.assert_array_equal(first, second)
