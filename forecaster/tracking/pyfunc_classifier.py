"""The MLflow pyfunc model of a classifier, logged as "models from code" like the forecaster's:
loading runs this file, which imports `forecaster` and reads the bundled model directory (JSON +
safetensors); nothing is unpickled.

Input: raw cases — a `text` column for a text classifier; for a sequence classifier one case per
row, its values flattened step by step (NaN after a shorter case's end). Output: the label and
one probability column per class (`probability_<class>`).
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from forecaster.tracking.records import MODEL_ARTIFACT


class ClassifierPyfunc(PythonModel):
    """Wraps a saved text or sequence classifier for `mlflow.pyfunc.load_model(...).predict`."""

    def load_context(self, context: Any) -> None:
        from forecaster.classification import load_classifier  # package-level: stable

        self.model = load_classifier(context.artifacts[MODEL_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None
                ) -> pd.DataFrame:
        from forecaster.classification import classify_frame

        return classify_frame(self.model, pd.DataFrame(model_input), "the model input")


mlflow.models.set_model(ClassifierPyfunc())
