"""Python API misuse found by the adversarial sweep (issue 9): each was an AttributeError deep
in fit, or a message that offered what was then refused; now a ForecasterError naming what was
passed and what to pass instead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecaster import ConfigError, Forecaster, TrainConfig
from forecaster.classification.sequence_classifier import SequenceClassifier
from forecaster.classification.text_classifier import TextClassifier

AIR = Path(__file__).resolve().parents[1] / "datasets" / "airpassengers.csv"


def tiny(**params) -> Forecaster:
    return Forecaster(hidden_size=4, num_layers=1, lookback=10, **params)


@pytest.mark.parametrize("path", [str(AIR), AIR])
def test_fit_takes_the_csv_path_its_message_offers(path):
    """'Expected a pandas DataFrame or Series, a darts TimeSeries or a CSV path, got str'."""
    model = tiny(training=TrainConfig(epochs=1, threads=1)).fit(path, target="y")
    assert model.target_ == "y"
    assert len(model.forecast(path)) == 1


def test_training_that_is_not_a_train_config_is_named():
    with pytest.raises(ConfigError, match=r"training=\{'epochs': 1\} must be a TrainConfig, "
                                          r"e\.g\. training=TrainConfig\(epochs=20\)"):
        tiny(training={"epochs": 1}).fit(AIR, target="y")


@pytest.mark.parametrize(("estimator", "data", "message"), [
    (SequenceClassifier(), None, "Expected a SequenceSet (from read_ts or read_flat_csv in "
                                 "forecaster.classification.sequence_data), got NoneType."),
    (SequenceClassifier(), np.zeros((10, 5, 1)), "Expected a SequenceSet (from read_ts or "
                                                 "read_flat_csv in forecaster.classification."
                                                 "sequence_data), got ndarray."),
    (TextClassifier(), ["good", "bad"], "Expected a TextSet (from read_text_csv in "
                                        "forecaster.classification.text_data), got list."),
])
def test_classifiers_name_the_data_type_they_take(estimator, data, message):
    with pytest.raises(ConfigError) as caught:
        estimator.fit(data)
    assert str(caught.value) == message
