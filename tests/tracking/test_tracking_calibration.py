"""The MLflow pyfunc of a classifier answers with the calibrated probabilities: the model's
`predict_proba` (softmax of the logits divided by its temperature), not the network's own
softmax; in this process (saved and loaded by MLflow itself) and from `mlflow models serve`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from serving import served_predictions

from forecaster.classification import TextClassifier, read_text_csv
from forecaster.classification.calibration import softmax
from forecaster.classification.text_data import TextSet
from forecaster.training import TrainConfig

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
PYFUNC = ROOT / "forecaster" / "tracking" / "pyfunc_classifier.py"
TEXTS = ["A wonderful, moving film.", "Dull, long and badly acted.", "It was fine."]


@dataclass
class Saved:
    model: TextClassifier
    pyfunc: Path  # the MLflow model directory
    calibrated: np.ndarray  # predict_proba of TEXTS


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Saved:
    import mlflow

    from forecaster.tracking.records import MODEL_ARTIFACT

    folder = tmp_path_factory.mktemp("calibrated")
    frame = pd.read_csv(ROOT / "datasets" / "rotten_tomatoes.csv").sample(400, random_state=1)
    frame.to_csv(folder / "reviews.csv", index=False)
    model = TextClassifier(hidden_size=8, embedding_dim=16, max_length=40, training=TrainConfig(
        epochs=3, progress="off", device="cpu")).fit(read_text_csv(folder / "reviews.csv"),
                                                     val_size=0.2)  # 80 cases, by name
    model.save(folder / "model")
    mlflow.pyfunc.save_model(folder / "pyfunc", python_model=str(PYFUNC),
                             artifacts={MODEL_ARTIFACT: str(folder / "model")},
                             pip_requirements=[])
    cases = TextSet(TEXTS, None, "typed")
    calibrated = model.predict_proba(cases)
    assert model.temperature_ != 1.0
    assert not np.allclose(calibrated, softmax(model._logits(cases)), atol=1e-4)
    return Saved(model, folder / "pyfunc", calibrated)


def test_the_pyfunc_probability_columns_are_the_calibrated_ones(saved):
    import mlflow

    served = mlflow.pyfunc.load_model(str(saved.pyfunc)).predict(pd.DataFrame({"text": TEXTS}))
    columns = [f"probability_{label}" for label in saved.model.classes_]
    np.testing.assert_allclose(served[columns].to_numpy(), saved.calibrated, atol=1e-6)
    assert list(served["label"]) == list(saved.model.predict(TextSet(TEXTS, None, "typed")))


@pytest.mark.slow
def test_mlflow_models_serve_answers_the_calibrated_probabilities(saved, model_server,
                                                                   tmp_path):
    url = model_server(str(saved.pyfunc), f"sqlite:///{tmp_path / 'mlflow.db'}")
    predictions = served_predictions(url, pd.DataFrame({"text": TEXTS}))
    got = np.array([[row[f"probability_{label}"] for label in saved.model.classes_]
                    for row in predictions])
    np.testing.assert_allclose(got, saved.calibrated, atol=1e-6)
