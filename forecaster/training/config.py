"""How to train: one small dataclass shared by every estimator."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

_AUTO_STEPS = 1000
_AUTO_PATIENCE_STEPS = 200
OPTIMIZERS: tuple[str, ...] = ("adam", "rmsprop", "sgd")
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")


@dataclass
class TrainConfig:
    """Optimiser, schedule and run settings. Defaults follow the common Keras recipe (Adam, batch
    64) plus early stopping on the validation loss with the best weights restored."""

    epochs: int | None = None  # None: enough for about 1000 optimiser steps (50 to 500 epochs)
    batch_size: int = 64
    learning_rate: float = 1e-3
    optimizer: str = "adam"  # "adam" | "rmsprop" | "sgd"
    patience: int | None = None  # epochs without validation improvement; None: auto; 0: never
    clip_norm: float | None = 1.0  # gradient-norm clipping; None: off
    seed: int = 0
    device: str = "auto"  # "auto" | "cpu" | "cuda"
    amp: bool = True  # bf16 autocast, used on CUDA only
    progress: str = "auto"  # "auto" (a bar on a terminal) | "bar" | "lines" | "off"

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, "
                             f"got {self.optimizer!r}.")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}.")
        if (self.epochs is not None and self.epochs < 1) or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be positive, got {self.epochs} and "
                             f"{self.batch_size}.")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}.")

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
