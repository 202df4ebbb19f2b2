"""With no tracking options and no $MLFLOW_TRACKING_URI, a run is logged to MLflow's embedded
default store, ./mlflow.db (no server needed), and MLflow reads it back from there."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.tracking


def test_default_is_sqlite_mlflow_db_in_the_working_directory(
        cli, tiny_train_args, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    result = cli("train", *tiny_train_args, "--out", "run")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mlflow.db").is_file()
    assert "Logged to MLflow at sqlite:///mlflow.db: experiment 'GOOG-Close'" in result.stderr

    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
    client = MlflowClient(tracking_uri="sqlite:///mlflow.db")
    experiment = client.get_experiment_by_name("GOOG-Close")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert run.info.run_name == "run"
    assert run.info.status == "FINISHED"
    assert run.data.metrics["test_rmse"] == pytest.approx(metrics["metrics"]["model"]["rmse"])
    assert run.data.params["model.cell"] == "gru"
    assert len(client.get_metric_history(run.info.run_id, "train_loss")) == 3
    # the artefacts sit beside the database, inside the working directory
    assert "metrics.json" in {item.path for item in client.list_artifacts(run.info.run_id)}
    assert str(tmp_path) in experiment.artifact_location
