"""How to train: one small dataclass shared by every estimator."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from forecaster.errors import ConfigError
from forecaster.training.monitor import MONITORS

_AUTO_STEPS = 1000
_AUTO_PATIENCE_STEPS = 200
OPTIMIZERS: tuple[str, ...] = ("adam", "rmsprop", "sgd")
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
PROGRESS_MODES: tuple[str, ...] = ("auto", "bar", "lines", "off")


@dataclass
class TrainConfig:
    """Optimiser, schedule and run settings. Defaults follow the common Keras recipe (Adam, batch
    64) plus early stopping with the best weights restored: on the validation loss for
    forecasters, on the validation accuracy for classifiers (`monitor="auto"`)."""

    epochs: int | None = None  # None: enough for about 1000 optimiser steps (50 to 500 epochs)
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adam"  # "adam" | "rmsprop" | "sgd"
    patience: int | None = None  # epochs without validation improvement; None: auto; 0: never
    min_delta: float = 1e-3  # an improvement resets the patience only if it is this share
    # of the best loss or more (a plateau's ever-tinier gains must not keep training going)
    monitor: str = "auto"  # what picks the kept epoch and stops early: "loss" | "accuracy"
    # (classifiers; ties go to the lower loss) | "auto" (accuracy for classifiers, else loss)
    clip_norm: float | None = 1.0  # gradient-norm clipping; None: off
    seed: int = 0
    device: str = "auto"  # "auto" | "cpu" | "cuda"
    amp: bool = True  # bf16 autocast, used on CUDA only
    progress: str = "auto"  # "auto" (a bar on a terminal) | "bar" | "lines" | "off"
    threads: int | None = None  # CPU threads; None: the policy of training/threads.py

    def __post_init__(self) -> None:
        _check_settings(self)

    def schedule(self, batches_per_epoch: int) -> tuple[int, int]:
        """(epochs, patience) with the automatic defaults resolved for this data size.

        A small data set gives few optimiser steps per epoch, so it gets more epochs and more
        patience (AirPassengers: 2 batches an epoch); a large one gets fewer epochs.
        """
        batches = max(batches_per_epoch, 1)
        epochs = self.epochs or min(max(math.ceil(_AUTO_STEPS / batches), 50), 500)
        patience = self.patience
        if patience is None:
            patience = min(max(math.ceil(_AUTO_PATIENCE_STEPS / batches), 10), 50)
        return epochs, patience

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_settings(config: TrainConfig) -> None:
    """ConfigError naming the setting, its value and what it accepts: every setting is checked
    here, once, so a bad one never reaches the fit loop (a negative clip norm would reverse
    every gradient, a negative patience would stop after the first epoch)."""
    choices = {"optimizer": OPTIMIZERS, "device": DEVICES, "progress": PROGRESS_MODES,
               "monitor": MONITORS}
    for name, allowed in choices.items():
        if getattr(config, name) not in allowed:
            raise ConfigError(f"{name}={getattr(config, name)!r} is not known; use one of "
                              f"{', '.join(allowed)}.")
    if config.epochs is not None and not (_whole(config.epochs) and config.epochs >= 1):
        raise ConfigError(f"epochs={config.epochs!r} must be a whole number of at least 1 (or "
                          f"None for the automatic schedule).")
    if not (_whole(config.batch_size) and config.batch_size >= 1):
        raise ConfigError(f"batch_size={config.batch_size!r} must be a whole number of at "
                          f"least 1, e.g. 64.")
    if not (_number(config.learning_rate) and config.learning_rate > 0):
        raise ConfigError(f"learning_rate={config.learning_rate!r} must be a positive number, "
                          f"e.g. 0.001.")
    if config.patience is not None and not (_whole(config.patience) and config.patience >= 0):
        raise ConfigError(f"patience={config.patience!r} must be a whole number of epochs, 0 "
                          f"or more (0: never stop early; None: automatic).")
    if not (_number(config.min_delta) and 0 <= config.min_delta < 1):
        raise ConfigError(f"min_delta={config.min_delta!r} must be a share of the best "
                          f"validation loss, 0 or more and below 1 (e.g. 0.001: an epoch must "
                          f"beat the best loss by 0.1% to reset the patience; 0: any gain "
                          f"does).")
    if config.clip_norm is not None and not (_number(config.clip_norm)
                                             and config.clip_norm > 0):
        raise ConfigError(f"clip_norm={config.clip_norm!r} must be a positive number (the "
                          f"largest gradient norm allowed), or None for no clipping; a "
                          f"negative one would reverse every gradient.")
    if not _whole(config.seed) or not 0 <= config.seed < 2**63:
        raise ConfigError(f"seed={config.seed!r} must be a whole number, 0 or more.")
    if not isinstance(config.amp, bool):
        raise ConfigError(f"amp={config.amp!r} must be True or False.")
