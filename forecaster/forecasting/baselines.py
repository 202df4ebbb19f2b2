"""Simple forecasts scored on exactly the points the model is scored on.

Each function takes the series in original units (target column), the first-target positions of
the windows and the horizon, and returns (windows, horizon) predictions made only from data
before each window's first target. The seasonal references handle any season: short ones in
the state-space model, longer ones by classical seasonal adjustment (see `statistical`).
"""

from __future__ import annotations

import warnings

import numpy as np

from forecaster.forecasting.statistical import (
    NOT_SEASONAL,
    SeasonalProfile,
    fit_theta,
    seasonal_profile,
    theta_forecasts,
)

BASELINES: tuple[str, ...] = ("naive", "seasonal_naive", "drift", "exp_smoothing", "theta")
BASELINE_LABELS = {"naive": "last value (naive)", "seasonal_naive": "seasonal naive",
                   "drift": "drift", "exp_smoothing": "exp. smoothing, damped",
                   "theta": "Theta"}  # without settings; `baseline_labels` adds them


def _steps(horizon: int) -> np.ndarray:
    return np.arange(1, horizon + 1)


def naive(y: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
    """Repeat the last observed value."""
    return np.repeat(y[positions - 1, None], horizon, axis=1)


def seasonal_naive(y: np.ndarray, positions: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Repeat the value one season earlier (the latest such value already observed)."""
    if season <= 1:
        return naive(y, positions, horizon)
    steps = _steps(horizon)
    back = season * np.ceil(steps / season).astype(int)  # never reaches past the origin
    index = positions[:, None] + (steps - 1)[None, :] - back[None, :]
    return y[np.clip(index, 0, None)]


def drift(y: np.ndarray, positions: np.ndarray, horizon: int) -> np.ndarray:
    """The straight line from the first observation through the last one, extended."""
    last = y[positions - 1]
    slope = (last - y[0]) / np.maximum(positions - 1, 1)
    return last[:, None] + slope[:, None] * _steps(horizon)[None, :]


MAX_SMOOTHING_SEASON = 12  # longer seasons make the state-space fit minutes long


def smoothing_season(season: int, fit_end: int) -> int | None:
    """The seasonal period of the state-space exponential smoothing: the season when it is
    short enough to estimate and the history holds at least two of it, else none (longer
    seasons are removed beforehand, see `smoothing_profile`)."""
    if 2 <= season <= MAX_SMOOTHING_SEASON and fit_end >= 2 * season + 10:
        return season
    return None


def smoothing_profile(y_train: np.ndarray, season: int) -> SeasonalProfile:
    """The seasonality exponential smoothing removes before its fit and puts back after: none
    where the state-space model carries the season itself, else the classical profile (none
    when the training rows show no seasonality)."""
    if smoothing_season(season, len(y_train)) or season < 2:
        return NOT_SEASONAL
    return seasonal_profile(y_train, season)


def _target_rows(positions: np.ndarray, horizon: int) -> np.ndarray:
    return positions[:, None] + _steps(horizon)[None, :] - 1  # (windows, horizon)


def exp_smoothing(y: np.ndarray, positions: np.ndarray, horizon: int, fit_end: int,
                  season: int = 1) -> np.ndarray:
    """Holt-Winters exponential smoothing with a damped trend (statsmodels' state-space model),
    seasonal when `smoothing_season` allows, else on the series seasonally adjusted by
    `smoothing_profile` (any season length), the seasonality restored afterwards.

    Parameters are estimated once on y[:fit_end] (the history before the scored span); the
    fitted model then filters the whole series in one pass, and each window's forecasts are
    projected from the state predicted at its origin: no refit per point, no look at the future.
    """
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    seasonal = smoothing_season(season, fit_end)
    profile = smoothing_profile(y[:fit_end], season)
    x = profile.adjust(y[:max(positions.max(), fit_end)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            x[:fit_end], trend=True, damped_trend=True, seasonal=seasonal,
            initialization_method="heuristic" if seasonal else "estimated")
        fitted = model.fit(disp=False)
        filtered = fitted.apply(x).filter_results
    design = filtered.design[:, :, 0]  # (1, states)
    transition = filtered.transition[:, :, 0]  # (states, states)
    state = filtered.predicted_state[:, positions].T  # (windows, states): state for t given < t
    forecasts = np.empty((len(positions), horizon))
    for step in range(horizon):
        forecasts[:, step] = state @ design[0]
        state = state @ transition.T
    return profile.restore(forecasts, _target_rows(positions, horizon))


def theta(y: np.ndarray, positions: np.ndarray, horizon: int, fit_end: int,
          season: int = 1) -> np.ndarray:
    """The Theta method (SES with drift on the seasonally adjusted series), fitted once on
    y[:fit_end] and run from every origin in one pass (see `statistical.theta_forecasts`)."""
    return theta_forecasts(fit_theta(y[:fit_end], season), y, positions, horizon)


def all_baselines(y: np.ndarray, positions: np.ndarray, horizon: int, season: int,
                  fit_end: int) -> dict[str, np.ndarray]:
    """Every baseline on the same windows, by name (in the order of `BASELINES`)."""
    return {
        "naive": naive(y, positions, horizon),
        "seasonal_naive": seasonal_naive(y, positions, horizon, season),
        "drift": drift(y, positions, horizon),
        "exp_smoothing": exp_smoothing(y, positions, horizon, fit_end, season),
        "theta": theta(y, positions, horizon, fit_end, season),
    }


def baseline_labels(y: np.ndarray, season: int, fit_end: int) -> dict[str, str]:
    """Each baseline's display name with the settings `all_baselines` used on this history:
    "seasonal naive (48)", "exp. smoothing, damped, deseasonalised (season 48)",
    "Theta, season 48"."""
    history = y[:fit_end]
    state_season = smoothing_season(season, fit_end)
    if state_season:
        smoothing = f"exp. smoothing, damped, season {state_season}"
    elif smoothing_profile(history, season).seasonal:
        smoothing = f"exp. smoothing, damped, deseasonalised (season {season})"
    else:
        smoothing = "exp. smoothing, damped"
    theta_season = seasonal_profile(history, season).season
    return {**BASELINE_LABELS, "seasonal_naive": f"seasonal naive ({season})",
            "exp_smoothing": smoothing,
            "theta": f"Theta, season {theta_season}" if theta_season > 1
            else "Theta, not seasonal"}


def reference_ratio(y: np.ndarray, season: int, horizon: int) -> float | None:
    """Mean absolute error of seasonal naive over that of the last value, forecasting
    `horizon` steps from every origin of the training rows `y` (None: no season, too few rows,
    or a perfect last-value fit)."""
    first = season * -(-horizon // season)  # seasonal naive reaches this far back
    if season <= 1 or len(y) < first + horizon + season:
        return None
    positions = np.arange(first, len(y) - horizon + 1)
    targets = y[positions[:, None] + np.arange(horizon)[None, :]]
    last = np.abs(targets - naive(y, positions, horizon)).mean()
    seasonal = np.abs(targets - seasonal_naive(y, positions, horizon, season)).mean()
    return float(seasonal / last) if last > 0 and np.isfinite(seasonal / last) else None
