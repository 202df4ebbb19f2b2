"""MinMax scaling: bounds from the training rows only, JSON state, target inversion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from forecaster.data import (
    chronological_split,
    fit_scaler,
    load_series,
    scaler_from_state,
    scaler_state,
)
from forecaster.data.scaling import inverse_target

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"


@pytest.fixture(scope="module")
def goog():
    values = load_series(GOOG, target="Close", features=["Open", "Volume"]).values
    split = chronological_split(len(values))
    return values, split


def test_scaler_is_fitted_on_train_rows_only(goog):
    values, split = goog
    train = values[: split.train_end]
    scaler = fit_scaler(train)
    np.testing.assert_array_equal(scaler.data_max_, train.max(axis=0))
    np.testing.assert_array_equal(scaler.data_min_, train.min(axis=0))
    # GOOG rose after the training span: the overall max is not the train max
    assert values[:, 0].max() > train[:, 0].max()
    assert scaler.data_max_[0] != values[:, 0].max()
    scaled = scaler.transform(values)
    assert scaled[: split.train_end].min() == pytest.approx(0.0)
    assert scaled[: split.train_end].max() == pytest.approx(1.0)
    assert scaled[split.val_end:, 0].max() > 1.0  # test values are not clipped


def test_state_round_trips(goog):
    values, split = goog
    scaler = fit_scaler(values[: split.train_end])
    state = scaler_state(scaler)
    assert set(state) == {"data_min", "data_max"}
    restored_state = json.loads(json.dumps(state))  # JSON-safe
    rebuilt = scaler_from_state(restored_state)
    np.testing.assert_array_equal(rebuilt.transform(values), scaler.transform(values))
    np.testing.assert_array_equal(rebuilt.scale_, scaler.scale_)
    np.testing.assert_array_equal(rebuilt.min_, scaler.min_)
    assert scaler_state(rebuilt) == state


def test_inverse_target_inverts_column_zero(goog):
    values, split = goog
    scaler = fit_scaler(values[: split.train_end])
    scaled = scaler.transform(values)
    np.testing.assert_allclose(inverse_target(scaler, scaled[:, 0]), values[:, 0], rtol=1e-12)
    np.testing.assert_allclose(inverse_target(scaler, scaled[:, 0]),
                               scaler.inverse_transform(scaled)[:, 0], rtol=1e-12)
    # works on (batch, horizon) arrays and through a rebuilt scaler
    block = scaled[:12, 0].reshape(4, 3)
    rebuilt = scaler_from_state(scaler_state(scaler))
    np.testing.assert_allclose(inverse_target(rebuilt, block), values[:12, 0].reshape(4, 3),
                               rtol=1e-12)
