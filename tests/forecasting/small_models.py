"""The small, fast Forecaster the forecasting tests train: one GRU layer of 8 units, 3 epochs."""

from __future__ import annotations

from forecaster import Forecaster, TrainConfig


def small(**params) -> Forecaster:
    """A 12-step GRU (1x8) trained 3 epochs on CPU, seed 0; `params` override any setting."""
    training = TrainConfig(epochs=3, patience=0, progress="off", device="cpu", seed=0)
    return Forecaster(**{"cell": "gru", "hidden_size": 8, "num_layers": 1, "horizon": 12,
                         "training": training, **params})
