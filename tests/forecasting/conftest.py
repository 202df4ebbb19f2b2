"""Shipped series as plain arrays, shared by the baseline and statistical-reference tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecaster import load_series


@pytest.fixture(scope="session")
def passengers(goog_csv) -> np.ndarray:
    """Monthly airline passengers, 1949-1960 (season 12)."""
    return pd.read_csv(goog_csv.parent / "airpassengers.csv")["y"].to_numpy(float)


@pytest.fixture(scope="session")
def co2(goog_csv) -> np.ndarray:
    """Weekly CO2 at Mauna Loa (season 52), its gaps filled by straight lines."""
    return pd.read_csv(goog_csv.parent / "co2_weekly.csv")["co2"].interpolate().to_numpy(float)


@pytest.fixture(scope="module")
def air(goog_csv):
    """Monthly airline passengers as the toolkit loads them (target y)."""
    return load_series(goog_csv.with_name("airpassengers.csv"), target="y")
