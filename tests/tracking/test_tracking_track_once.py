"""A run directory goes into MLflow once (a local SQLite store, no server): `forecaster track`
of a run that is already logged completely is a no-op that names the run and never retires it
(it may be the source of a registered model); `forecaster models register RUN_DIR NAME`
registers the run's model, logging a never-logged run first; registering it again adds no
version. A half-logged run is still retired in favour of a complete new one."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "datasets" / "GOOG.csv"
TINY = ["--target", "Close", "--cell", "gru", "--num-layers", "1", "--hidden-size", "8",
        "--lookback", "20", "--epochs", "2", "--patience", "0", "--device", "cpu", "--quiet"]


def client_for(store: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{store}")


def all_runs(store: Path) -> list:
    client = client_for(store)
    return client.search_runs([e.experiment_id for e in client.search_experiments()])


@pytest.fixture(scope="module")
def logged(tmp_path_factory, cli):
    """One tracked, registered `forecaster train` into work/mlflow.db, and one run directory
    trained with --no-tracking."""
    work = tmp_path_factory.mktemp("once")
    cwd = Path.cwd()
    os.chdir(work)  # the SQLite store keeps its artefacts under the working directory
    try:
        store = f"sqlite:///{work / 'mlflow.db'}"
        tracked = cli("train", GOOG, *TINY, "--out", "tracked", "--tracking-uri", store,
                      "--register", "goog")
        assert tracked.exit_code == 0, tracked.output
        untracked = cli("train", GOOG, *TINY, "--out", "untracked", "--no-tracking")
        assert untracked.exit_code == 0, untracked.output
    finally:
        os.chdir(cwd)
    return work


def fresh_store(logged: Path, tmp_path: Path) -> tuple[Path, str]:
    """A copy of the module's store and run directories (tests change the registry)."""
    for name in ("mlflow.db", "mlruns", "tracked", "untracked"):
        source = logged / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        elif source.exists():
            shutil.copyfile(source, tmp_path / name)
    return tmp_path / "mlflow.db", f"sqlite:///{tmp_path / 'mlflow.db'}"


def test_track_of_a_logged_run_is_a_no_op_that_keeps_the_run_finished(logged, cli, tmp_path,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    store, uri = fresh_store(logged, tmp_path)
    (original,) = all_runs(store)
    assert original.info.status == "FINISHED"
    result = cli("track", "tracked", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert (f"Already in MLflow at {uri}: experiment 'GOOG-Close', run "
            f"{original.info.run_id} (FINISHED)") in result.output
    assert "Nothing logged again." in result.output
    (after,) = all_runs(store)  # no second run, and the registered model's run untouched
    assert after.info.run_id == original.info.run_id
    assert after.info.status == "FINISHED"
    assert "forecaster.superseded_by" not in after.data.tags
    (version,) = client_for(store).search_model_versions("name='goog'")
    assert version.run_id == original.info.run_id


def test_track_register_of_a_logged_run_registers_its_model_once(logged, cli, tmp_path,
                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    store, uri = fresh_store(logged, tmp_path)
    (original,) = all_runs(store)
    for _ in range(2):  # the second time names the version the first one made
        result = cli("track", "tracked", "--tracking-uri", uri, "--register", "goog-2")
        assert result.exit_code == 0, result.output
        assert "Registered as goog-2 version 1" in result.output
    (version,) = client_for(store).search_model_versions("name='goog-2'")
    assert version.run_id == original.info.run_id
    assert len(all_runs(store)) == 1


def test_models_register_a_logged_run(logged, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store, uri = fresh_store(logged, tmp_path)
    (original,) = all_runs(store)
    result = cli("models", "register", "tracked", "goog", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert "Registered as goog version 1" in result.output  # the version it already has
    result = cli("models", "register", "tracked", "champion-model", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert "Registered as champion-model version 1;" in result.output
    assert "forecaster models promote champion-model 1 --alias champion" in result.output
    (version,) = client_for(store).search_model_versions("name='champion-model'")
    assert version.run_id == original.info.run_id
    assert len(all_runs(store)) == 1


def test_models_register_a_run_never_logged_logs_it_first(logged, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store, uri = fresh_store(logged, tmp_path)
    result = cli("models", "register", "untracked", "goog", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert f"Logged to MLflow at {uri}: experiment 'GOOG-Close'" in result.output
    assert "Registered as goog version 2" in result.output
    runs = all_runs(store)
    assert len(runs) == 2 and {run.info.status for run in runs} == {"FINISHED"}
    again = cli("models", "register", "untracked", "goog", "--tracking-uri", uri)
    assert again.exit_code == 0, again.output
    assert "Already in MLflow" in again.output and "goog version 2" in again.output
    assert len(all_runs(store)) == 2  # found by its run directory's digest, not logged twice
    assert len(client_for(store).search_model_versions("name='goog'")) == 2


def test_models_register_of_something_not_a_run_directory(logged, cli, tmp_path):
    result = cli("models", "register", tmp_path / "nothing", "goog",
                 "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2, result.output
    assert f"'{tmp_path / 'nothing'}' is not a complete run directory: 'metrics.json " \
           f"(missing)'" in result.output


def test_a_half_logged_run_is_still_retired(logged, cli, tmp_path, monkeypatch):
    """The run opened while it trained is still RUNNING (its logging broke off): track logs a
    complete run and marks the broken one FAILED, pointing at the new one."""
    monkeypatch.chdir(tmp_path)
    store, uri = fresh_store(logged, tmp_path)
    client = client_for(store)
    experiment = client.get_experiment_by_name("GOOG-Close").experiment_id
    broken = client.create_run(experiment, run_name="broken").info.run_id
    metrics = json.loads(Path("untracked/metrics.json").read_text(encoding="utf-8"))
    metrics["mlflow_live_run_id"] = broken
    Path("untracked/metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    result = cli("track", "untracked", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert "Logged to MLflow" in result.output
    retired = client.get_run(broken)
    assert retired.info.status == "FAILED"
    new_id = retired.data.tags["forecaster.superseded_by"]
    assert client.get_run(new_id).info.status == "FINISHED"


def test_a_complete_run_stopped_early_is_not_logged_again(logged, cli, tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM during training: the run is logged to the end, then closed KILLED.
    It holds its model, so track leaves it alone."""
    monkeypatch.chdir(tmp_path)
    store, uri = fresh_store(logged, tmp_path)
    (original,) = all_runs(store)
    client_for(store).set_terminated(original.info.run_id, status="KILLED")
    result = cli("track", "tracked", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert f"run {original.info.run_id} (KILLED)" in result.output
    (after,) = all_runs(store)
    assert after.info.status == "KILLED"
    assert "forecaster.superseded_by" not in after.data.tags
