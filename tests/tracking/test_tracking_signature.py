"""The logged model's signature takes raw CSV columns as they come: an integer column such as
Volume must not be refused, and logging a run must not print MLflow's schema hints."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.tracking

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"


def test_pyfunc_accepts_integer_feature_columns_of_the_raw_csv(cli, tmp_path):
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    out = tmp_path / "run"
    result = cli("train", GOOG, "--target", "Close", "--features", "Volume", "--cell", "gru",
                 "--num-layers", "1", "--hidden-size", "8", "--lookback", "20", "--epochs", "2",
                 "--device", "cpu", "--quiet", "--out", out, "--tracking-uri", uri,
                 "--register", "goog-volume", "--json")
    assert result.exit_code == 0, result.output
    assert "Inferred schema" not in result.stderr
    raw = pd.read_csv(GOOG)[["Date", "Close", "Volume"]]
    assert pd.api.types.is_integer_dtype(raw["Volume"])
    mlflow.set_tracking_uri(uri)
    served = mlflow.pyfunc.load_model("models:/goog-volume/1").predict(raw)
    local = cli("predict", out / "model", GOOG, "--json")
    expected = json.loads(local.stdout)["forecast"]
    assert served["forecast"].tolist() == pytest.approx([row["forecast"] for row in expected])
