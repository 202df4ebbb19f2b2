"""The MLflow pyfunc model, logged as "models from code": MLflow copies this file beside the
model and runs it on load. Loading imports `forecaster` and reads the bundled model directory
(JSON + safetensors): nothing is unpickled.

Input: a DataFrame of raw history in original units — a date column and the columns the model
was trained on. Output: the next H values with their dates (columns date, step, forecast).
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from forecaster.tracking.records import MODEL_ARTIFACT


class ForecasterPyfunc(PythonModel):
    """Wraps a saved `Forecaster` directory for `mlflow.pyfunc.load_model(...).predict`."""

    def load_context(self, context: Any) -> None:
        from forecaster import Forecaster

        self.model = Forecaster.load(context.artifacts[MODEL_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None
                ) -> pd.DataFrame:
        from forecaster.data import iso_dates, select_series  # package-level: stable

        model = self.model
        series = select_series(model_input, source="the model input", target=model.target_,
                               features=model.features_)
        forecast = model.forecast(series)
        forecast["date"] = iso_dates(forecast["date"], series.frequency or model.frequency_)
        return forecast


mlflow.models.set_model(ForecasterPyfunc())
