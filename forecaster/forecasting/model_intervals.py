"""A fitted Forecaster's intervals: its calibration on the validation span, and the bounds of
its scored windows and of its forecast (adaptive over the rows it has not trained on).

Kept apart from `forecaster.py` so the estimator reads top to bottom; the method itself lives in
`intervals`, which the baselines go through too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from forecaster.data import SeriesData
from forecaster.forecasting.combination import ThetaCombination
from forecaster.forecasting.evaluation import rows_seen
from forecaster.forecasting.intervals import (
    Calibration,
    CalibrationParts,
    adaptive_bounds,
    bounds_at,
    series_parts,
)
from forecaster.forecasting.model_known import known_rows
from forecaster.forecasting.statistical import fit_theta

if TYPE_CHECKING:
    from forecaster.forecasting.forecaster import Forecaster

MAX_REPLAY = 1000  # the most recent unseen origins a forecast's adaptive rates are replayed on
# (about 5 times the memory of the updates at 95 %: 1 / gamma = 200 outcomes)


def calibration_parts(model: Forecaster, series: SeriesData, train_end: int, val_end: int
                      ) -> CalibrationParts:
    """The model's errors on its training targets (step scale) and validation targets
    (calibration), as the forecast is made: with a combination, Theta's half is the one fitted
    on the training rows only (the one the weights were judged with), so no calibration error
    comes from a fit that saw its target."""
    y = series.values[:, 0]
    held_out = None
    if model.combination_ is not None and train_end >= 2:
        held_out = ThetaCombination(fit_theta(y[:train_end], model.season_),
                                    model.combination_.network_weight, None)

    known = known_rows(model.known_, series)

    def forecasts_at(positions: np.ndarray) -> np.ndarray:
        network = model.network_forecasts(series.values, positions, known)
        if held_out is None:
            return network
        with np.errstate(over="ignore", invalid="ignore"):
            return held_out.forecasts(network, y, positions)

    return series_parts(forecasts_at, y, first=model.lookback_, scale_end=train_end,
                        calib_end=val_end, horizon=model.horizon, window=model.lookback_)


def window_bounds(model: Forecaster, series: SeriesData, point: np.ndarray,
                  positions: np.ndarray, levels: Sequence[float]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(levels, windows, horizon) bounds of scored windows, updated origin by origin."""
    fractions = [level / 100 for level in levels]
    bounds = adaptive_bounds(model.calibration_, point, series.values[:, 0], positions,
                             fractions)  # (the known inputs are in `point` already)
    return bounds.lower, bounds.upper


def forecast_bounds(model: Forecaster, series: SeriesData, point: np.ndarray,
                    levels: Sequence[float], known: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(levels, horizon) bounds of the forecast after the last row. The miscoverage rates
    are first replayed over the rows the model did not train on (the misses observed so far,
    at most `MAX_REPLAY` origins back), so a nightly job's intervals adapt without any state
    kept between runs: the same file gives the same bounds."""
    calibration: Calibration = model.calibration_
    values, y = series.values, series.values[:, 0]
    n = len(y)
    fractions = np.array([level / 100 for level in levels])
    first = max(rows_seen(model.data_info_, series), model.lookback_, n - MAX_REPLAY)
    positions = np.arange(first, n)
    alphas = np.repeat((1 - fractions)[:, None], model.horizon, axis=1)
    if len(positions):
        past = model.predict_positions(values, positions, model.phase_of(series), known)
        alphas = adaptive_bounds(calibration, past, y, positions, fractions, now=n).alphas_now
    lower, upper = bounds_at(calibration, point[None], y, np.array([n]), alphas)
    return lower[:, 0], upper[:, 0]
