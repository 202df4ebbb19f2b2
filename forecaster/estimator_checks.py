"""Checks and names shared by every estimator built on the recurrent core (Forecaster,
SequenceClassifier): the encoder settings are the same, so their validation is too."""

from __future__ import annotations

from typing import Any

import numpy as np

from forecaster.core.config import CELLS, POOLINGS
from forecaster.errors import ConfigError

_CELL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def check_encoder_params(estimator: Any, positive: tuple[str, ...] = ()) -> None:
    """ConfigError naming the parameter and its value for a bad cell, pooling, size or dropout.

    `positive` lists further whole-number parameters that must be at least 1.
    """
    if estimator.cell not in CELLS:
        raise ConfigError(f"cell={estimator.cell!r} is not known; use one of "
                          f"{', '.join(CELLS)}.")
    if estimator.pooling not in POOLINGS:
        raise ConfigError(f"pooling={estimator.pooling!r} is not known; use one of "
                          f"{', '.join(POOLINGS)}.")
    for name in ("hidden_size", "num_layers", *positive):
        value = getattr(estimator, name)
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name}={value!r} must be a positive whole number.")
    if not 0.0 <= estimator.dropout < 1.0:
        raise ConfigError(f"dropout={estimator.dropout!r} must be in [0, 1).")


def cell_label(estimator: Any) -> str:
    """e.g. 'LSTM (3x50)'."""
    cell = _CELL_NAMES.get(estimator.cell, estimator.cell)
    return f"{cell} ({estimator.num_layers}x{estimator.hidden_size})"
