"""Simple forecasts scored on exactly the points the model is scored on.

Each function takes the series in original units (target column), the first-target positions of
the windows and the horizon, and returns (windows, horizon) predictions made only from data
before each window's first target.
"""

from __future__ import annotations

import warnings

import numpy as np

BASELINES: tuple[str, ...] = ("naive", "seasonal_naive", "drift", "exp_smoothing")


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
    """The seasonal period exponential smoothing uses: the season when it is short enough to
    estimate and the history holds at least two of it, else none."""
    if 2 <= season <= MAX_SMOOTHING_SEASON and fit_end >= 2 * season + 10:
        return season
    return None


def exp_smoothing(y: np.ndarray, positions: np.ndarray, horizon: int, fit_end: int,
                  season: int = 1) -> np.ndarray:
    """Holt-Winters exponential smoothing with a damped trend (statsmodels' state-space model),
    seasonal when `smoothing_season` allows.

    Parameters are estimated once on y[:fit_end] (the history before the scored span); the
    fitted model then filters the whole series in one pass, and each window's forecasts are
    projected from the state predicted at its origin: no refit per point, no look at the future.
    """
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    seasonal = smoothing_season(season, fit_end)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y[:fit_end], trend=True, damped_trend=True, seasonal=seasonal,
            initialization_method="heuristic" if seasonal else "estimated")
        fitted = model.fit(disp=False)
        filtered = fitted.apply(y[:max(positions.max(), fit_end)]).filter_results
    design = filtered.design[:, :, 0]  # (1, states)
    transition = filtered.transition[:, :, 0]  # (states, states)
    state = filtered.predicted_state[:, positions].T  # (windows, states): state for t given < t
    forecasts = np.empty((len(positions), horizon))
    for step in range(horizon):
        forecasts[:, step] = state @ design[0]
        state = state @ transition.T
    return forecasts


def all_baselines(y: np.ndarray, positions: np.ndarray, horizon: int, season: int,
                  fit_end: int) -> dict[str, np.ndarray]:
    """Every baseline on the same windows, by name."""
    return {
        "naive": naive(y, positions, horizon),
        "seasonal_naive": seasonal_naive(y, positions, horizon, season),
        "drift": drift(y, positions, horizon),
        "exp_smoothing": exp_smoothing(y, positions, horizon, fit_end, season),
    }
