"""Calibrated probabilities: the expected calibration error on hand-made cases, and temperature
scaling on real small classifiers (a few hundred shipped reviews, a UCR problem): fitted on the
validation cases, it lowers their NLL, never changes a label, is saved and loaded with the
model, reaches the pyfunc's probability columns, and an older model file without it loads
with T = 1 and says so once."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from forecaster.classification import SequenceClassifier, TextClassifier, read_ts
from forecaster.classification.calibration import (
    UncalibratedModelWarning,
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    softmax,
)
from forecaster.classification.saved_models import classify_frame, load_classifier
from forecaster.classification.text_data import TextSet, read_text_csv
from forecaster.classification.validation import validation_split
from forecaster.cli import main
from forecaster.errors import ModelFileError
from forecaster.training import TrainConfig

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
ITALY = DATASETS / "ucr" / "ItalyPowerDemand"


# ---------------------------------------------------------------- ECE on hand-made cases
def test_perfectly_calibrated_probabilities_have_no_calibration_error():
    # 10 cases said 0.8 and 8 of them right; 5 cases said 0.6 and 3 right
    proba = np.array([[0.8, 0.2]] * 10 + [[0.4, 0.6]] * 5)
    targets = np.array([0] * 8 + [1] * 2 + [1] * 3 + [0] * 2)
    assert expected_calibration_error(proba, targets) == pytest.approx(0.0, abs=1e-12)


def test_a_known_calibration_error():
    # bin (0.6, 0.667]: 2 cases said 0.65, 1 right: gap 0.15; bin (0.933, 1]: 2 cases said
    # 0.95, both right: gap 0.05. Weighted by their shares (1/2 each): 0.10.
    proba = np.array([[0.65, 0.35], [0.35, 0.65], [0.95, 0.05], [0.05, 0.95]])
    targets = np.array([0, 0, 0, 1])
    assert expected_calibration_error(proba, targets) == pytest.approx(0.10)
    # an over-confident model: every case said 0.9, half right
    assert expected_calibration_error(np.array([[0.9, 0.1]] * 4), np.array([0, 1, 0, 1])) == \
        pytest.approx(0.4)
    assert expected_calibration_error(np.empty((0, 2)), np.empty(0, dtype=int)) == 0.0


def test_the_nll_is_the_cross_entropy_of_the_scaled_logits():
    generator = np.random.default_rng(0)
    logits, targets = generator.normal(size=(50, 3)) * 4, generator.integers(0, 3, 50)
    torch_nll = torch.nn.functional.cross_entropy(torch.from_numpy(logits / 2.5),
                                                  torch.from_numpy(targets))
    assert negative_log_likelihood(logits, targets, 2.5) == pytest.approx(float(torch_nll))
    np.testing.assert_allclose(softmax(logits, 2.5).sum(axis=1), 1.0)


# ---------------------------------------------------------------- a real text classifier
@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> TextSet:
    frame = pd.read_csv(DATASETS / "rotten_tomatoes.csv").sample(600, random_state=0)
    path = tmp_path_factory.mktemp("reviews") / "reviews.csv"
    frame.to_csv(path, index=False)
    return read_text_csv(path)


@pytest.fixture(scope="module")
def text_model(reviews) -> TextClassifier:
    return TextClassifier(hidden_size=8, embedding_dim=16, max_length=40, training=TrainConfig(
        epochs=3, progress="off", device="cpu")).fit(reviews)


def validation_cases(model, data):
    """The cases `fit` held out (its split, with the same seed)."""
    targets = np.searchsorted(model.classes_, data.labels)
    _, rows = validation_split(targets, 0.2, model.train_config_.seed)
    return data.take(rows, "validation"), targets[rows]


def test_the_temperature_lowers_the_validation_nll(text_model, reviews):
    val, targets = validation_cases(text_model, reviews)
    logits = text_model._logits(val)
    assert text_model.calibration_cases_ == len(val) == 120
    assert text_model.temperature_ != 1.0
    assert negative_log_likelihood(logits, targets, text_model.temperature_) < \
        negative_log_likelihood(logits, targets)
    assert fit_temperature(logits, targets) == text_model.temperature_  # deterministic


def test_calibration_changes_no_label(text_model, reviews):
    logits = text_model._logits(reviews)
    proba = text_model.predict_proba(reviews)
    np.testing.assert_allclose(proba, softmax(logits, text_model.temperature_), rtol=1e-5)
    labels = np.asarray(text_model.classes_)[softmax(logits).argmax(axis=1)]
    np.testing.assert_array_equal(text_model.predict(reviews), labels)
    np.testing.assert_array_equal(proba.argmax(axis=1), logits.argmax(axis=1))


def test_evaluate_reports_the_calibration_error_before_and_after(text_model, reviews):
    calibration = text_model.evaluate(reviews).calibration
    targets = np.searchsorted(text_model.classes_, reviews.labels)
    assert calibration["temperature"] == text_model.temperature_
    assert calibration["validation_cases"] == 120 and calibration["bins"] == 15
    assert calibration["ece_after"] == pytest.approx(expected_calibration_error(
        text_model.predict_proba(reviews), targets), abs=1e-6)
    assert calibration["ece_before"] == pytest.approx(expected_calibration_error(
        softmax(text_model._logits(reviews)), targets))


def test_the_temperature_is_saved_and_loaded(text_model, reviews, tmp_path):
    text_model.save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["calibration"] == {"temperature": text_model.temperature_,
                                     "validation_cases": 120}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a calibrated model loads without a word
        loaded = load_classifier(tmp_path / "model")
    assert loaded.temperature_ == text_model.temperature_
    np.testing.assert_array_equal(loaded.predict_proba(reviews), text_model.predict_proba(reviews))


def saved_without_calibration(model, path: Path) -> Path:
    """The model directory as a version before calibration wrote it."""
    model.save(path)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    del config["calibration"]
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return path


def test_an_older_model_file_loads_with_temperature_1_and_says_so(text_model, reviews, tmp_path):
    path = saved_without_calibration(text_model, tmp_path / "old")
    with pytest.warns(UncalibratedModelWarning) as said:
        old = load_classifier(path)
    assert len(said) == 1
    assert str(said[0].message).startswith(f"'{path}' was saved before classifiers calibrated "
                                           f"their probabilities: it loads with temperature 1")
    assert old.temperature_ == 1.0
    np.testing.assert_allclose(old.predict_proba(reviews),
                               softmax(text_model._logits(reviews)), rtol=1e-5)
    # the CLI says it once, as a note on stderr, and predicts
    texts = tmp_path / "new.csv"
    pd.DataFrame({"text": ["A moving film.", "Dull."]}).to_csv(texts, index=False)
    result = CliRunner().invoke(main, ["classify", "predict", str(path), str(texts), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("saved before classifiers calibrated") == 1
    assert len(json.loads(result.stdout)["predictions"]) == 2


@pytest.mark.parametrize(("value", "said"), [
    (-1.0, "Input should be greater than 0 (found -1.0)"),
    ("1.5", "Input should be a valid number (found '1.5')"),
    (None, "Input should be a valid number (found None)")])
def test_a_damaged_temperature_is_refused_naming_the_key(text_model, tmp_path, value, said):
    """The model file's schema checks the block, like every other key."""
    path = tmp_path / "model"
    text_model.save(path)
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    config["calibration"]["temperature"] = value
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelFileError) as error:
        load_classifier(path)
    assert str(error.value) == (
        f"'{path / 'config.json'}' is not a valid text classifier model file: key "
        f"'calibration.temperature': {said}. It was changed or damaged since it was saved: "
        f"train again or copy the whole model directory.")


# ---------------------------------------------------------------- a real sequence classifier
@pytest.fixture(scope="module")
def italy_model():
    train = read_ts(ITALY / "ItalyPowerDemand_TRAIN.ts")
    return SequenceClassifier(hidden_size=8, training=TrainConfig(
        epochs=15, batch_size=16, learning_rate=1e-2, progress="off", device="cpu")
    ).fit(train, val_size=0.2)  # 67 cases: held out by name, the default would hold none


def test_sequence_probabilities_in_a_table_are_the_calibrated_ones(italy_model, tmp_path):
    """classify_frame is what the MLflow pyfunc (and `mlflow models serve`) answers with."""
    from forecaster.classification.raw_input import flatten_sequences

    test = read_ts(ITALY / "ItalyPowerDemand_TEST.ts")
    italy_model.save(tmp_path / "model")
    loaded = load_classifier(tmp_path / "model")
    assert loaded.temperature_ == italy_model.temperature_ != 1.0
    table = classify_frame(loaded, flatten_sequences(test, 40), "test")
    columns = [f"probability_{label}" for label in loaded.classes_]
    proba = italy_model.predict_proba(test)[:40]
    np.testing.assert_allclose(table[columns].to_numpy(), proba, atol=1e-6)
    assert not np.allclose(proba, softmax(italy_model._logits(test))[:40], atol=1e-3)
    assert list(table["label"]) == list(italy_model.predict(test)[:40])


def test_without_validation_cases_the_probabilities_stay_uncalibrated():
    train = read_ts(ITALY / "ItalyPowerDemand_TRAIN.ts")
    model = SequenceClassifier(hidden_size=4, training=TrainConfig(
        epochs=1, progress="off", device="cpu")).fit(train, val_size=0.0)
    assert (model.temperature_, model.calibration_cases_) == (1.0, 0)
