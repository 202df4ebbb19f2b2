"""Statistical references for any season: classical seasonal adjustment and the Theta method.

State-space seasonal models estimate one state per phase, so a season of 48 or 52 makes their fit
minutes long, and the baselines used to drop seasonality there: a straw man exactly where it
matters. Classical decomposition estimates the season once, in one pass, for any length; a
non-seasonal method then runs on the adjusted series and the seasonality is put back.

The Theta method (Assimakopoulos & Nikolopoulos 2000) is here in Hyndman & Billah's (2003) form:
simple exponential smoothing with a drift of half the linear trend's slope, on the seasonally
adjusted series, as in the M4 competition's benchmark. Every forecast from every origin comes
from one pass over the series, and the window at row t uses only the rows before t.

Examples
--------
>>> import numpy as np
>>> y = 100 + 10 * np.sin(np.arange(120) * 2 * np.pi / 12) + np.arange(120) * 0.5
>>> params = fit_theta(y[:96], season=12)
>>> params.profile.season, round(params.alpha, 2) > 0
(12, True)
>>> theta_forecasts(params, y, np.array([96, 100]), horizon=3).shape
(2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter

SEASONALITY_Z = 1.645  # one-sided 95 %, i.e. the M4 benchmark's 90 % two-sided test
SEASONS_NEEDED = 3  # fewer full seasons than this: the season is not estimated
MIN_ALPHA = 1e-3  # smoothing weights below this are a constant level, for which drift suffices


@dataclass(frozen=True)
class SeasonalProfile:
    """Seasonal indices by phase, fitted on the training rows (row 0 has phase 0).

    `indices`: multiplicative factors (mean 1) or additive offsets (mean 0), one per phase; ()
    and `season` 1 when the series showed no seasonality (then `adjust` and `restore` change
    nothing).
    """

    season: int  # m; 1 = none
    indices: tuple[float, ...]  # length m, or () when not seasonal
    multiplicative: bool

    @property
    def seasonal(self) -> bool:
        return self.season > 1 and len(self.indices) == self.season

    def _at(self, rows: np.ndarray, phase: int) -> np.ndarray:
        return np.asarray(self.indices, dtype=np.float64)[(np.asarray(rows) + phase)
                                                          % self.season]

    def adjust(self, y: np.ndarray, phase: int = 0) -> np.ndarray:
        """`y` without its seasonality: row i has phase (phase + i) % m."""
        y = np.asarray(y, dtype=np.float64)
        if not self.seasonal:
            return y.copy()
        index = self._at(np.arange(len(y)), phase)
        return y / index if self.multiplicative else y - index

    def restore(self, values: np.ndarray, rows: np.ndarray, phase: int = 0) -> np.ndarray:
        """`values` (adjusted) with the seasonality of row numbers `rows` put back (any shape
        that broadcasts with `values`)."""
        values = np.asarray(values, dtype=np.float64)
        if not self.seasonal:
            return values.copy()
        index = self._at(rows, phase)
        return values * index if self.multiplicative else values + index

    def to_dict(self) -> dict[str, Any]:
        return {"season": self.season, "indices": list(self.indices),
                "multiplicative": self.multiplicative}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SeasonalProfile:
        return cls(int(d["season"]), tuple(float(v) for v in d["indices"]),
                   bool(d["multiplicative"]))


NOT_SEASONAL = SeasonalProfile(1, (), False)


def autocorrelations(y: np.ndarray, lags: int) -> np.ndarray:
    """r_1 .. r_lags, the sample autocorrelations (the textbook estimator, by FFT)."""
    x = np.asarray(y, dtype=np.float64) - np.mean(y)
    size = 1 << int(np.ceil(np.log2(2 * len(x))))
    spectrum = np.fft.rfft(x, size)
    covariance = np.fft.irfft(spectrum * np.conj(spectrum), size)[:lags + 1]
    if covariance[0] <= 0:  # a constant series has no autocorrelation
        return np.zeros(lags)
    return covariance[1:] / covariance[0]


def is_seasonal(y: np.ndarray, season: int) -> bool:
    """The M4 benchmark's test: |r_m| > 1.645 * sqrt((1 + 2 * sum_{k<m} r_k^2) / n), with at
    least three seasons of history."""
    n = len(y)
    if season < 2 or n < SEASONS_NEEDED * season:
        return False
    r = autocorrelations(y, season)
    limit = SEASONALITY_Z * np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / n)
    return bool(abs(r[-1]) > limit)


def centred_moving_average(y: np.ndarray, season: int) -> np.ndarray:
    """The trend of classical decomposition (2 x m for even m), NaN where the window does not
    fit."""
    if season % 2:
        weights = np.full(season, 1.0 / season)
    else:
        weights = np.r_[0.5, np.ones(season - 1), 0.5] / season
    trend = np.full(len(y), np.nan)
    half = len(weights) // 2
    trend[half:len(y) - half] = np.convolve(y, weights, mode="valid")
    return trend


def seasonal_profile(y_train: np.ndarray, season: int) -> SeasonalProfile:
    """Classical decomposition's seasonal indices of the training rows, or `NOT_SEASONAL` when
    the autocorrelation at lag `season` is not significant (or under three seasons of rows).

    Multiplicative when every value is positive (and no index falls under 0.01), else additive.
    """
    y = np.asarray(y_train, dtype=np.float64)
    if not is_seasonal(y, season):
        return NOT_SEASONAL
    trend = centred_moving_average(y, season)
    known = ~np.isnan(trend)
    phases = np.arange(len(y))[known] % season
    for multiplicative in ((True, False) if np.all(y > 0) else (False,)):
        detrended = y[known] / trend[known] if multiplicative else y[known] - trend[known]
        means = (np.bincount(phases, weights=detrended, minlength=season)
                 / np.bincount(phases, minlength=season))
        indices = means / means.mean() if multiplicative else means - means.mean()
        if not multiplicative or indices.min() >= 0.01:
            break
    return SeasonalProfile(season, tuple(float(v) for v in indices), multiplicative)


@dataclass(frozen=True)
class ThetaParams:
    """A fitted Theta method: the seasonal profile, the SES weight and the drift per row."""

    profile: SeasonalProfile
    alpha: float  # SES smoothing, in (0, 1]
    drift: float  # b0 / 2: half the OLS slope of the adjusted training series

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile.to_dict(), "alpha": self.alpha, "drift": self.drift}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ThetaParams:
        return cls(SeasonalProfile.from_dict(d["profile"]), float(d["alpha"]),
                   float(d["drift"]))


def _levels(x: np.ndarray, alpha: float) -> np.ndarray:
    """SES levels: levels[i] after x[0..i], started at x[0]."""
    return lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1.0 - alpha) * x[0]])[0]


def _drift_term(alpha: float, drift: float, observed: np.ndarray, steps: np.ndarray
                ) -> np.ndarray:
    """drift * (h - 1 + 1/alpha - (1 - alpha)^n / alpha), broadcast over `observed` (n) and
    `steps` (h)."""
    return drift * (steps - 1 + (1.0 - (1.0 - alpha) ** observed) / alpha)


def _one_step_sse(alpha: float, x: np.ndarray, drift: float) -> float:
    levels = _levels(x[:-1], alpha)
    observed = np.arange(1, len(x))
    errors = x[1:] - levels - _drift_term(alpha, drift, observed, np.ones(1))
    return float(errors @ errors)


def fit_theta(y_train: np.ndarray, season: int) -> ThetaParams:
    """The standard Theta method fitted on the training rows: seasonal profile, drift (half
    the OLS slope of the adjusted rows) and alpha (least squares of their one-step errors).
    """
    y = np.asarray(y_train, dtype=np.float64)
    profile = seasonal_profile(y, season)
    x = profile.adjust(y)
    if len(x) < 2:
        return ThetaParams(profile, 1.0, 0.0)
    t = np.arange(len(x), dtype=np.float64)
    slope = float(np.polyfit(t, x, 1)[0])
    drift = slope / 2
    found = minimize_scalar(_one_step_sse, bounds=(MIN_ALPHA, 1.0), args=(x, drift),
                            method="bounded", options={"xatol": 1e-6})
    alpha = float(found.x)
    if _one_step_sse(1.0, x, drift) <= found.fun:  # the bounded search stops short of its end
        alpha = 1.0
    return ThetaParams(profile, alpha, drift)


def theta_forecasts(params: ThetaParams, y: np.ndarray, positions: np.ndarray, horizon: int,
                    phase: int = 0) -> np.ndarray:
    """(windows, horizon) Theta forecasts from every origin in `positions` (each >= 1), in one
    pass over `y`: the window at position t uses y[:t] only. `phase`: the seasonal phase of
    y[0] (0 when `y` starts at the first training row)."""
    positions = np.asarray(positions)
    if positions.size == 0:
        return np.empty((0, horizon))
    if positions.min() < 1:
        raise ValueError(f"Theta forecasts need at least one observed row before each "
                         f"origin; got position {int(positions.min())}")
    x = params.profile.adjust(np.asarray(y, dtype=np.float64)[:int(positions.max())],
                              phase)
    level = _levels(x, params.alpha)[positions - 1]  # (windows,)
    steps = np.arange(1, horizon + 1)[None, :]  # (1, horizon)
    adjusted = level[:, None] + _drift_term(params.alpha, params.drift, positions[:, None],
                                            steps)
    return params.profile.restore(adjusted, positions[:, None] + steps - 1, phase)
