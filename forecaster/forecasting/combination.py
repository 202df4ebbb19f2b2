"""The statistical half of the default forecast: Theta, weighted against the network.

Forecast combinations were the most robust result of the M competitions: on short or strongly
seasonal series a network has few windows to learn from, and averaging it with a good statistical
forecast is rarely far from the better of the two. The weights are not fixed at one half: each
half forecasts the validation span from a Theta fitted on the training rows only, and each gets
a weight inversely proportional to its mean absolute error there, so a half that is clearly worse
on unseen rows counts less without the choice flipping on a few noisy windows. The Theta used to
forecast is then refitted on training and validation rows, as the network saw both.

Examples
--------
>>> import numpy as np
>>> weight = network_weight(np.array([[1.0]]), np.array([[3.0]]), np.array([[2.0]]))
>>> round(weight, 2)  # equal errors: equal weights
0.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecaster.data import target_positions
from forecaster.forecasting.statistical import ThetaParams, fit_theta, theta_forecasts


def network_weight(network: np.ndarray, theta: np.ndarray, actual: np.ndarray) -> float:
    """The network's share of the combination: Theta's validation MAE over the sum of both
    (1/error weights); one half when there is nothing to judge by."""
    if actual.size == 0:
        return 0.5
    errors = np.abs(network - actual).mean(), np.abs(theta - actual).mean()
    total = errors[0] + errors[1]
    if not np.isfinite(total) or total <= 0:
        return 0.5
    return float(errors[1] / total)


@dataclass(frozen=True)
class ThetaCombination:
    """A fitted combination: Theta's parameters, the network's weight, and the first fitted
    date (seasons are counted from it, so any file of the series lines up)."""

    theta: ThetaParams
    network_weight: float  # in [0, 1]; Theta gets the rest
    anchor: str | None

    def forecasts(self, network: np.ndarray, y: np.ndarray, positions: np.ndarray,
                  phase: int = 0) -> np.ndarray:
        """(windows, horizon) weighted forecasts from the network's ones at `positions`."""
        theta = theta_forecasts(self.theta, y, positions, network.shape[1], phase)
        return self.network_weight * network + (1.0 - self.network_weight) * theta

    def describe(self) -> str:
        """One line for the run's output and model card."""
        season = self.theta.profile
        theta = f"Theta, season {season.season}" if season.seasonal else "Theta, not seasonal"
        return (f"The forecast weighs the network {self.network_weight:.2f} and {theta} "
                f"{1 - self.network_weight:.2f}, by their errors on the validation span.")

    def to_dict(self) -> dict[str, Any]:
        return {"method": "theta", "theta": self.theta.to_dict(),
                "network_weight": self.network_weight, "anchor": self.anchor}

    @classmethod
    def from_dict(cls, block: dict[str, Any]) -> ThetaCombination:
        return cls(ThetaParams.from_dict(block["theta"]), float(block["network_weight"]),
                   block["anchor"])


def fit_combination(network: Callable[[np.ndarray], np.ndarray], y: np.ndarray, *,
                    train_end: int, val_end: int, lookback: int, horizon: int, season: int,
                    anchor: str | None) -> ThetaCombination:
    """Weigh the fitted network (`network(positions)` -> its forecasts in original units)
    against Theta on the validation windows, then fit Theta on all rows before `val_end`."""
    positions = target_positions(train_end, val_end, lookback, horizon)
    weight = 0.5
    if len(positions) and train_end >= 2:
        actual = y[positions[:, None] + np.arange(horizon)[None, :]]
        held_out = theta_forecasts(fit_theta(y[:train_end], season), y, positions, horizon)
        weight = network_weight(network(positions), held_out, actual)
    return ThetaCombination(fit_theta(y[:val_end], season), weight, anchor)
