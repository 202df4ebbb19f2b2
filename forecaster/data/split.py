"""Chronological train / validation / test split: the future never leaks into training."""

from __future__ import annotations

from dataclasses import dataclass

from forecaster.errors import ConfigError, DataError


@dataclass(frozen=True)
class Split:
    """Row positions: train [0, train_end), validation [train_end, val_end), test [val_end, n)."""

    n: int
    train_end: int
    val_end: int

    @property
    def test_start(self) -> int:
        return self.val_end


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"{name} must be a fraction in [0, 1), got {value}.")


def chronological_split(n: int, *, test_size: float = 0.25, val_size: float = 0.1,
                        lookback: int = 1, horizon: int = 1) -> Split:
    """Cut the last `test_size` of rows for testing and the end of the rest for validation.

    `val_size` is a fraction of the training part (before the test span). Each part must hold at
    least one full window (`lookback` inputs before the first training target, `horizon` targets).
    """
    _check_fraction("test_size", test_size)
    _check_fraction("val_size", val_size)
    test = round(n * test_size)
    fit_rows = n - test
    val = round(fit_rows * val_size)
    train_end = fit_rows - val
    needed_train = lookback + horizon + 1
    if train_end < needed_train or (test_size > 0 and test < horizon) or (
            val_size > 0 and val < horizon):
        shares = (1 - test_size) * (1 - val_size)
        need = int(needed_train / shares) + 1
        raise DataError(
            f"The series has {n} rows: too short for lookback {lookback} + horizon {horizon} with "
            f"test_size {test_size} and val_size {val_size} (the training part would have "
            f"{train_end} rows, it needs at least {needed_train}). It needs about {need} rows, or "
            f"use a smaller --lookback."
        )
    return Split(n=n, train_end=train_end, val_end=fit_rows)
