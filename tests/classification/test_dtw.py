"""The 1-NN DTW baseline (tslearn) against a direct dynamic-programming computation on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecaster.classification import read_ts
from forecaster.classification.dtw import nearest_neighbour_dtw

UCR = Path(__file__).resolve().parents[2] / "datasets" / "ucr"


def direct_dtw(a: np.ndarray, b: np.ndarray) -> float:
    """Dependent DTW by the textbook recurrence: squared step costs summed over channels."""
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)  # (len a, len b)
    total = np.full((len(a) + 1, len(b) + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            total[i, j] = cost[i - 1, j - 1] + min(total[i - 1, j], total[i, j - 1],
                                                   total[i - 1, j - 1])
    return float(np.sqrt(total[-1, -1]))


@pytest.mark.parametrize("name", ["JapaneseVowels", "ItalyPowerDemand"])
def test_predictions_are_the_nearest_case_under_dtw(name):
    """JapaneseVowels: 12 channels, 7-29 steps (lengths differ); ItalyPowerDemand: one
    channel, 24 steps."""
    train = read_ts(UCR / name / f"{name}_TRAIN.ts")
    test = read_ts(UCR / name / f"{name}_TEST.ts")
    picked = np.arange(0, len(train), max(1, len(train) // 25))  # about 25 training cases
    cases = [0, len(test) // 2, len(test) - 1]
    predicted = nearest_neighbour_dtw(train.values[picked], train.lengths[picked],
                                      train.labels[picked], test.values[cases],
                                      test.lengths[cases])
    for case, label in zip(cases, predicted, strict=True):
        query = test.values[case, :test.lengths[case]].astype(np.float64)
        distances = [direct_dtw(query, train.values[row, :train.lengths[row]].astype(np.float64))
                     for row in picked]
        assert label == train.labels[picked][int(np.argmin(distances))]
