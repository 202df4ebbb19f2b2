"""Prediction intervals through MLflow: the pyfunc model's bound columns (and its `levels`
parameter), the signature that says so, the interval metrics, parameter and tag of the run,
and a model saved before intervals, which still forecasts points and says why."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from forecaster import Forecaster
from forecaster.forecasting.interval_report import NO_INTERVALS
from forecaster.tracking.records import MODEL_ARTIFACT

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "datasets" / "GOOG.csv"
PYFUNC_FILE = ROOT / "forecaster" / "tracking" / "pyfunc_model.py"
MODEL = "goog-intervals"
BOUNDS = ["lower_80", "upper_80", "lower_95", "upper_95"]


@pytest.fixture(scope="module")
def logged(tmp_path_factory, cli):
    """A small GRU (horizon 2) trained, logged and registered in a SQLite store."""
    import mlflow

    root = tmp_path_factory.mktemp("intervals")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    out = root / "run"
    result = cli("train", GOOG, "--target", "Close", "--cell", "gru", "--num-layers", "1",
                 "--hidden-size", "8", "--lookback", "20", "--horizon", "2", "--epochs", "2",
                 "--patience", "0", "--device", "cpu", "--quiet", "--out", out,
                 "--tracking-uri", uri, "--register", MODEL, "--json")
    assert result.exit_code == 0, result.output
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    version = client.get_model_version(MODEL, "1")
    return SimpleNamespace(uri=uri, out=out, run=client.get_run(version.run_id),
                           metrics=json.loads((out / "metrics.json").read_text()),
                           history=pd.read_csv(GOOG)[["Date", "Close"]])


@pytest.fixture(scope="module")
def pyfunc(logged):
    import mlflow

    mlflow.set_tracking_uri(logged.uri)
    try:
        return mlflow.pyfunc.load_model(f"models:/{MODEL}/1")
    finally:
        mlflow.set_tracking_uri(None)


def test_pyfunc_forecast_carries_bounds_around_it_as_the_local_model(logged, pyfunc):
    served = pyfunc.predict(logged.history)
    assert list(served.columns) == ["date", "step", "forecast", *BOUNDS]
    assert served["step"].tolist() == [1, 2]
    assert (served["lower_95"] <= served["lower_80"]).all()
    assert (served["lower_80"] <= served["forecast"]).all()
    assert (served["forecast"] <= served["upper_80"]).all()
    assert (served["upper_80"] <= served["upper_95"]).all()
    assert (served["lower_80"] < served["upper_80"]).all()
    local = Forecaster.load(logged.out / "model").forecast(logged.history)
    for column in ["forecast", *BOUNDS]:
        assert served[column].tolist() == pytest.approx(local[column].tolist(), rel=1e-9)


def test_the_levels_parameter_asks_for_other_intervals(pyfunc, logged):
    served = pyfunc.predict(logged.history, params={"levels": [90, 50]})
    assert list(served.columns) == ["date", "step", "forecast", "lower_50", "upper_50",
                                    "lower_90", "upper_90"]
    assert (served["lower_90"] <= served["lower_50"]).all()
    from forecaster.errors import ConfigError

    with pytest.raises(ConfigError, match=r"levels 100(\.0)? is outside \(0, 100\)"):
        pyfunc.predict(logged.history, params={"levels": [100]})


def test_signature_names_the_bound_columns_and_the_levels_parameter(pyfunc):
    signature = pyfunc.metadata.signature
    assert signature.outputs.input_names() == ["date", "step", "forecast", *BOUNDS]
    (levels,) = signature.params.params
    assert (levels.name, levels.default, levels.shape) == ("levels", [80.0, 95.0], (-1,))


def test_interval_metrics_parameter_and_tag_are_logged(logged):
    logged_metrics = logged.run.data.metrics
    scores = logged.metrics["intervals"]["metrics"]
    for name in ("model", "model_split", "naive", "seasonal_naive", "theta"):
        for level in ("80", "95"):
            for score in ("coverage", "mean_width", "interval_score"):
                key = f"{name}_{score}_{level}"
                assert logged_metrics[key] == pytest.approx(scores[name][level][score]), key
        assert logged_metrics[f"{name}_pinball_loss"] == pytest.approx(
            scores[name]["pinball_loss"])
    assert 0.5 < logged_metrics["model_coverage_80"] <= logged_metrics["model_coverage_95"]
    assert all(re.fullmatch(r"[\w.\- /:]+", key) for key in logged_metrics)
    assert logged.run.data.params["evaluation.levels"] == "80,95"
    assert logged.run.data.tags["intervals.method"] == logged.metrics["intervals"]["method"]


def test_a_model_saved_before_intervals_forecasts_points_and_says_so(logged, tmp_path):
    import mlflow

    model_dir = tmp_path / "old_model"
    shutil.copytree(logged.out / "model", model_dir)
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    del config["intervals"]  # as written before intervals existed
    (model_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    mlflow.pyfunc.save_model(tmp_path / "pyfunc", python_model=str(PYFUNC_FILE),
                             artifacts={MODEL_ARTIFACT: str(model_dir)})
    with pytest.warns(UserWarning, match=re.escape(NO_INTERVALS)):
        old = mlflow.pyfunc.load_model(str(tmp_path / "pyfunc"))
    served = old.predict(logged.history)
    assert list(served.columns) == ["date", "step", "forecast"]
    local = Forecaster.load(logged.out / "model").forecast(logged.history)
    assert served["forecast"].tolist() == pytest.approx(local["forecast"].tolist(), rel=1e-9)
