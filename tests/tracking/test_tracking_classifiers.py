"""Classifiers are tracked like forecasts: a real MLflow server records the run (parameters,
per-epoch loss and accuracy, scores beside the baselines, confusion matrix, model card), the
registry serves the model, and `mlflow.pyfunc` classifies raw input in a fresh process exactly
as the saved model does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.tracking, pytest.mark.slow]  # a real mlflow server

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = ROOT / "datasets" / "rotten_tomatoes.csv"
ITALY = ROOT / "datasets" / "ucr" / "ItalyPowerDemand"
TINY = ["--hidden-size", "8", "--epochs", "2", "--device", "cpu", "--quiet"]


@pytest.fixture(scope="module")
def reviews_slice(tmp_path_factory) -> Path:
    """1,500 shipped reviews, both classes: enough to train in seconds."""
    frame = pd.read_csv(REVIEWS).sample(1500, random_state=0)
    path = tmp_path_factory.mktemp("reviews") / "reviews.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def text_run(mlflow_server, cli, reviews_slice, tmp_path_factory):
    out = tmp_path_factory.mktemp("text") / "run"
    result = cli("classify", "train", reviews_slice, *TINY, "--max-length", "40", "--out", out,
                 "--tracking-uri", mlflow_server.uri, "--register", "sentiment-test", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server.uri)
    return out, payload, client.get_run(payload["mlflow"]["run_id"]), client


def test_text_run_record_matches_the_run_directory(text_run):
    out, payload, run, client = text_run
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    logged = run.data.metrics
    assert run.info.status == "FINISHED"
    assert logged["test_accuracy"] == pytest.approx(metrics["metrics"]["model"]["accuracy"])
    for baseline in ("majority", "tfidf_logistic"):
        assert logged[f"{baseline}_accuracy"] == pytest.approx(
            metrics["metrics"][baseline]["accuracy"])
    history = client.get_metric_history(run.info.run_id, "val_accuracy")
    assert [m.step for m in history] == [1, 2]
    assert [m.value for m in history] == pytest.approx(metrics["training"]["val_accuracy"])
    assert run.data.params["model.cell"] == metrics["model"]["cell"]
    assert run.data.params["model.hidden_size"] == "8"
    assert run.data.params["data.kind"] == "text"
    assert run.data.tags["verdict"] == metrics["verdict"]
    assert run.data.tags["forecaster.kind"] == "text_classifier"
    artefacts = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert {"model_card.md", "confusion.png", "loss.png", "metrics.json"} <= artefacts
    assert payload["mlflow"]["registered"] == ["sentiment-test", "1"]


def test_registered_text_model_classifies_raw_text_in_a_fresh_process(text_run, mlflow_server,
                                                                       cli, tmp_path):
    out, *_ = text_run
    texts = ["A wonderful, moving film with a great cast.", "Dull, long and badly acted.",
             "Ünïcödé reviews are fine too — 素晴らしい映画"]
    raw = tmp_path / "new.csv"
    pd.DataFrame({"text": texts}).to_csv(raw, index=False)
    local = cli("classify", "predict", out / "model", raw, "--json")
    assert local.exit_code == 0, local.output
    expected = json.loads(local.stdout)
    script = (
        "import json, sys, mlflow, pandas as pd\n"
        f"mlflow.set_tracking_uri({mlflow_server.uri!r})\n"
        "model = mlflow.pyfunc.load_model('models:/sentiment-test/1')\n"
        f"out = model.predict(pd.DataFrame({{'text': {texts!r}}}))\n"
        "print(out.to_json(orient='records'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    served = json.loads(done.stdout.strip().splitlines()[-1])
    assert [row["label"] for row in served] == [p["label"] for p in expected["predictions"]]
    classes = expected["classes"]
    got = np.array([[row[f"probability_{c}"] for c in classes] for row in served])
    want = np.array([p["probabilities"] for p in expected["predictions"]])
    np.testing.assert_allclose(got, want, atol=1e-5)
    # and through the CLI by registry URI
    registry = cli("classify", "predict", "models:/sentiment-test/1", raw, "--json",
                   "--tracking-uri", mlflow_server.uri)
    assert registry.exit_code == 0, registry.output
    assert json.loads(registry.stdout) == expected


def test_sequence_classifier_pyfunc_takes_flattened_raw_sequences(mlflow_server, cli, tmp_path):
    import mlflow

    out = tmp_path / "italy"
    result = cli("classify", "train", ITALY / "ItalyPowerDemand_TRAIN.ts", "--test-path",
                 ITALY / "ItalyPowerDemand_TEST.ts", *TINY, "--out", out,
                 "--tracking-uri", mlflow_server.uri, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    from forecaster.classification import read_ts
    from forecaster.classification.raw_input import flatten_sequences
    from forecaster.classification.saved_models import load_classifier

    test = read_ts(ITALY / "ItalyPowerDemand_TEST.ts")
    model = load_classifier(out / "model")
    mlflow.set_tracking_uri(mlflow_server.uri)
    served = mlflow.pyfunc.load_model(payload["mlflow"]["model_uri"]).predict(
        flatten_sequences(test, 50))
    np.testing.assert_allclose(served[[f"probability_{c}" for c in model.classes_]].to_numpy(),
                               model.predict_proba(test)[:50], atol=1e-6)
    assert list(served["label"]) == list(model.predict(test)[:50])
