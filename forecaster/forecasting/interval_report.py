"""Intervals on a scored span: the model's and every baseline's, made the same way and scored
on the same points.

The model brings its calibration (fitted on its validation span). Each baseline is calibrated
here on the rows just before the scored span (`BASELINE_CALIBRATION_SHARE` of them, at least
one horizon), with its step scale from the rows before those and the statistical ones fitted
before the calibration rows, so no baseline is calibrated on errors it was fitted to. Over the
scored span every forecaster's intervals are updated origin by origin (adaptive conformal);
the model's plain split-conformal intervals are scored too, as ``model_split``, so the gain of
the updates is visible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecaster.forecasting.baselines import all_baselines
from forecaster.forecasting.interval_scores import bound_values, level_metrics
from forecaster.forecasting.intervals import (
    METHOD,
    Calibration,
    adaptive_bounds,
    level_name,
    needed_points,
    pool,
    series_parts,
)

BASELINE_CALIBRATION_SHARE = 0.2  # of the rows before the scored span
NO_INTERVALS = ("this model was saved before intervals existed: it forecasts points only; "
                "train it again for intervals")


def baseline_calibrations(y: np.ndarray, start: int, horizon: int, season: int, window: int
                          ) -> tuple[dict[str, Calibration], str | None]:
    """Each baseline's calibration from the rows before `start`, or ({}, why not)."""
    rows = max(horizon, math.ceil(BASELINE_CALIBRATION_SHARE * start))
    scale_end = start - rows
    if scale_end < max(window, 2) + horizon + 8:
        return {}, (f"too few rows before the scored span ({start}) to calibrate the "
                    f"baselines' intervals")
    memo: dict[bytes, dict[str, np.ndarray]] = {}

    def forecasts(name: str):
        def at(positions: np.ndarray) -> np.ndarray:
            key = positions.tobytes()
            if key not in memo:
                memo[key] = all_baselines(y, positions, horizon, season, fit_end=scale_end)
            return memo[key][name]
        return at

    names = ("naive", "seasonal_naive", "drift", "exp_smoothing", "theta")
    return {name: pool([series_parts(forecasts(name), y, first=window, scale_end=scale_end,
                                     calib_end=start, horizon=horizon, window=window)], window)
            for name in names}, None


@dataclass
class IntervalReport:
    """Interval metrics by forecaster name (``model``, ``model_split``, baselines) and level,
    the model's bounds for the predictions table, and why any forecaster has none."""

    levels: tuple[float, ...]
    metrics: dict[str, dict[str, Any]]
    model_lower: np.ndarray | None  # (levels, origins, horizon)
    model_upper: np.ndarray | None
    calibration_points: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def columns(self) -> dict[str, np.ndarray]:
        """lower_80, upper_80, ... of the model, flattened like the predictions table."""
        if self.model_lower is None:
            return {}
        return bound_values(self.levels, self.model_lower, self.model_upper)

    def coverage(self, name: str = "model") -> dict[str, float | None]:
        """{"80": 0.81, "95": 0.94}: a forecaster's coverage per level (empty if none)."""
        block = self.metrics.get(name, {})
        return {level_name(level): block[level_name(level)]["coverage"]
                for level in self.levels if level_name(level) in block}

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, "levels": [level_name(level) for level in self.levels],
                "metrics": self.metrics, "calibration_points": self.calibration_points,
                **({"notes": self.notes} if self.notes else {})}


def _enough(calibration: Calibration, levels: Sequence[float]) -> bool:
    return all(calibration.count >= needed_points(level / 100) for level in levels)


def score_intervals(y: np.ndarray, positions: np.ndarray, forecasts: dict[str, np.ndarray],
                    model_calibration: Calibration | None, levels: Sequence[float], *,
                    season: int, start: int, window: int = 2) -> IntervalReport:
    """Adaptive intervals for every forecaster in `forecasts` ("model" first, then the
    baselines) on the windows at `positions`, scored against the actuals; the model's split
    intervals as "model_split". The model's calibration must hold enough points for every
    level (`Calibration.check_levels`, checked by the caller so the user hears it first).
    `window`: the volatility window of the baselines when the model has no calibration (a
    model saved before intervals; its lookback)."""
    horizon = forecasts["model"].shape[1]
    targets = positions[:, None] + np.arange(horizon)[None, :]
    actual = y[targets]
    levels = tuple(levels)
    fractions = [level / 100 for level in levels]
    metrics: dict[str, dict[str, Any]] = {}
    notes: dict[str, str] = {}
    points: dict[str, int] = {}
    model_lower = model_upper = None
    if model_calibration is not None:
        window = model_calibration.window
    if not levels:
        return IntervalReport(levels, metrics, None, None, points, notes)
    if model_calibration is None:
        notes["model"] = NO_INTERVALS
    else:
        adaptive = adaptive_bounds(model_calibration, forecasts["model"], y, positions,
                                   fractions)
        model_lower, model_upper = adaptive.lower, adaptive.upper
        metrics["model"] = level_metrics(actual, forecasts["model"], model_lower,
                                         model_upper, levels)
        split = model_calibration.split_bounds(forecasts["model"], y, positions, fractions)
        metrics["model_split"] = level_metrics(actual, forecasts["model"], *split, levels)
        points["model"] = model_calibration.count
    calibrations, why_not = baseline_calibrations(y, start, horizon, season, window)
    for name in forecasts:
        if name == "model":
            continue
        calibration = calibrations.get(name)
        if calibration is None or not _enough(calibration, levels):
            notes[name] = why_not or (f"{calibration.count if calibration else 0} "
                                      f"calibration errors are too few for these levels")
            continue
        bounds = adaptive_bounds(calibration, forecasts[name], y, positions, fractions)
        metrics[name] = level_metrics(actual, forecasts[name], bounds.lower, bounds.upper,
                                      levels)
        points[name] = calibration.count
    return IntervalReport(levels, metrics, model_lower, model_upper, points, notes)
