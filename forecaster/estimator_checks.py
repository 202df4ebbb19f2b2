"""Checks and names shared by every estimator built on the recurrent core (Forecaster,
TextClassifier, SequenceClassifier): the encoder settings are the same, so their validation is
too, and so is the one test of whether an estimator has been fitted."""

from __future__ import annotations

from typing import Any

import numpy as np

from forecaster.core.config import CELLS, POOLINGS
from forecaster.errors import ConfigError
from forecaster.forecasting.model_schema import MAX_HIDDEN, MAX_LAYERS, MAX_STEPS
from forecaster.training.config import TrainConfig

_LIMITS = {"hidden_size": MAX_HIDDEN, "embedding_dim": MAX_HIDDEN, "num_layers": MAX_LAYERS,
           "lookback": MAX_STEPS, "horizon": MAX_STEPS, "max_length": MAX_STEPS}
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
        limit = _LIMITS.get(name)
        if limit is not None and value > limit:
            # The same bounds a saved model's config.json is checked against: past them the
            # network would not fit in memory, and a model saved with it could not be loaded.
            raise ConfigError(f"{name}={value!r} is too large: at most {limit:,}.")
    dropout = estimator.dropout
    if isinstance(dropout, bool) or not isinstance(dropout, int | float) \
            or not 0.0 <= dropout < 1.0:
        raise ConfigError(f"dropout={dropout!r} must be in [0, 1), a share of units.")
    if not isinstance(estimator.bidirectional, bool | np.bool_):
        raise ConfigError(f"bidirectional={estimator.bidirectional!r} must be True or False.")
    training = getattr(estimator, "training", None)
    if training is not None and not isinstance(training, TrainConfig):  # was AttributeError
        raise ConfigError(f"training={training!r} must be a TrainConfig, e.g. "
                          f"training=TrainConfig(epochs=20), or None for the defaults.")


def check_data_type(data: Any, expected: type, reader: str) -> None:
    """A TypeError-like ConfigError naming what was passed and the reader that makes the right
    thing, instead of an AttributeError deep in fit or predict."""
    if not isinstance(data, expected):
        raise ConfigError(f"Expected a {expected.__name__} (from {reader}), got "
                          f"{type(data).__name__}.")


def check_is_fitted(estimator: Any) -> None:
    """NotFittedError (a ForecasterError and scikit-learn's NotFittedError) unless `estimator`
    has a trained network; every public method that needs one calls this first."""
    if getattr(estimator, "network_", None) is None:
        from forecaster.errors import NotFittedError

        name = type(estimator).__name__
        raise NotFittedError(f"This {name} is not fitted yet: call fit() first, or "
                             f"{name}.load() a saved model.")


def is_fitted(estimator: Any) -> bool:
    """scikit-learn's `__sklearn_is_fitted__` protocol: fitted once it has a network."""
    return getattr(estimator, "network_", None) is not None


def saved_params(estimator: Any) -> dict[str, Any]:
    """The architecture settings a model file keeps: every `__init__` argument but `training`
    (saved on its own, with what the run did)."""
    return {k: v for k, v in estimator.get_params(deep=False).items() if k != "training"}


def cell_label(estimator: Any) -> str:
    """e.g. 'LSTM (3x50)'."""
    cell = _CELL_NAMES.get(estimator.cell, estimator.cell)
    return f"{cell} ({estimator.num_layers}x{estimator.hidden_size})"
