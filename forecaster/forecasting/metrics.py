"""Point-forecast metrics in original units, finite or explicitly not computable.

A metric is a finite float, or None with a reason (`metric_notes`): MAPE means nothing on a
series that touches zero or changes sign (it divides by the actual value), and a series whose
values are near the float limit would overflow a naive sum of squares. Neither may reach
metrics.json as 1e17, Infinity or NaN.
"""

from __future__ import annotations

import numpy as np

METRICS: tuple[str, ...] = ("rmse", "mae", "mape", "smape", "mase")

# MAPE divides by |actual|: with actuals this close to zero (relative to the series' scale)
# one point dominates the mean and the figure stops meaning anything.
_MAPE_NEAR_ZERO = 1e-8


def _rms(values: np.ndarray) -> float:
    """sqrt(mean(values**2)) without overflow: the values are divided by their largest
    magnitude first (1e200 squared is infinite; (1e200 / 1e200) squared is 1)."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    if top == 0.0 or not np.isfinite(top):
        return top
    return top * float(np.sqrt(np.mean(np.square(values / top))))


def _mean_abs(values: np.ndarray) -> float:
    """mean(|values|) without overflow in the sum."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    if top == 0.0 or not np.isfinite(top):
        return top
    return top * float(np.mean(np.abs(values) / top))


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def mase_scale(history: np.ndarray, season: int) -> float:
    """Mean absolute error of the in-sample seasonal-naive forecast on the training history
    (NaN when it is zero or cannot be computed: MASE is then not defined)."""
    m = season if len(history) > season else 1
    with np.errstate(over="ignore", invalid="ignore"):
        diffs = history[m:] - history[:-m]
    scale = _mean_abs(diffs) if len(diffs) else float("nan")
    return scale if np.isfinite(scale) and scale > 0 else float("nan")


def metric_notes(actual: np.ndarray, scale: float) -> dict[str, str]:
    """Why a metric is left out for these actual values (empty when every metric applies)."""
    a = np.ravel(actual)
    notes: dict[str, str] = {}
    span = float(np.max(np.abs(a))) if len(a) else 0.0
    if len(a) and np.min(np.abs(a)) <= _MAPE_NEAR_ZERO * max(span, 1e-300):
        notes["mape"] = ("not meaningful: the actual values include zero (or values next to "
                         "it), and MAPE divides by them; use MAE, RMSE or MASE")
    elif len(a) and np.min(a) < 0 < np.max(a):
        notes["mape"] = ("not meaningful: the actual values change sign, so a percentage of "
                         "them says nothing about the error; use MAE, RMSE or MASE")
    if not np.isfinite(scale):
        notes["mase"] = ("not defined: the in-sample seasonal-naive error on the history "
                         "before the test span is zero or cannot be computed")
    return notes


def point_metrics(actual: np.ndarray, predicted: np.ndarray, scale: float
                  ) -> dict[str, float | None]:
    """RMSE, MAE, MAPE (%), sMAPE (%) and MASE over all points (any shape, flattened).

    Each is a finite float or None (not computable here; `metric_notes` says why)."""
    a = np.ravel(actual).astype(np.float64)
    p = np.ravel(predicted).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        errors = p - a
        mae = _mean_abs(errors)
        denominator = np.abs(a) + np.abs(p)
        ratio = np.where(denominator == 0, 0.0,
                         2 * np.abs(errors) / np.where(denominator == 0, 1, denominator))
        notes = metric_notes(a, scale)
        mape = None if "mape" in notes else 100 * float(np.mean(np.abs(errors) / np.abs(a)))
        return {
            "rmse": _finite(_rms(errors)),
            "mae": _finite(mae),
            "mape": None if mape is None else _finite(mape),
            "smape": _finite(100 * float(np.mean(ratio))),
            "mase": None if "mase" in notes else _finite(mae / scale),
        }
