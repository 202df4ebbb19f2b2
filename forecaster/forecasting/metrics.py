"""Point-forecast metrics in original units (scikit-learn's where it has them)."""

from __future__ import annotations

import numpy as np

METRICS: tuple[str, ...] = ("rmse", "mae", "mape", "smape", "mase")


def mase_scale(history: np.ndarray, season: int) -> float:
    """Mean absolute error of the in-sample seasonal-naive forecast on the training history."""
    m = season if len(history) > season else 1
    diffs = np.abs(history[m:] - history[:-m])
    return float(diffs.mean()) if len(diffs) and diffs.mean() > 0 else float("nan")


def point_metrics(actual: np.ndarray, predicted: np.ndarray, scale: float) -> dict[str, float]:
    """RMSE, MAE, MAPE (%), sMAPE (%) and MASE over all points (any shape, flattened)."""
    from sklearn.metrics import (  # imported here: scipy.stats is slow to import
        mean_absolute_error,
        mean_absolute_percentage_error,
        root_mean_squared_error,
    )

    a, p = np.ravel(actual), np.ravel(predicted)
    denominator = np.abs(a) + np.abs(p)
    smape = np.where(denominator == 0, 0.0, 2 * np.abs(p - a) / np.where(denominator == 0, 1,
                                                                          denominator))
    mae = mean_absolute_error(a, p)
    return {
        "rmse": float(root_mean_squared_error(a, p)),
        "mae": float(mae),
        "mape": float(100 * mean_absolute_percentage_error(a, p)),
        "smape": float(100 * smape.mean()),
        "mase": float(mae / scale) if scale == scale else float("nan"),
    }
