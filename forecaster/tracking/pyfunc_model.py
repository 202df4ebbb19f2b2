"""The MLflow pyfunc model, logged as "models from code": MLflow copies this file beside the
model and runs it on load. Loading imports `forecaster` and reads the bundled model directory
(JSON + safetensors): nothing is unpickled.

Input: a DataFrame of raw history in original units — a date column and the columns the model
was trained on. Output: the next H values with their dates and prediction intervals (columns
date, step, forecast, lower_80, upper_80, lower_95, upper_95). The `levels` parameter
(percent, e.g. ``params={"levels": [90]}``) asks for other intervals. A model saved before
intervals existed forecasts points only, and says so once when it is loaded.

A model with future-known columns (trained with `future_features`, e.g. EPF's gen_forecast)
also needs their values at the H forecast dates: send the history followed by H rows, one per
forecast date, with the target empty and the future-known columns filled; the model splits
them off itself. For a horizon of 2 on hourly data:

    ds                   y      gen_forecast  week_day
    2016-10-31 22:00:00  38.1   51020.0       1
    2016-10-31 23:00:00  36.4   50132.0       1
    2016-11-01 00:00:00         49118.0       2        <- future rows: target empty
    2016-11-01 01:00:00         47890.0       2

The logged input example has this layout; its future rows repeat the last known values of the
future-known columns, so it shows the shape of a request, not values to forecast with.
"""

from __future__ import annotations

import warnings
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
        if not self.model.has_intervals:
            from forecaster.forecasting import NO_INTERVALS  # a stable name for logged copies

            warnings.warn(NO_INTERVALS, UserWarning, stacklevel=2)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None
                ) -> pd.DataFrame:
        from forecaster.data import iso_dates, select_series  # package-level: stable

        model = self.model
        if getattr(model, "future_features_", None):  # history + future rows: the model splits
            forecast = model.forecast(pd.DataFrame(model_input), levels=_levels(params))
            forecast["date"] = iso_dates(forecast["date"], model.frequency_)
            return forecast
        series = select_series(model_input, source="the model input", target=model.target_,
                               features=model.features_)
        forecast = model.forecast(series, levels=_levels(params))
        forecast["date"] = iso_dates(forecast["date"], series.frequency or model.frequency_)
        return forecast


def _levels(params: dict | None) -> tuple[float, ...] | None:
    """The `levels` parameter, checked; None for the default levels (MLflow fills in the
    signature's default when none is given), so that, as with `forecaster predict`, a
    default level the calibration is too small for is left out rather than refused."""
    from forecaster.forecasting.interval_scores import check_levels
    from forecaster.forecasting.intervals import DEFAULT_LEVELS

    raw = (params or {}).get("levels")
    if raw is None:
        return None
    checked = check_levels(raw if isinstance(raw, list | tuple) else [raw], source="levels")
    return None if checked == DEFAULT_LEVELS else checked


mlflow.models.set_model(ForecasterPyfunc())
