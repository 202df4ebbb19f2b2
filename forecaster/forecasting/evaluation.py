"""Score a model beside the baselines on the same windows, and say plainly who wins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecaster.forecasting.baselines import all_baselines, smoothing_season
from forecaster.forecasting.metrics import mase_scale, point_metrics

BASELINE_LABELS = {"naive": "last value (naive)", "seasonal_naive": "seasonal naive",
                   "drift": "drift", "exp_smoothing": "exponential smoothing"}


@dataclass
class Evaluation:
    """Metrics by forecaster name ("model" first), per-point predictions and a verdict."""

    metrics: dict[str, dict[str, float]]
    predictions: pd.DataFrame  # date, step, actual, model, one column per baseline
    verdict: str
    horizon: int
    season: int
    model_label: str
    metrics_by_step: dict[str, dict[str, list[float]]] | None = None
    smoothing_season: int | None = None

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
            "skill_vs_naive": skill(self.metrics),
            "beats_naive": self.metrics["model"]["rmse"] < self.metrics["naive"]["rmse"],
            "verdict": self.verdict,
            **({"metrics_by_step": self.metrics_by_step} if self.metrics_by_step else {}),
        }


def skill(metrics: dict[str, dict[str, float]]) -> float:
    """1 - RMSE_model / RMSE_naive: positive means better than repeating the last value."""
    return float(1.0 - metrics["model"]["rmse"] / metrics["naive"]["rmse"])


def verdict(metrics: dict[str, dict[str, float]], model_label: str) -> str:
    model, naive = metrics["model"]["rmse"], metrics["naive"]["rmse"]
    change = abs(1.0 - model / naive) * 100
    best = min(metrics, key=lambda name: metrics[name]["rmse"])
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
                 f"(RMSE {metrics[best]['rmse']:.4g}).")
    return text


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
                      steps, smoothing_season(season, start))
