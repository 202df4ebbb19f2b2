"""Inputs known in advance through MLflow: a model trained with future-known columns (EPF's
gen_forecast and week_day) by a pipeline job, logged and registered; its pyfunc takes the
history followed by the 24 future rows (target empty), its logged input example shows that
layout, and `mlflow models serve` answers such a request."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from serving import served_predictions

from forecaster import Forecaster
from forecaster.tracking.records import input_example
from forecaster.tracking.run_files import run_files

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
EPF = ROOT / "datasets" / "epf_fr.csv"
EPF_FUTURE = ROOT / "datasets" / "epf_fr_future.csv"  # the 24 hours after epf_fr.csv
ROWS = 400
MODEL = "epf-known"
MODEL_URI = f"models:/{MODEL}-y/1"  # a job registers <name>-<series>
BOUNDS = ["lower_80", "upper_80", "lower_95", "upper_95"]

PIPELINE = """\
name: epf
data:
  path: {data}
  date_column: ds
  targets: [y]
  future_features: [gen_forecast, week_day]
  future_path: {future}
split: {{test_size: 0.1, val_size: 0.15}}
preprocessing: {{lookback: 48, horizon: 24}}
model: {{cell: gru, hidden_size: 8, num_layers: 1, combine: none}}
training: {{epochs: 2, patience: 0, seed: 0, device: cpu}}
tracking: {{uri: '{uri}', register: {model}}}
output: {{dir: {out}}}
"""


@pytest.fixture(scope="module")
def logged(tmp_path_factory, cli):
    import mlflow

    root = tmp_path_factory.mktemp("known")
    history = pd.read_csv(EPF).iloc[-ROWS:]
    history.to_csv(root / "epf.csv", index=False)
    uri = f"sqlite:///{root / 'mlflow.db'}"
    path = root / "epf.yaml"
    path.write_text(PIPELINE.format(data=root / "epf.csv", future=EPF_FUTURE, uri=uri,
                                    model=MODEL, out=root / "out"), encoding="utf-8")
    result = cli("run", path)
    assert result.exit_code == 0, result.output
    request = pd.concat([history[["ds", "y", "gen_forecast", "week_day"]],
                         pd.read_csv(EPF_FUTURE)], ignore_index=True)
    mlflow.set_tracking_uri(uri)
    try:
        pyfunc = mlflow.pyfunc.load_model(MODEL_URI)
    finally:
        mlflow.set_tracking_uri(None)
    return SimpleNamespace(uri=uri, run_dir=root / "out" / "series" / "y", pyfunc=pyfunc,
                           request=request, history=history)


def test_pyfunc_forecasts_from_history_and_future_rows(logged):
    served = logged.pyfunc.predict(logged.request)
    assert list(served.columns) == ["date", "step", "forecast", *BOUNDS]
    assert len(served) == 24
    assert served["date"].iloc[0] == "2016-11-01T00:00:00"
    assert (served["lower_80"] <= served["forecast"]).all()
    assert (served["forecast"] <= served["upper_80"]).all()
    local = Forecaster.load(logged.run_dir / "model").forecast(logged.request)
    assert served["forecast"].tolist() == pytest.approx(local["forecast"].tolist(), rel=1e-6)


def test_pyfunc_without_future_rows_says_what_it_needs(logged):
    with pytest.raises(Exception, match="needs their values for the 24 forecast date"):
        logged.pyfunc.predict(logged.request.iloc[:-24])


def test_logged_input_example_is_history_then_future_rows(logged):
    import mlflow

    mlflow.set_tracking_uri(logged.uri)
    try:
        model = mlflow.models.Model.load(MODEL_URI)
        example = model.load_input_example(mlflow.artifacts.download_artifacts(
            MODEL_URI))
    finally:
        mlflow.set_tracking_uri(None)
    example = pd.DataFrame(example)
    assert list(example.columns) == ["ds", "y", "gen_forecast", "week_day"]
    assert len(example) == 48 + 24  # the lookback, then one row per forecast step
    assert example["y"].iloc[:48].notna().all() and example["y"].iloc[48:].isna().all()
    assert example["gen_forecast"].notna().all()
    assert [spec.name for spec in model.get_input_schema().inputs] == list(example.columns)


def test_input_example_made_when_the_run_had_no_future_rows(logged):
    """A run trained without its future rows wrote the history only: the example gets 24 rows
    at the forecast dates, the future columns repeating their last values."""
    files = run_files(logged.run_dir)
    config = json.loads((logged.run_dir / "model" / "config.json").read_text())
    tail = pd.read_csv(logged.run_dir / "model" / "history_tail.csv")
    history = tail[tail["y"].notna()].reset_index(drop=True)
    example = input_example(history, files, config)
    assert len(example) == len(history) + 24
    after = example.iloc[len(history):]
    assert after["ds"].iloc[0] == "2016-11-01 00:00:00" and after["y"].isna().all()
    assert (after["gen_forecast"] == history["gen_forecast"].iloc[-1]).all()
    assert len(logged.pyfunc.predict(example)) == 24  # a request the model accepts


@pytest.mark.slow
def test_mlflow_models_serve_answers_history_and_future_rows(logged, model_server):
    url = model_server(MODEL_URI, logged.uri)
    predictions = served_predictions(url, logged.request)
    assert len(predictions) == 24
    assert predictions[0]["date"] == "2016-11-01T00:00:00"
    assert list(predictions[0]) == ["date", "step", "forecast", *BOUNDS]
    local = logged.pyfunc.predict(logged.request)
    assert [row["forecast"] for row in predictions] == pytest.approx(
        local["forecast"].tolist(), rel=1e-5)
