"""The tracked-run lifecycle against MLflow's embedded store (a local SQLite file, no server):
a run in another text encoding is logged and ends FINISHED; anything that fails after the run
was opened leaves it FAILED, never RUNNING; `forecaster track` uploads only the run's own files
(no symlinks out of the directory) and refuses a broken metrics.json with exit 2."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--cell", "gru", "--layers", "1", "--hidden", "8", "--lookback", "12", "--epochs", "2",
        "--patience", "0", "--device", "cpu", "--quiet"]
TARGET = "Passagères"  # not ASCII: the file below is latin-1, not UTF-8


def client_for(store: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{store}")


def only_run(store: Path, experiment: str):
    client = client_for(store)
    found = client.get_experiment_by_name(experiment)
    assert found is not None, experiment
    (run,) = client.search_runs([found.experiment_id])
    return run


@pytest.fixture(scope="module")
def latin1_run(tmp_path_factory, cli):
    """`forecaster train` on a latin-1 CSV with --encoding latin-1, logged to ./mlflow.db."""
    work = tmp_path_factory.mktemp("latin1")
    frame = pd.read_csv(ROOT / "datasets" / "airpassengers.csv")
    frame.columns = ["Mois", TARGET]
    frame.to_csv(work / "air_latin1.csv", index=False, encoding="latin-1")
    with pytest.raises(UnicodeDecodeError):  # the file really is not UTF-8
        (work / "air_latin1.csv").read_text(encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(work)  # MLflow puts the SQLite store's artefacts under the working directory
    try:
        result = cli("train", "air_latin1.csv", "--target", TARGET, "--encoding",
                            "latin-1", *TINY, "--out", "run",
                            "--tracking-uri", f"sqlite:///{work / 'mlflow.db'}")
    finally:
        os.chdir(cwd)
    return work, result


def test_a_latin1_run_is_logged_and_finished(latin1_run):
    work, result = latin1_run
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    metrics = json.loads((work / "run" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["data_encoding"] == "latin-1"  # so that `forecaster track` reads it alike
    run = only_run(work / "mlflow.db", f"air_latin1-{TARGET}")
    assert run.info.status == "FINISHED"
    assert run.info.run_id == metrics["mlflow_live_run_id"]
    (dataset,) = run.inputs.dataset_inputs  # the whole file, read through the one reader
    assert json.loads(dataset.dataset.profile)["num_rows"] == 144
    columns = [c["name"] for c in json.loads(dataset.dataset.schema)["mlflow_colspec"]]
    assert columns == ["Mois", TARGET]


def test_forecaster_track_reads_the_latin1_data_in_its_encoding(latin1_run, cli, tmp_path,
                                                                monkeypatch):
    work, _ = latin1_run
    monkeypatch.chdir(tmp_path)  # the run recorded the data file's absolute path
    store = f"sqlite:///{tmp_path / 'a.db'}"
    result = cli("track", work / "run", "--tracking-uri", store, "--experiment", "again")
    assert result.exit_code == 0, result.output
    assert "Note:" not in result.output
    run = only_run(tmp_path / "a.db", "again")
    assert run.info.status == "FINISHED"
    (dataset,) = run.inputs.dataset_inputs
    assert json.loads(dataset.dataset.profile)["num_rows"] == 144


def test_forecaster_track_when_the_data_file_is_gone(latin1_run, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_dir = copy_run(latin1_run, tmp_path / "run")
    metrics = json.loads((run_dir / "metrics.json").read_text())
    gone = tmp_path / "moved" / "air_latin1.csv"  # the data file has been moved away since
    metrics["data"]["path"] = str(gone)
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 'b.db'}",
                 "--experiment", "gone")
    assert result.exit_code == 0, result.output  # the model's input tail stands in
    assert f"Note: dataset: '{gone}' is no longer there" in result.output
    (dataset,) = only_run(tmp_path / "b.db", "gone").inputs.dataset_inputs
    assert json.loads(dataset.dataset.profile)["num_rows"] == 12  # the lookback


def copy_run(latin1_run, to: Path) -> Path:
    work, _ = latin1_run
    shutil.copytree(work / "run", to)
    return to


def test_a_failure_while_logging_the_finished_run_leaves_it_failed(latin1_run, tmp_path,
                                                                    monkeypatch):
    """The run opens before training; the run directory it then logs is broken (here:
    metrics.json cut short), so `finish` fails: a user error, and the run is FAILED."""
    from forecaster.tracking.lifecycle import open_tracking, tracked_run

    monkeypatch.chdir(tmp_path)
    run_dir = copy_run(latin1_run, tmp_path / "run")
    (run_dir / "metrics.json").write_text('{"data": {"source": ', encoding="utf-8")
    tracking = open_tracking(f"sqlite:///{tmp_path / 'f.db'}", "broken", None)
    with tracked_run(tracking, "broken-run"):
        tracking.finish(run_dir)
    assert tracking.exit_code == 3
    assert f"'{run_dir / 'metrics.json'}' is not valid JSON" in tracking.problem
    run = only_run(tmp_path / "f.db", "broken")
    assert run.info.status == "FAILED"


def test_any_error_inside_the_tracked_block_leaves_the_run_failed(tmp_path, monkeypatch):
    from forecaster.tracking.lifecycle import open_tracking, tracked_run

    monkeypatch.chdir(tmp_path)
    tracking = open_tracking(f"sqlite:///{tmp_path / 'g.db'}", "bug", None)
    with pytest.raises(ZeroDivisionError), tracked_run(tracking, "bug-run"):
        assert only_run(tmp_path / "g.db", "bug").info.status == "RUNNING"
        _ = 1 / 0  # a bug, not a user error: it goes on (exit 1), the run is marked FAILED
    assert only_run(tmp_path / "g.db", "bug").info.status == "FAILED"


def test_tracking_off_still_records_the_encoding():
    from forecaster.tracking.lifecycle import open_tracking, tracked_run

    tracking = open_tracking(None, "x", None, enabled=False, encoding="latin-1")
    with tracked_run(tracking, "name") as run:
        assert run.reporter is None
        assert run.facts() == {"data_encoding": "latin-1"}
    assert tracking.summary() is None and tracking.exit_code == 0


# --- forecaster track: only the run's own files ---------------------------------------------


def test_track_uploads_no_symlink_out_of_the_run_nor_foreign_files(latin1_run, cli, tmp_path,
                                                                   monkeypatch):
    from forecaster.tracking.run_files import RUN_ARTIFACTS

    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "id_rsa").write_text("PRIVATE KEY\n", encoding="utf-8")
    run_dir = copy_run(latin1_run, tmp_path / "run")
    (run_dir / "model_card.md").unlink()
    (run_dir / "model_card.md").symlink_to(outside / "id_rsa")  # a known name, leading out
    (run_dir / "keys").symlink_to(outside)  # a directory leading out
    (run_dir / "notes.txt").write_text("my notes\n", encoding="utf-8")  # not part of a run
    (run_dir / "model" / "stolen").symlink_to(outside / "id_rsa")
    (run_dir / "inside.png").symlink_to(run_dir / "plot.png")  # inside, but not a run file
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 't.db'}",
                 "--experiment", "symlinks")
    assert result.exit_code == 0, result.output
    assert "model_card.md (a symlink pointing outside the run directory)" in result.output
    assert "keys (a symlink pointing outside the run directory)" in result.output
    assert "model/stolen (a symlink pointing outside the run directory)" in result.output
    assert "notes.txt (not a file a run writes)" in result.output
    assert "inside.png (not a file a run writes)" in result.output

    run = only_run(tmp_path / "t.db", "symlinks")
    assert run.info.status == "FINISHED"
    client = client_for(tmp_path / "t.db")
    uploaded = {item.path for item in client.list_artifacts(run.info.run_id)}
    assert uploaded == set(RUN_ARTIFACTS) - {"model_card.md", "confusion.png"}
    model_id = re.search(r"model models:/(\S+)\.", result.output).group(1)
    location = client.get_logged_model(model_id).artifact_location  # a local file: URI here
    model_dir = Path(location.removeprefix("file://"))
    assert model_dir.is_dir(), location
    every_file = [path for path in model_dir.rglob("*") if path.is_file()]
    assert not any("PRIVATE KEY" in path.read_text(errors="replace") for path in every_file)
    model_files = {path.name for path in every_file if path.parent.name == "model"}
    assert model_files == {"config.json", "weights.safetensors", "history_tail.csv"}


def test_track_a_metrics_file_that_is_not_json(latin1_run, cli, tmp_path):
    run_dir = copy_run(latin1_run, tmp_path / "run")
    (run_dir / "metrics.json").write_text("{\"data\": ", encoding="utf-8")
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"Error: '{run_dir / 'metrics.json'}' is not valid JSON" in result.output


def test_track_a_metrics_file_without_a_needed_key(latin1_run, cli, tmp_path):
    run_dir = copy_run(latin1_run, tmp_path / "run")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    del metrics["data"]["fingerprint"]
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2, result.output
    assert f"'{run_dir / 'metrics.json'}' lacks the key 'data.fingerprint'" in result.output


def test_track_a_metrics_file_with_a_wrong_type(latin1_run, cli, tmp_path):
    run_dir = copy_run(latin1_run, tmp_path / "run")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    metrics["training"]["best_epoch"] = "two"
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2, result.output
    assert f"'{run_dir / 'metrics.json'}': 'training.best_epoch' is \"two\", not a number" \
        in result.output


def test_track_a_metrics_file_holding_a_list(latin1_run, cli, tmp_path):
    run_dir = copy_run(latin1_run, tmp_path / "run")
    (run_dir / "metrics.json").write_text("[1, 2]", encoding="utf-8")
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2, result.output
    assert f"'{run_dir / 'metrics.json'}' holds a JSON list" in result.output


def test_track_a_metrics_file_that_is_a_symlink_out(latin1_run, cli, tmp_path):
    run_dir = copy_run(latin1_run, tmp_path / "run")
    (tmp_path / "elsewhere.json").write_text((run_dir / "metrics.json").read_text())
    (run_dir / "metrics.json").unlink()
    (run_dir / "metrics.json").symlink_to(tmp_path / "elsewhere.json")
    result = cli("track", run_dir, "--tracking-uri", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2, result.output
    assert "not a complete run directory: 'metrics.json (a symlink pointing outside the run " \
           "directory)'" in result.output


def test_scores_that_could_not_be_computed_are_left_out():
    from forecaster.tracking.records import final_metrics

    metrics = {"metrics": {"model": {"rmse": 1.5, "mape": None},
                           "naive": {"rmse": 2.0, "mape": float("inf")}},
               "skill_vs_naive": None, "training": {"best_epoch": 2, "seconds": 0.5}}
    assert final_metrics(metrics) == {"test_rmse": 1.5, "naive_rmse": 2.0, "best_epoch": 2.0,
                                      "fit_seconds": 0.5}


def test_one_flatten_for_run_params_and_pipeline_params():
    from forecaster.tracking.records import flatten

    nested = {"model": {"cell": "gru", "sizes": [1, 2]}, "data": {"targets": ["a"]}, "n": 1}
    assert flatten(nested) == {"model.cell": "gru", "model.sizes": [1, 2],
                               "data.targets": ["a"], "n": 1}
    assert flatten(nested["model"], "model", keep_lists=False) == {"model.cell": "gru"}
