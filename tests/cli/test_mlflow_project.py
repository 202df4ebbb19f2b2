"""`mlflow run mlflow -e train|predict` drives the CLI and lands in the project's own run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tracking, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def mlflow_run(args: list[str], store: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{store / 'mlflow.db'}",
           "FORECASTER_RUNS_DIR": str(store / "runs"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("FORECASTER_NO_TRACKING", None)
    return subprocess.run([sys.executable, "-m", "mlflow", "run", str(ROOT / "mlflow"), *args,
                           "--env-manager", "local"], cwd=store, env=env, capture_output=True,
                          text=True, timeout=600)


def test_mlflow_project_trains_logs_and_predicts(tmp_path):
    from mlflow.tracking import MlflowClient

    trained = mlflow_run(["-e", "train", "-P", f"csv={ROOT / 'datasets' / 'GOOG.csv'}",
                          "-P", "cell=gru", "-P", "num_layers=1", "-P", "hidden_size=8",
                          "-P", "lookback=20", "-P", "epochs=2"], tmp_path)
    assert trained.returncode == 0, trained.stderr[-3000:]
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert len(runs) == 1  # the project's run holds everything; no second run was made
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert run.data.params["model.cell"] == "gru"
    assert len(list((tmp_path / "runs").iterdir())) == 1  # the run directory, not in the repo
    assert "test_rmse" in run.data.metrics and "naive_rmse" in run.data.metrics
    model_uri = f"runs:/{run.info.run_id}/model"
    predicted = mlflow_run(["-e", "predict", "-P", f"model={model_uri}",
                            "-P", f"csv={ROOT / 'datasets' / 'GOOG.csv'}"], tmp_path)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    payload = json.loads(predicted.stdout[predicted.stdout.index("{"):])
    assert payload["forecast"][0]["date"].startswith("2019-01-01")


def test_the_documented_command_works_without_the_venv_on_the_path(tmp_path):
    """`.venv/bin/mlflow run mlflow -e train ... --env-manager local` in a shell that never ran
    `source .venv/bin/activate`: MLflow runs the entry point with that shell's PATH, where a
    bare `python` lacks forecaster ("No module named forecaster"); the project falls back to the
    repository's .venv."""
    venv_bin = ROOT / ".venv" / "bin"
    if Path(sys.executable).parent != venv_bin:
        pytest.skip("the tests do not run from the repository's .venv")
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
           "FORECASTER_RUNS_DIR": str(tmp_path / "runs"), "PATH": "/usr/local/bin:/usr/bin:/bin"}
    for name in ("VIRTUAL_ENV", "FORECASTER_NO_TRACKING", "PYTHONPATH"):
        env.pop(name, None)
    done = subprocess.run([str(venv_bin / "mlflow"), "run", str(ROOT / "mlflow"), "-e", "train",
                           "-P", f"csv={ROOT / 'datasets' / 'GOOG.csv'}", "-P", "cell=gru",
                           "-P", "num_layers=1", "-P", "hidden_size=4", "-P", "lookback=20",
                           "-P", "epochs=1", "--env-manager", "local"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "No module named forecaster" not in done.stderr
    assert len(list((tmp_path / "runs").iterdir())) == 1
