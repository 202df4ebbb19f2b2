"""MinMax scaling fitted on the training rows only, with a JSON-safe state for saved models."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import MinMaxScaler


def fit_scaler(train_values: np.ndarray) -> MinMaxScaler:
    """Fit scikit-learn's MinMaxScaler to (time, columns) training values only."""
    return MinMaxScaler(feature_range=(0.0, 1.0)).fit(train_values)


def scaler_state(scaler: MinMaxScaler) -> dict[str, list[float]]:
    return {"data_min": scaler.data_min_.tolist(), "data_max": scaler.data_max_.tolist()}


def scaler_from_state(state: dict[str, list[float]]) -> MinMaxScaler:
    """Rebuild the fitted scaler from its saved bounds (no pickle)."""
    return fit_scaler(np.vstack([state["data_min"], state["data_max"]]))


def inverse_target(scaler: MinMaxScaler, scaled: np.ndarray) -> np.ndarray:
    """Original units of scaled target values (the target is column 0)."""
    return scaled / scaler.scale_[0] - scaler.min_[0] / scaler.scale_[0]
