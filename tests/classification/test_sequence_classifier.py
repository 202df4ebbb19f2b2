"""SequenceClassifier on real UCR problems: learns, ignores padding, saves and loads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecaster import ConfigError, DataError, TrainConfig
from forecaster.classification import SequenceClassifier, read_ts
from forecaster.errors import NotFittedError

UCR = Path(__file__).resolve().parents[2] / "datasets" / "ucr"


def training(**overrides) -> TrainConfig:
    settings = {"epochs": 30, "patience": 0, "progress": "off", "device": "cpu", "seed": 0,
                "batch_size": 16, "learning_rate": 3e-3}
    return TrainConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def italy():
    return (read_ts(UCR / "ItalyPowerDemand" / "ItalyPowerDemand_TRAIN.ts"),
            read_ts(UCR / "ItalyPowerDemand" / "ItalyPowerDemand_TEST.ts"))


@pytest.fixture(scope="module")
def italy_model(italy):
    return SequenceClassifier(cell="gru", hidden_size=16, training=training()).fit(italy[0])


def test_learns_italy_power_demand_beside_the_baselines(italy, italy_model):
    train, test = italy
    evaluation = italy_model.evaluate(test, train=train)
    metrics = evaluation.metrics
    assert set(metrics) == {"model", "majority", "nearest_neighbour", "nearest_neighbour_dtw"}
    assert metrics["majority"]["accuracy"] == pytest.approx(0.5, abs=0.02)
    assert metrics["model"]["accuracy"] > 0.8  # far above the majority class
    assert sum(map(sum, evaluation.confusion)) == len(test)
    assert evaluation.verdict.startswith("The GRU + convolution classifier (1x16)")


def test_probabilities_are_distributions(italy, italy_model):
    proba = italy_model.predict_proba(italy[1])
    assert proba.shape == (len(italy[1]), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(italy_model.predict(italy[1])) <= set(italy_model.classes_)


def test_padding_never_changes_a_prediction():
    """JapaneseVowels has 7-29 steps: a case alone and a case padded in a batch agree."""
    train = read_ts(UCR / "JapaneseVowels" / "JapaneseVowels_TRAIN.ts")
    model = SequenceClassifier(cell="lstm", hidden_size=8, pooling="mean",
                               training=training(epochs=2)).fit(train)
    batched = model.predict_proba(train)
    short = int(np.argmin(train.lengths))
    alone = type(train)(values=train.values[short:short + 1, :train.lengths[short]],
                        lengths=train.lengths[short:short + 1],
                        labels=train.labels[short:short + 1], source="one case")
    np.testing.assert_allclose(model.predict_proba(alone)[0], batched[short], atol=1e-5)


def test_save_and_load_round_trip(italy, italy_model, tmp_path):
    path = italy_model.save(tmp_path / "model")
    loaded = SequenceClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(italy[1]),
                                  italy_model.predict_proba(italy[1]))


def test_unseen_labels_and_single_class_are_clear_errors(italy, italy_model):
    train, test = italy
    relabelled = type(test)(values=test.values, lengths=test.lengths,
                            labels=np.where(test.labels == test.labels[0], "9", test.labels),
                            source="relabelled")
    with pytest.raises(DataError, match="never saw"):
        italy_model.evaluate(relabelled)
    one_class = type(train)(values=train.values, lengths=train.lengths,
                            labels=np.full(len(train), "1"), source="one class")
    with pytest.raises(DataError, match="single class"):
        SequenceClassifier(training=training(epochs=1)).fit(one_class)
    with pytest.raises(NotFittedError, match="not fitted"):
        SequenceClassifier().predict(test)


def test_a_fit_stopped_part_way_resumes_from_its_checkpoint_to_the_same_model(italy, tmp_path):
    from forecaster.training.checkpoint import Checkpoint
    from forecaster.training.reporting import RunReporter

    train, test = italy

    class Killed(Exception):
        pass

    class KillAtEpoch3(RunReporter):
        def epoch(self, epoch, metrics):
            if epoch == 3:
                raise Killed

    def model() -> SequenceClassifier:
        return SequenceClassifier(hidden_size=8, training=training(epochs=6))

    checkpoint = Checkpoint(tmp_path / "work" / "checkpoint.pt", key="italy")
    with pytest.raises(Killed):
        model().fit(train, reporter=KillAtEpoch3(), checkpoint=checkpoint)
    resumed = model().fit(train, checkpoint=checkpoint)
    uninterrupted = model().fit(train)
    assert resumed.history_.resumed_from_epoch == 2
    assert resumed.history_.train_loss == uninterrupted.history_.train_loss
    np.testing.assert_array_equal(resumed.predict_proba(test), uninterrupted.predict_proba(test))
    other_key = Checkpoint(checkpoint.path, key="another configuration")
    assert model().fit(train, checkpoint=other_key).history_.resumed_from_epoch == 0


# ---------------------------------------------------------------- the convolution branch
@pytest.fixture(scope="module")
def italy_conv(italy):
    return SequenceClassifier(hidden_size=8, architecture="recurrent+conv",
                              training=training(epochs=8)).fit(italy[0])


def test_recurrent_conv_learns_and_round_trips(italy, italy_conv, tmp_path):
    train, test = italy
    assert italy_conv.label == "GRU + convolution classifier (1x8)"
    assert italy_conv.evaluate(test, train=train).metrics["model"]["accuracy"] > 0.8
    path = italy_conv.save(tmp_path / "model")
    loaded = SequenceClassifier.load(path)
    assert loaded.architecture == "recurrent+conv"
    np.testing.assert_array_equal(loaded.predict_proba(test), italy_conv.predict_proba(test))


def test_recurrent_conv_ignores_padding():
    """JapaneseVowels (7-29 steps): the shortest case alone and padded in a batch agree."""
    train = read_ts(UCR / "JapaneseVowels" / "JapaneseVowels_TRAIN.ts")
    model = SequenceClassifier(hidden_size=8, architecture="recurrent+conv",
                               training=training(epochs=1)).fit(train)
    short = int(np.argmin(train.lengths))
    alone = type(train)(values=train.values[short:short + 1, :train.lengths[short]],
                        lengths=train.lengths[short:short + 1],
                        labels=train.labels[short:short + 1], source="one case")
    np.testing.assert_allclose(model.predict_proba(alone)[0], model.predict_proba(train)[short],
                               atol=1e-5)


def test_a_file_saved_before_architectures_loads_as_the_recurrent_network(italy, tmp_path):
    import json

    recurrent = SequenceClassifier(hidden_size=8, architecture="recurrent",
                                   training=training(epochs=2)).fit(italy[0])
    assert recurrent.label == "GRU classifier (1x8)"
    path = recurrent.save(tmp_path / "model")
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    del config["params"]["architecture"]
    (path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    loaded = SequenceClassifier.load(path)
    assert loaded.architecture == "recurrent"
    np.testing.assert_array_equal(loaded.predict_proba(italy[1]),
                                  recurrent.predict_proba(italy[1]))


def test_an_unknown_architecture_is_refused_naming_the_choices(italy):
    with pytest.raises(ConfigError, match=r"^architecture='fcn' is not known; use one of "
                                          r"recurrent, recurrent\+conv"):
        SequenceClassifier(architecture="fcn").fit(italy[0])


def test_architecture_is_one_setting_for_the_factory_and_refused_for_text():
    from forecaster.settings import build_classifier

    model = build_classifier("sequence", {"architecture": "recurrent+conv"}, progress="off")
    assert model.architecture == "recurrent+conv"
    with pytest.raises(ConfigError, match=r"^architecture \(--architecture\) is for numeric "
                                          r"sequences only; this data holds texts\."):
        build_classifier("text", {"architecture": "recurrent+conv"})
