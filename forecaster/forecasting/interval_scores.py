"""Interval levels as users give them, and how intervals are scored against actuals.

Per level: coverage (the share of actuals inside), mean width, and the interval (Winkler)
score, width plus 2/alpha times the distance of each actual outside the band: a narrow band
that misses is penalised as much as a wide one that is useless. Over all levels, the mean
pinball (quantile) loss at every bound and the point forecast (as the median): an estimate
of the CRPS, the one figure that rewards calibration and sharpness together.

Examples
--------
>>> import numpy as np
>>> scores = interval_metrics(np.array([1.0, 5.0]), np.array([0.0, 0.0]), np.array([2.0, 2.0]),
...                           80.0)
>>> scores["coverage"], scores["mean_width"], scores["interval_score"]
(0.5, 2.0, 17.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from forecaster.errors import ConfigError
from forecaster.forecasting.intervals import DEFAULT_LEVELS, level_name


def check_levels(levels: Iterable[Any] | None, source: str = "--level") -> tuple[float, ...]:
    """The levels in percent, in increasing order, or ConfigError naming the bad one: each
    must be a number strictly between 0 and 100, and none may repeat. None: the default."""
    if levels is None:
        return DEFAULT_LEVELS
    checked: list[float] = []
    for raw in levels:
        try:
            level = float(raw) if not isinstance(raw, bool) else math.nan
        except (TypeError, ValueError):  # the parse of this one value only
            level = math.nan
        if not math.isfinite(level):
            raise ConfigError(f"{source} {str(raw)[:40]!r} is not a number; give a coverage "
                              f"level in percent, e.g. {source} 80 {source} 95.")
        if not 0 < level < 100:
            raise ConfigError(f"{source} {str(raw)[:40]} is outside (0, 100): an interval level is "
                              f"the percent of actuals it should hold, e.g. 80 or 95.")
        if level in checked:
            raise ConfigError(f"{source} {level_name(level)} is given twice; give each level "
                              f"once.")
        checked.append(level)
    if not checked:
        raise ConfigError(f"{source}: no level given; e.g. {source} 80 {source} 95.")
    return tuple(sorted(checked))


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def interval_metrics(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float
                     ) -> dict[str, float | None]:
    """Coverage (0-1), mean width and mean interval score of one level's bounds (any shape)."""
    a, lo, up = (np.ravel(x).astype(np.float64) for x in (actual, lower, upper))
    if a.size == 0:
        return {"coverage": None, "mean_width": None, "interval_score": None}
    alpha = 1.0 - level / 100.0
    with np.errstate(over="ignore", invalid="ignore"):
        width = up - lo
        score = (width + (2.0 / alpha) * np.clip(lo - a, 0, None)
                 + (2.0 / alpha) * np.clip(a - up, 0, None))
        inside = (a >= lo) & (a <= up)
        return {"coverage": _finite(float(np.mean(inside))),
                "mean_width": _finite(float(np.mean(width))),
                "interval_score": _finite(float(np.mean(score)))}


def pinball_loss(actual: np.ndarray, point: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                 levels: Sequence[float]) -> float | None:
    """Mean pinball loss over the quantiles the bounds stand for ((1 -+ level) / 2 for each
    level) and the point forecast as the median. `lower`/`upper`: (levels, ...) arrays."""
    a = np.asarray(actual, dtype=np.float64)
    pairs = [(0.5, np.asarray(point, dtype=np.float64))]
    for k, level in enumerate(levels):
        alpha = 1.0 - level / 100.0
        pairs += [(alpha / 2, lower[k]), (1 - alpha / 2, upper[k])]
    with np.errstate(over="ignore", invalid="ignore"):
        losses = [np.mean(np.maximum(q * (a - f), (q - 1) * (a - f))) for q, f in pairs]
    return _finite(float(np.mean(losses))) if a.size else None


def level_metrics(actual: np.ndarray, point: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                  levels: Sequence[float]) -> dict[str, Any]:
    """{"80": {coverage, mean_width, interval_score}, ..., "pinball_loss": x} for one
    forecaster (bounds as (levels, ...) arrays)."""
    return {**{level_name(level): interval_metrics(actual, lower[k], upper[k], level)
               for k, level in enumerate(levels)},
            "pinball_loss": pinball_loss(actual, point, lower, upper, levels)}


def bound_columns(levels: Sequence[float]) -> list[str]:
    """["lower_80", "upper_80", "lower_95", "upper_95"]: one pair per level, in order."""
    return [f"{side}_{level_name(level)}" for level in levels for side in ("lower", "upper")]


def bound_values(levels: Sequence[float], lower: np.ndarray, upper: np.ndarray
                 ) -> dict[str, np.ndarray]:
    """{"lower_80": ..., "upper_80": ..., ...}: (levels, ...) bounds as flat columns, in the
    order of `bound_columns`."""
    values = [bound.ravel() for k in range(len(levels)) for bound in (lower[k], upper[k])]
    return dict(zip(bound_columns(levels), values, strict=True))
