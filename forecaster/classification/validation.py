"""Which training cases a classifier holds out for early stopping and calibration.

A validation share earns its place only when it is large enough to rank epochs: on 8 held-out
cases (UCR ArrowHead) one case moves the accuracy by 12 %, more than the epochs it must choose
between differ, while the fit misses a fifth of its few cases. So by default a small training
set is trained on whole, keeping the epoch of lowest training loss (the protocol of the FCN and
ResNet baselines of Wang et al., 2017), and a large one holds out a stratified 20 %.
"""

from __future__ import annotations

import math

import numpy as np

from forecaster.errors import ConfigError

AUTO_VAL_SIZE = 0.2  # the share held out when there are enough cases
MIN_VALIDATION_CASES = 100  # fewer held-out cases than this: none are held out


def validation_split(targets: np.ndarray, val_size: float | None, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation rows with the same class shares.

    `val_size=None` (the default of every classifier's `fit`) holds out `AUTO_VAL_SIZE` of the
    cases when that gives at least `MIN_VALIDATION_CASES` of them, and none otherwise: on a
    small set (UCR ArrowHead: 36 cases, 8 held out) one case moves the validation accuracy by
    12 %, so it cannot tell epochs apart, and the held-out cases are missed by the fit more
    than early stopping helps (ArrowHead 0.701 -> 0.823, ItalyPowerDemand 0.949 -> 0.957 over
    3 seeds; benchmarks/README.md). Without validation rows the fit keeps the epoch of lowest
    training loss, and the probabilities stay uncalibrated (T = 1).
    No validation rows either when `val_size` is 0, or when the data are too small to give
    every class a case on both sides.
    """
    from sklearn.model_selection import train_test_split

    if val_size is None:
        enough = math.ceil(AUTO_VAL_SIZE * len(targets)) >= MIN_VALIDATION_CASES
        val_size = AUTO_VAL_SIZE if enough else 0.0
    if isinstance(val_size, bool) or not isinstance(val_size, int | float) \
            or not 0.0 <= val_size < 1.0:
        raise ConfigError(f"val_size={val_size!r} must be a share in [0, 1), e.g. 0.2 to hold "
                          f"out 20 % of the training cases for early stopping (None: 0.2 when "
                          f"that holds out {MIN_VALIDATION_CASES} cases or more, else 0).")
    rows = np.arange(len(targets))
    counts = np.bincount(targets)
    n_val = math.ceil(val_size * len(rows))
    if val_size == 0 or counts.min() < 2 or min(n_val, len(rows) - n_val) < len(counts):
        return rows, rows[:0]
    train_rows, val_rows = train_test_split(rows, test_size=val_size, stratify=targets,
                                            random_state=seed)
    return train_rows, val_rows
