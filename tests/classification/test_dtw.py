"""The 1-NN DTW baseline (tslearn) against a direct dynamic-programming computation on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forecaster.classification import read_ts
from forecaster.classification.dtw import dtw_cells, nearest_neighbour_dtw

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


def test_the_cells_count_every_pair_of_steps():
    assert dtw_cells(np.array([3, 4]), np.array([5])) == 35.0  # 3*5 + 4*5


def test_a_report_too_costly_for_dtw_leaves_it_out_and_says_why(monkeypatch):
    """Above the cell budget the report keeps its other baselines and its verdict says why the
    DTW one is missing (ItalyPowerDemand: 67 x 1029 cases of 24 steps, 4e7 cells)."""
    from forecaster import TrainConfig
    from forecaster.classification import SequenceClassifier, sequence_classifier

    train = read_ts(UCR / "ItalyPowerDemand" / "ItalyPowerDemand_TRAIN.ts")
    test = read_ts(UCR / "ItalyPowerDemand" / "ItalyPowerDemand_TEST.ts")
    model = SequenceClassifier(hidden_size=4, training=TrainConfig(
        epochs=1, patience=0, progress="off", device="cpu", seed=0)).fit(train)
    monkeypatch.setattr(sequence_classifier, "MAX_CELLS", 1e7)
    evaluation = model.evaluate(test, train=train)
    assert set(evaluation.metrics) == {"model", "majority", "nearest_neighbour"}
    assert evaluation.verdict.endswith(
        "The 1-NN DTW baseline was left out: 4e+07 warping cells (training x test steps) "
        "would take under a minute; compare on a sample of the cases.")
