"""Shared fixtures: the real shipped data and small, fast model settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"


@pytest.fixture(scope="session", autouse=True)
def no_tracking_by_default():
    """CLI runs in tests do not log to MLflow (nor create ./mlflow.db); tests marked `tracking`
    lift this for themselves (see `tracking_enabled`)."""
    saved = {key: os.environ.pop(key, None) for key in ("MLFLOW_TRACKING_URI",)}
    os.environ["FORECASTER_NO_TRACKING"] = "1"
    yield
    os.environ.pop("FORECASTER_NO_TRACKING", None)
    os.environ.update({key: value for key, value in saved.items() if value is not None})


@pytest.fixture(autouse=True)
def tracking_enabled(request, monkeypatch):
    if "tracking" in request.keywords:
        monkeypatch.delenv("FORECASTER_NO_TRACKING", raising=False)


@pytest.fixture(scope="session")
def goog_csv() -> Path:
    return DATASETS / "GOOG.csv"


@pytest.fixture(scope="session")
def goog(goog_csv):
    from forecaster import load_series

    return load_series(goog_csv, target="Close")


def tiny_training(**overrides):
    """A TrainConfig for tests: a few epochs, quiet, CPU, seeded."""
    from forecaster import TrainConfig

    settings = {"epochs": 3, "batch_size": 64, "patience": 0, "progress": "off",
                "device": "cpu", "seed": 0}
    return TrainConfig(**{**settings, **overrides})


@pytest.fixture(scope="session")
def training():
    """Factory of small TrainConfigs (see tiny_training)."""
    return tiny_training
