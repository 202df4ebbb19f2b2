"""A saved model's files get the process umask's mode like every other file a run writes:
safetensors' own writer made `weights.safetensors` 0600 beside 0644 files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from forecaster import Forecaster, TrainConfig, load_series

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_weights_have_the_mode_of_the_other_files(tmp_path, umask):
    series = load_series(AIR, target="y")
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=12,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    model.fit(series)
    previous = os.umask(umask)
    try:
        out = model.save(tmp_path / "model")
    finally:
        os.umask(previous)
    expected = 0o666 & ~umask
    assert mode(out / "weights.safetensors") == expected
    assert mode(out / "config.json") == expected
