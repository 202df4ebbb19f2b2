"""Prediction intervals for every forecaster and baseline: normalised split conformal,
updated online by adaptive conformal inference. Every interval of the toolkit comes from here.

Why this shape:

- **Split conformal.** Forecast errors on rows a model did not train on (a model's validation
  span; for a baseline, the rows just before the scored span) are the calibration set. The
  half-width at level L is their ceil((n + 1) L)-th smallest: if calibration errors and future
  errors are exchangeable, at least L of future actuals fall inside, whatever the model.
- **Normalised.** Each error is divided by a scale before it is ranked: ``step_scale[j]`` (how
  the error grows with the step ahead, fitted on the training rows) times the *volatility* at
  the origin (the mean absolute one-step change over the window before it). An interval is the
  forecast +- quantile x scale, so it is wider where the series has been moving more, and the
  scores of many series are comparable: a global model calibrates on all its series at once
  (locally weighted conformal, Lei et al. 2018).
- **Adaptive.** When forecasts are made origin after origin (a scored span, a nightly job), each
  step's miscoverage rate moves by ``gamma x (alpha - miss)`` after every outcome that has been
  observed (Gibbs & Candes 2021; gamma = `ADAPT_SHARE` x alpha): a run of misses widens
  the next intervals, a calm spell narrows them, so coverage holds when the series'
  volatility changes.

Examples
--------
>>> import numpy as np
>>> y = np.sin(np.arange(200) / 5) + np.arange(200) / 50
>>> naive = lambda positions: np.repeat(y[positions - 1, None], 3, axis=1)
>>> parts = series_parts(naive, y, first=10, scale_end=150, calib_end=200, horizon=3, window=10)
>>> calibration = pool([parts])
>>> lower, upper = calibration.split_bounds(naive(np.array([200])), y, np.array([200]), (0.8,))
>>> bool((upper > lower).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from forecaster.errors import DataError

DEFAULT_LEVELS: tuple[float, ...] = (80.0, 95.0)  # percent
# Gibbs & Candes' gamma (how far one outcome moves the miscoverage rate), as a share of each
# level's own rate: 0.02 at 80 %, 0.005 at 95 %. A fixed gamma either adapts the 80 % level too
# slowly or makes the 95 % widths jumpy; on the stock series (a few hundred origins) this keeps
# both within 2 points of nominal (benchmarks/README.md).
ADAPT_SHARE = 0.1
MAX_STORED_SCORES = 2000  # a saved calibration keeps this many quantiles of its scores
MAX_SCALE_ORIGINS = 5000  # the most recent training origins that fit the step scale
FLOOR_SHARE = 0.1  # a window's volatility counts as at least this share of the typical one
METHOD = "normalised split conformal, adaptive (ACI)"


def level_name(level: float) -> str:
    """80.0 -> "80", 97.5 -> "97.5": the suffix of the lower_/upper_ columns and metric keys."""
    return f"{float(level):g}"


def needed_points(level: float) -> int:
    """The fewest calibration errors for which a level (a fraction) has a finite quantile:
    the smallest n with ceil((n + 1) level) <= n."""
    return max(1, math.ceil(level / (1.0 - level) - 1e-9))


def require_points(count: int, levels: Sequence[float], what: str) -> None:
    """DataError naming the first level (percent) that `count` calibration errors are too few
    for, and how many it needs."""
    for level in levels:
        need = needed_points(level / 100)
        if count < need:
            raise DataError(
                f"{what}: a {level_name(level)} % interval needs at least {need} "
                f"calibration errors, and there are {count} (the validation rows "
                f"times the horizon steps). Ask for a lower level (--level; in a pipeline "
                f"evaluation.levels; in Python levels=), or give the validation part more "
                f"rows (--val-size, or split.val_size).")


def volatility(y: np.ndarray, positions: np.ndarray, window: int) -> np.ndarray:
    """Mean absolute one-step change over the `window` rows before each origin (NaN where
    the rows are not finite); only rows before each position are read."""
    window = max(2, int(window))
    with np.errstate(invalid="ignore", over="ignore"):
        steps = np.abs(np.diff(y[: int(positions.max())].astype(np.float64)))
    steps = np.where(np.isfinite(steps), steps, np.nan)
    total = np.concatenate([[0.0], np.nancumsum(steps)])  # total[k]: steps up to row k
    counts = np.concatenate([[0], np.cumsum(np.isfinite(steps))])
    end = positions - 1
    begin = np.clip(positions - window, 0, None)
    n = counts[end] - counts[begin]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (total[end] - total[begin]) / np.maximum(n, 1), np.nan)


@dataclass(frozen=True)
class CalibrationParts:
    """One series' calibration material before pooling: its errors divided by volatility, on
    training targets (for the step scale) and on calibration targets; NaN elsewhere."""

    scale_ratios: np.ndarray  # (origins, horizon)
    calib_ratios: np.ndarray  # (origins, horizon)
    floor: float  # the series' volatility floor, in its own units


def _floor(vol: np.ndarray, y: np.ndarray) -> float:
    typical = float(np.nanmedian(vol)) if np.isfinite(vol).any() else 0.0
    tiny = 1e-12 * max(1.0, float(np.nanmax(np.abs(y))) if np.isfinite(y).any() else 1.0)
    return max(FLOOR_SHARE * typical, tiny)


def series_parts(forecasts_at: Callable[[np.ndarray], np.ndarray], y: np.ndarray, *,
                 first: int, scale_end: int, calib_end: int, horizon: int, window: int
                 ) -> CalibrationParts:
    """Errors of `forecasts_at(positions)` ((origins, horizon) forecasts made from the rows
    before each position) on targets in [first, scale_end) (the step scale; the most recent
    `MAX_SCALE_ORIGINS` origins) and in [scale_end, calib_end) (the calibration set)."""
    first = max(int(first), 2)
    scale_first = max(first, scale_end - MAX_SCALE_ORIGINS)
    positions = np.arange(scale_first, calib_end)
    if len(positions) == 0:
        empty = np.empty((0, horizon))
        return CalibrationParts(empty, empty, _floor(np.empty(0), y))
    targets = positions[:, None] + np.arange(horizon)[None, :]
    known = targets < calib_end
    actual = y[np.minimum(targets, calib_end - 1)]
    vol = volatility(y, positions, window)
    floor = _floor(vol[positions < scale_end] if (positions < scale_end).any() else vol, y)
    vol = np.where(np.isfinite(vol), np.maximum(vol, floor), floor)
    with np.errstate(invalid="ignore", over="ignore"):
        ratios = np.abs(actual - forecasts_at(positions)) / vol[:, None]
    ratios = np.where(known & np.isfinite(ratios), ratios, np.nan)
    scale = np.where(targets < scale_end, ratios, np.nan)
    calib = np.where(targets >= scale_end, ratios, np.nan)
    return CalibrationParts(scale, calib, floor)


@dataclass(frozen=True)
class Calibration:
    """A fitted interval calibration: per-step scale, the sorted calibration scores (at most
    `MAX_STORED_SCORES` of their quantiles), how many errors they summarise, the volatility
    window and floor. Saved in a model's config.json; any level can be asked of it later."""

    step_scale: tuple[float, ...]
    scores: tuple[float, ...]
    count: int
    window: int
    floor: float

    @property
    def horizon(self) -> int:
        return len(self.step_scale)

    def supports(self, level: float) -> bool:
        """Whether there are enough calibration errors for a level (percent)."""
        return self.count >= needed_points(level / 100)

    def left_out(self, levels: Sequence[float]) -> str | None:
        """The sentence naming the levels (percent) too few calibration errors leave out."""
        missing = [level for level in levels if not self.supports(level)]
        if not missing:
            return None
        need = needed_points(max(missing) / 100)
        return (f"No {' or '.join(level_name(level) for level in missing)} % interval: "
                f"{need} calibration errors are needed and the validation span gave "
                f"{self.count} (its rows times the horizon steps); give it more rows "
                f"(--val-size) or ask for a lower --level.")

    def check_levels(self, levels: Sequence[float], what: str) -> None:
        """DataError naming the level and the count needed when the calibration set is too
        small for it (the interval would be infinite, not an interval)."""
        require_points(self.count, levels, what)

    def score_quantile(self, levels: np.ndarray) -> np.ndarray:
        """The calibration score at each level (fractions, any shape), with the finite-sample
        rank ceil((n + 1) level); a level beyond the largest rank gets the largest score."""
        stored = np.asarray(self.scores)
        k = np.ceil((self.count + 1) * np.asarray(levels, dtype=np.float64) - 1e-9)
        k = np.clip(k, 1, self.count)
        if self.count == 1:
            return np.full(k.shape, stored[0])
        index = np.rint((k - 1) * (len(stored) - 1) / (self.count - 1)).astype(int)
        return stored[index]

    def scales(self, y: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """(origins, horizon) interval scale: step scale x the volatility before each origin."""
        vol = volatility(y, positions, self.window)
        vol = np.where(np.isfinite(vol), np.maximum(vol, self.floor), self.floor)
        return vol[:, None] * np.asarray(self.step_scale)[None, :]

    def split_bounds(self, point: np.ndarray, y: np.ndarray, positions: np.ndarray,
                     levels: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(levels, origins, horizon) lower and upper bounds at fixed levels (fractions)."""
        half = (self.score_quantile(np.asarray(levels))[:, None, None]
                * self.scales(y, positions)[None])
        return point[None] - half, point[None] + half

    def with_floor(self, floor: float) -> Calibration:
        return replace(self, floor=float(floor))

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, "step_scale": [float(v) for v in self.step_scale],
                "scores": [float(v) for v in self.scores], "count": self.count,
                "window": self.window, "floor": self.floor}

    @classmethod
    def from_dict(cls, block: dict[str, Any]) -> Calibration:
        return cls(tuple(block["step_scale"]), tuple(sorted(block["scores"])),
                   int(block["count"]), int(block["window"]), float(block["floor"]))


def pool(parts: Sequence[CalibrationParts], window: int = 2) -> Calibration:
    """One calibration from the parts of one or many series (a global model): the step scale
    is the mean ratio per step over every training target, the scores are every calibration
    ratio divided by it. The floor is the first part's (`with_floor` sets each series' own)."""
    horizon = parts[0].scale_ratios.shape[1]
    scale_rows = np.vstack([part.scale_ratios for part in parts])
    calib_rows = np.vstack([part.calib_ratios for part in parts])
    with np.errstate(invalid="ignore"):
        counts = np.isfinite(scale_rows).sum(axis=0)
        step = np.where(counts > 0, np.nansum(scale_rows, axis=0) / np.maximum(counts, 1),
                        np.nan)
    if not np.isfinite(step).any() or np.nanmax(step) <= 0:
        step = np.ones(horizon)
    step = np.where(np.isfinite(step) & (step > 0), step, np.nanmax(step))
    step = np.maximum(step, 1e-9 * float(np.max(step)))
    scores = (calib_rows / step[None, :])[np.isfinite(calib_rows)]
    scores = np.sort(scores)
    count = int(len(scores))
    if count == 0:
        stored = np.zeros(1)
    elif count > MAX_STORED_SCORES:
        stored = scores[np.rint(np.linspace(0, count - 1, MAX_STORED_SCORES)).astype(int)]
    else:
        stored = scores
    return Calibration(tuple(float(v) for v in step), tuple(float(v) for v in stored), count,
                       int(window), float(parts[0].floor))


@dataclass
class AdaptiveBounds:
    """Bounds made origin by origin with adaptive conformal inference, and the miscoverage
    rates it had reached at `now` (per level and step), for the forecast made then."""

    lower: np.ndarray  # (levels, origins, horizon)
    upper: np.ndarray
    alphas_now: np.ndarray  # (levels, horizon)


def adaptive_bounds(calibration: Calibration, point: np.ndarray, y: np.ndarray,
                    positions: np.ndarray, levels: Sequence[float], now: int | None = None,
                    share: float = ADAPT_SHARE) -> AdaptiveBounds:
    """Bounds for forecasts `point` ((origins, horizon), origins in increasing order) where
    each origin's miscoverage rate, per level and step, has moved by gamma x (alpha - miss)
    for every earlier forecast whose target had been observed by then (row < origin), with
    gamma = `share` x alpha.
    `now` (default: the last row of `y` + 1) is the origin whose rates `alphas_now` gives."""
    levels = np.asarray(levels, dtype=np.float64)
    alphas = 1.0 - levels  # (L,)
    rate = (share * alphas)[:, None]  # (L, 1): gamma per level
    n, horizon = point.shape
    scales = calibration.scales(y, positions) if n else np.empty((0, horizon))
    lower = np.empty((len(levels), n, horizon))
    upper = np.empty_like(lower)
    steps = np.arange(horizon)
    # revealed[i, j]: how many origins' step-j targets are known at origin i
    revealed = np.stack([np.searchsorted(positions + j + 1, positions, side="right")
                         for j in steps], axis=1) if n else np.empty((0, horizon), int)
    running = np.zeros((len(levels), horizon, n + 1))  # prefix sums of (alpha - miss)
    targets = positions[:, None] + steps[None, :]
    actual = np.where(targets < len(y), y[np.minimum(targets, len(y) - 1)], np.nan)
    for i in range(n):
        alpha_t = alphas[:, None] + rate * running[:, steps, revealed[i]]  # (L, horizon)
        half = calibration.score_quantile(1.0 - alpha_t) * scales[i][None, :]
        lower[:, i], upper[:, i] = point[i] - half, point[i] + half
        with np.errstate(invalid="ignore"):
            miss = ((actual[i] < lower[:, i]) | (actual[i] > upper[:, i])).astype(float)
        running[:, :, i + 1] = running[:, :, i] + (alphas[:, None] - miss)
    now = len(y) if now is None else int(now)
    final = np.array([np.searchsorted(positions + j + 1, now, side="right") for j in steps],
                     dtype=int) if n else np.zeros(horizon, dtype=int)
    alphas_now = alphas[:, None] + rate * running[:, steps, final]
    return AdaptiveBounds(lower, upper, alphas_now)


def bounds_at(calibration: Calibration, point: np.ndarray, y: np.ndarray,
              positions: np.ndarray, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(levels, origins, horizon) bounds at given miscoverage rates ((levels, horizon))."""
    half = (calibration.score_quantile(1.0 - alphas)[:, None, :]
            * calibration.scales(y, positions)[None])
    return point[None] - half, point[None] + half
