"""WindowBatches: strided views over one tensor (no length x lookback copy), exact contents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from forecaster.data import (
    WindowBatches,
    chronological_split,
    fit_scaler,
    load_series,
    target_positions,
)

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"
LOOKBACK, HORIZON = 20, 3


@pytest.fixture(scope="module")
def scaled():
    """GOOG Close, Open, Volume scaled with train-only bounds, and the split."""
    series = load_series(GOOG, target="Close", features=["Open", "Volume"])
    values = series.values
    split = chronological_split(len(values), lookback=LOOKBACK, horizon=HORIZON)
    scaler = fit_scaler(values[: split.train_end])
    return scaler.transform(values), split


def windows_for(scaled_values, start, stop, norm):
    positions = target_positions(start, stop, LOOKBACK, HORIZON)
    return WindowBatches.from_array(scaled_values, positions, LOOKBACK, HORIZON, norm=norm)


def raw_windows(series: torch.Tensor, positions: torch.Tensor):
    x = torch.stack([series[t - LOOKBACK:t] for t in positions.tolist()])
    y = torch.stack([series[t:t + HORIZON, 0] for t in positions.tolist()])
    return x, y


@pytest.mark.parametrize("norm", ["last", "none"])
def test_windows_are_views_of_the_series(scaled, norm):
    values, split = scaled
    windows = windows_for(values, 0, split.train_end, norm)
    storage = windows.series.untyped_storage().data_ptr()
    assert windows._inputs.untyped_storage().data_ptr() == storage
    assert windows._targets.untyped_storage().data_ptr() == storage
    # the storage holds the series once, not series x lookback
    assert windows._inputs.untyped_storage().nbytes() == windows.series.numel() * 4
    assert windows._inputs.shape == (len(values) - LOOKBACK + 1, values.shape[1], LOOKBACK)
    assert windows._targets.shape == (len(values) - HORIZON + 1, HORIZON)


def test_float32_input_is_not_copied():
    array = np.random.default_rng(0).random((300, 2)).astype(np.float32)
    windows = WindowBatches.from_array(array, target_positions(0, 300, 10, 2), 10, 2)
    assert windows.series.data_ptr() == array.ctypes.data
    assert windows._inputs.untyped_storage().data_ptr() == array.ctypes.data


def test_fetch_shapes(scaled):
    values, split = scaled
    windows = windows_for(values, 0, split.train_end, "last")
    assert len(windows) == split.train_end - HORIZON - LOOKBACK + 1
    rows = torch.tensor([0, 5, 7, len(windows) - 1])
    x, y = windows.fetch(rows)
    assert x.shape == (4, LOOKBACK, 3)
    assert y.shape == (4, HORIZON)
    assert x.dtype == y.dtype == torch.float32


def test_norm_none_gives_raw_values(scaled):
    values, split = scaled
    windows = windows_for(values, 0, len(values), "none")
    rows = torch.arange(len(windows))
    x, y = windows.fetch(rows)
    expected_x, expected_y = raw_windows(windows.series, windows.positions)
    assert torch.equal(x, expected_x)
    assert torch.equal(y, expected_y)
    # against the numpy values themselves (float32)
    t = int(windows.positions[0])
    np.testing.assert_array_equal(x[0].numpy(), values[t - LOOKBACK:t].astype(np.float32))
    np.testing.assert_array_equal(y[0].numpy(), values[t:t + HORIZON, 0].astype(np.float32))
    assert torch.equal(windows.restore(rows, y), expected_y)
    assert torch.equal(windows.levels(rows), torch.zeros(len(rows), 1))


def test_norm_last_is_relative_to_the_last_input_row(scaled):
    values, split = scaled
    windows = windows_for(values, 0, len(values), "last")
    rows = torch.arange(len(windows))
    x, y = windows.fetch(rows)
    expected_x, expected_y = raw_windows(windows.series, windows.positions)
    assert torch.equal(x[:, -1, :], torch.zeros(len(rows), 3))
    last = expected_x[:, -1:, :]
    torch.testing.assert_close(x, expected_x - last, rtol=0, atol=0)
    torch.testing.assert_close(y, expected_y - last[:, :, 0], rtol=0, atol=0)
    # restore() undoes the normalisation against the raw targets (float32: equal up to one
    # rounding of the subtraction, i.e. well below 1e-6 on [0, 1]-scaled values)
    torch.testing.assert_close(windows.restore(rows, y), expected_y, rtol=0, atol=1e-6)
    assert torch.equal(windows.levels(rows)[:, 0], expected_x[:, -1, 0])


def test_target_positions_cover_the_whole_test_span(scaled):
    values, split = scaled
    n = len(values)
    positions = target_positions(split.test_start, n, LOOKBACK, HORIZON)
    assert positions[0] == split.test_start  # inputs of the first one lie before the span
    assert positions[0] - LOOKBACK < split.test_start
    assert positions[-1] == n - HORIZON
    np.testing.assert_array_equal(positions, np.arange(split.test_start, n - HORIZON + 1))
    windows = WindowBatches.from_array(values, positions, LOOKBACK, HORIZON)
    _, y = windows.fetch(torch.tensor([0]))
    restored = windows.restore(torch.tensor([0]), y)
    np.testing.assert_allclose(restored[0].numpy(),
                               values[split.test_start:split.test_start + HORIZON, 0],
                               rtol=0, atol=1e-6)


def test_spans_do_not_share_targets(scaled):
    values, split = scaled
    train = target_positions(0, split.train_end, LOOKBACK, HORIZON)
    val = target_positions(split.train_end, split.val_end, LOOKBACK, HORIZON)
    assert train[0] == LOOKBACK  # first full input window
    assert train[-1] + HORIZON <= split.train_end
    assert val[0] == split.train_end and val[-1] + HORIZON <= split.val_end


def test_no_positions_when_the_span_is_too_short():
    positions = target_positions(0, 10, 10, 1)
    assert len(positions) == 0
    assert positions.dtype == np.int64
    assert len(target_positions(5, 7, 2, 3)) == 0
