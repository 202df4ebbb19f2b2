"""Language-model pretraining of the text classifier on a few hundred shipped reviews: the
language model learns, the classifier starts from its weights, runs repeat with the seed, the
setting is saved and reachable from the CLI, and what cannot work is refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from forecaster import ConfigError, TrainConfig
from forecaster.classification.common import class_targets
from forecaster.classification.pretraining import LanguageModel, pretrained_network
from forecaster.classification.text_classifier import TextClassifier
from forecaster.classification.text_data import TextSet, drop_repeated_texts, read_text_csv
from forecaster.classification.validation import validation_split
from forecaster.cli import main
from forecaster.core import EmbeddingEncoderWithHead, EncoderConfig

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
REVIEWS = DATASETS / "rotten_tomatoes.csv"


def small(**overrides) -> TextClassifier:
    training = TrainConfig(epochs=2, patience=0, progress="off", device="cpu", seed=0,
                           batch_size=32, learning_rate=3e-3)
    settings = {"cell": "gru", "hidden_size": 16, "embedding_dim": 16, "max_words": 1000,
                "dropout": 0.2, "pretrain": "lm", "training": training}
    return TextClassifier(**{**settings, **overrides})


@pytest.fixture(scope="module")
def reviews() -> TextSet:
    """400 reviews, both classes in the file's proportions."""
    data = drop_repeated_texts(read_text_csv(REVIEWS))[0]
    rows = np.random.default_rng(0).permutation(len(data))[:400]
    return data.take(rows, "reviews")


@pytest.fixture(scope="module")
def fitted(reviews) -> TextClassifier:
    return small().fit(reviews, val_size=0.2)


def batches(model: TextClassifier, data: TextSet):
    """The training and validation batches `fit` makes, for the model's own settings."""
    _, targets = class_targets(data.labels, data.source)
    train_rows, val_rows = validation_split(targets, 0.2, model.training.seed)
    return (model._batches(data, rows, targets) for rows in (train_rows, val_rows))


def test_the_language_model_learns_the_training_texts(fitted, reviews):
    _, history = pretrained_network(fitted._network, *batches(fitted, reviews),
                                    fitted.training, epochs=2)
    assert history.epochs_run == 2
    assert history.train_loss[1] < history.train_loss[0]
    assert history.val_loss[1] < history.val_loss[0]  # the held-out texts too
    assert history.train_loss[0] < np.log(fitted.vocabulary_.size)  # better than uniform


def test_the_classifier_starts_from_the_pretrained_weights(fitted, reviews):
    """The fitted embedding and recurrent weights lie close to the pretrained ones, far from
    the fresh ones the same seed gives without pretraining."""
    build, lm_history = pretrained_network(fitted._network, *batches(fitted, reviews),
                                           fitted.training)
    torch.manual_seed(fitted.training.seed)
    fresh, pretrained, tuned = fitted._network(), build(), fitted.network_
    assert lm_history.train_loss == fitted.pretraining_.train_loss  # the same pretraining
    for weights in (lambda net: net.embedding.weight,
                    lambda net: net.body.encoder.rnn.weight_hh_l0):
        start, random, end = (weights(net).detach() for net in (pretrained, fresh, tuned))
        assert not torch.equal(start, random)
        assert (end - start).norm() < 0.5 * (end - random).norm()


def test_same_seed_same_model(fitted, reviews):
    again = small().fit(reviews, val_size=0.2)
    assert again.pretraining_.train_loss == fitted.pretraining_.train_loss
    assert np.array_equal(again.predict_proba(reviews), fitted.predict_proba(reviews))
    assert small(pretrain="none").fit(reviews).pretraining_ is None


def test_forward_predicts_the_next_word_and_backward_the_previous():
    """The loss is the cross-entropy of the forward output at t against word t + 1 and of the
    backward output at t against word t - 1, over real words only (padding never scored);
    neither direction has read the word it predicts."""
    config = EncoderConfig(input_size=8, cell="lstm", hidden_size=4, num_layers=1,
                           bidirectional=True)
    torch.manual_seed(0)
    language = LanguageModel(EmbeddingEncoderWithHead(50, 8, config, 2), dropout=0.0).eval()
    ids, lengths = torch.tensor([[5, 6, 7, 8], [9, 3, 0, 0]]), torch.tensor([4, 2])
    outputs, _ = language.encoder.sequence(language.embedding(ids), lengths)  # (2, 4, 8)
    states = torch.cat([outputs[0, :3, :4], outputs[1, :1, :4],  # forward: words 1..3, 1
                        outputs[0, 1:, 4:], outputs[1, 1:2, 4:]])  # backward: 0..2, 0
    targets = torch.tensor([6, 7, 8, 3, 5, 6, 7, 9])
    expected = torch.nn.functional.cross_entropy(language.linear(states), targets)
    with torch.no_grad():
        assert float(language(ids, lengths)) == pytest.approx(float(expected), rel=1e-6)
    changed = torch.tensor([[5, 6, 7, 2]])  # the last word: unseen by the forward outputs
    before, _ = language.encoder.sequence(language.embedding(ids[:1]))
    after, _ = language.encoder.sequence(language.embedding(changed))
    assert torch.equal(before[:, :3, :4], after[:, :3, :4])
    changed = torch.tensor([[2, 6, 7, 8]])  # the first word: unseen by the backward outputs
    after, _ = language.encoder.sequence(language.embedding(changed))
    assert torch.equal(before[:, 1:, 4:], after[:, 1:, 4:])


def test_save_and_load_keep_the_setting(fitted, reviews, tmp_path):
    loaded = TextClassifier.load(fitted.save(tmp_path / "model"))
    assert loaded.pretrain == "lm"
    assert np.array_equal(loaded.predict_proba(reviews), fitted.predict_proba(reviews))


def test_a_model_saved_before_pretraining_loads_as_none(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    del config["params"]["pretrain"]
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert TextClassifier.load(path).pretrain == "none"


def test_unknown_pretrain_is_refused(reviews):
    with pytest.raises(ConfigError, match=r"^pretrain='bert' is not known; use one of none, lm "
                                          r"\(lm: pretrain the embedding and encoder"):
        small(pretrain="bert").fit(reviews)


def test_a_stacked_bidirectional_language_model_is_refused(reviews):
    with pytest.raises(ConfigError, match=r"^pretrain='lm' needs num_layers=1 with a "
                                          r"bidirectional encoder \(num_layers=2 was given\)"):
        small(num_layers=2, bidirectional=True).fit(reviews)
    small(num_layers=2, bidirectional=False, training=TrainConfig(
        epochs=1, progress="off", device="cpu")).fit(reviews)  # one direction may stack


def test_classify_train_pretrain_lm(reviews, tmp_path):
    path = tmp_path / "reviews.csv"
    pd.DataFrame({"text": reviews.texts, "label": reviews.labels}).to_csv(path, index=False)
    out = tmp_path / "run"
    result = CliRunner().invoke(main, [
        "classify", "train", str(path), "--val-size", "0.2", "--pretrain", "lm", "--cell", "gru",
        "--hidden-size", "8", "--embedding-dim", "8", "--max-words", "500", "--epochs", "1",
        "--device", "cpu", "--quiet", "--no-tracking", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Pretraining the embedding and encoder as a language model on 256 training " \
           "texts (5 epochs)." in result.output
    recorded = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert recorded["model"]["pretrain"] == "lm"
    assert TextClassifier.load(out / "model").pretrain == "lm"


def test_pretrain_on_sequences_is_exit_2(tmp_path):
    result = CliRunner().invoke(main, [
        "classify", "train", str(DATASETS / "ucr" / "GunPoint" / "GunPoint_TRAIN.ts"),
        "--pretrain", "lm", "--epochs", "1", "--quiet", "--no-tracking", "--out",
        str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "pretrain (--pretrain) is for text classification only" in result.output


def test_the_pipeline_key_is_model_pretrain(tmp_path):
    text, sequence = tmp_path / "text.yaml", tmp_path / "sequence.yaml"
    text.write_text(f"task: classify\ndata:\n  path: {REVIEWS}\n  kind: text\nmodel:\n"
                    f"  pretrain: lm\n", encoding="utf-8")
    sequence.write_text(f"task: classify\ndata:\n  path: "
                        f"{DATASETS / 'ucr' / 'GunPoint' / 'GunPoint_TRAIN.ts'}\n"
                        f"  kind: sequence\nmodel:\n  pretrain: lm\n", encoding="utf-8")
    assert CliRunner().invoke(main, ["validate", str(text)]).exit_code == 0
    refused = CliRunner().invoke(main, ["validate", str(sequence)])
    assert refused.exit_code == 2
    assert "'model.pretrain' is for kind: text only" in refused.output
