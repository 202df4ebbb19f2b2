"""Score a model beside the baselines on the same windows, and say plainly who wins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecaster.forecasting.baselines import all_baselines, smoothing_season
from forecaster.forecasting.metrics import mase_scale, metric_notes, point_metrics

BASELINE_LABELS = {"naive": "last value (naive)", "seasonal_naive": "seasonal naive",
                   "drift": "drift", "exp_smoothing": "exponential smoothing"}


@dataclass
class Evaluation:
    """Metrics by forecaster name ("model" first), per-point predictions and a verdict."""

    metrics: dict[str, dict[str, float | None]]  # None: not computable (see `notes`)
    predictions: pd.DataFrame  # date, step, actual, model, one column per baseline
    verdict: str
    horizon: int
    season: int
    model_label: str
    metrics_by_step: dict[str, dict[str, list[float]]] | None = None
    smoothing_season: int | None = None
    notes: dict[str, str] = field(default_factory=dict)  # metric -> why it is left out

    def labels(self) -> dict[str, str]:
        """Display names: the model's, then each baseline's with its settings."""
        smoothing = ("exp. smoothing, damped" + (f", season {self.smoothing_season}"
                                                 if self.smoothing_season else ""))
        return {"model": self.model_label, **BASELINE_LABELS, "exp_smoothing": smoothing,
                "seasonal_naive": f"seasonal naive ({self.season})"}

    def table(self) -> pd.DataFrame:
        """Forecasters as rows, metrics as columns, model first."""
        return pd.DataFrame(self.metrics).T

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": int(len(self.predictions)),
            "horizon": self.horizon,
            "season": self.season,
            "baselines": {name: label for name, label in self.labels().items()
                          if name != "model"},
            "first_date": str(self.predictions["date"].iloc[0]),
            "last_date": str(self.predictions["date"].iloc[-1]),
            "metrics": self.metrics,
            **({"metrics_not_computed": self.notes} if self.notes else {}),
            "skill_vs_naive": skill(self.metrics),
            "beats_naive": beats_naive(self.metrics),
            "verdict": self.verdict,
            **({"metrics_by_step": self.metrics_by_step} if self.metrics_by_step else {}),
        }


def _rmses(metrics: dict[str, dict[str, float | None]]) -> tuple[float, float] | None:
    """(model RMSE, naive RMSE), or None when either could not be computed."""
    model, naive = metrics["model"]["rmse"], metrics["naive"]["rmse"]
    return None if model is None or naive is None else (model, naive)


def skill(metrics: dict[str, dict[str, float | None]]) -> float | None:
    """1 - RMSE_model / RMSE_naive: positive means better than repeating the last value (None
    when either RMSE is missing or the naive one is zero)."""
    pair = _rmses(metrics)
    if pair is None or pair[1] == 0:
        return None
    return float(1.0 - pair[0] / pair[1])


def beats_naive(metrics: dict[str, dict[str, float | None]]) -> bool | None:
    pair = _rmses(metrics)
    return None if pair is None else bool(pair[0] < pair[1])


def verdict(metrics: dict[str, dict[str, float | None]], model_label: str) -> str:
    pair = _rmses(metrics)
    if pair is None:
        return (f"The {model_label} cannot be compared with repeating the last value: the test "
                f"RMSE could not be computed (the values are beyond the range of floating-point "
                f"numbers). Rescale the series, e.g. to other units, and train again.")
    model, naive = pair
    change = abs(1.0 - model / naive) * 100 if naive > 0 else (0.0 if model == 0 else 100.0)
    scored = {name: values["rmse"] for name, values in metrics.items()
              if values["rmse"] is not None}
    best = min(scored, key=scored.__getitem__)
    if change < 0.5:
        text = (f"The {model_label} is no better than repeating the last value: test RMSE "
                f"{model:.5g} against {naive:.5g} (within 0.5%). It has learned little beyond "
                f"the last observation.")
    elif model < naive:
        text = (f"The {model_label} beats repeating the last value: test RMSE {model:.4g} against "
                f"{naive:.4g}, {change:.1f}% lower.")
    else:
        text = (f"The {model_label} does NOT beat repeating the last value: test RMSE {model:.4g} "
                f"against {naive:.4g}, {change:.1f}% higher. Do not read skill into it.")
    if best not in ("model", "naive"):
        text += (f" The best forecaster here is {BASELINE_LABELS[best]} "
                 f"(RMSE {scored[best]:.4g}).")
    return text


_OVERFLOW = ("not computable: the errors are beyond the range of floating-point numbers (the "
             "series' values are too large); rescale the series")


def _notes(actual: np.ndarray, scale: float, metrics: dict[str, dict[str, float | None]]
           ) -> dict[str, str]:
    """Why each metric left out (None) for some forecaster is missing."""
    notes = metric_notes(actual, scale)
    for values in metrics.values():
        for name, value in values.items():
            if value is None and name not in notes:
                notes[name] = _OVERFLOW
    return notes


def evaluate_forecasts(y: np.ndarray, dates: pd.DatetimeIndex, positions: np.ndarray,
                       model_predictions: np.ndarray, *, season: int, model_label: str,
                       by_step: bool = False) -> Evaluation:
    """Metrics of (windows, horizon) model predictions and of every baseline on those windows.

    All history before the first scored window is fair game for the baselines (and for the
    MASE scale); nothing at or after a window's first target is used to forecast it.
    """
    horizon = model_predictions.shape[1]
    start = int(positions[0])
    baselines = all_baselines(y, positions, horizon, season, fit_end=start)
    forecasts = {"model": model_predictions, **baselines}
    targets = positions[:, None] + np.arange(horizon)[None, :]
    actual = y[targets]
    scale = mase_scale(y[:start], season)
    metrics = {name: point_metrics(actual, pred, scale) for name, pred in forecasts.items()}
    table = pd.DataFrame({
        "date": dates[targets.ravel()],
        "step": np.tile(np.arange(1, horizon + 1), len(positions)),
        "actual": actual.ravel(),
        **{name: pred.ravel() for name, pred in forecasts.items()},
    })
    steps = None
    if by_step:
        steps = {name: {metric: [point_metrics(actual[:, h], pred[:, h], scale)[metric]
                                 for h in range(horizon)] for metric in ("rmse", "mae", "mase")}
                 for name, pred in forecasts.items()}
    return Evaluation(metrics, table, verdict(metrics, model_label), horizon, season, model_label,
                      steps, smoothing_season(season, start), _notes(actual, scale, metrics))
