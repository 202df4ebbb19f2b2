"""`forecaster run` as a scheduler runs it: the four-ticker nightly job on the shipped GAFA
file, re-runs, a kill part-way, a concurrent run, a corrupt series, MLflow parent/child runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main

ROOT = Path(__file__).resolve().parents[2]
GAFA = ROOT / "datasets" / "gafa_stock.csv"
TICKERS = ["AAPL", "AMZN", "FB", "GOOG"]

# small and quick, but real: every ticker trains a GRU for a few epochs
SMALL = """\
name: nightly
data:
  path: {data}
  id_column: Symbol
  date_column: Date
  targets: [Close]
split: {{test_size: 0.1, val_size: 0.1}}
preprocessing: {{lookback: 10, horizon: 1}}
model: {{cell: gru, hidden_size: 8, num_layers: 1}}
training: {{epochs: {epochs}, patience: 0, batch_size: 64, seed: 0, device: cpu}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
execution: {{workers: 1}}
"""


def write_pipeline(tmp_path: Path, *, data: Path = GAFA, epochs: int = 3,
                   out: str = "out") -> Path:
    path = tmp_path / "nightly.yaml"
    path.write_text(SMALL.format(data=data, epochs=epochs, out=tmp_path / out),
                    encoding="utf-8")
    return path


def run_cli(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def manifest_of(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_four_ticker_job_runs_end_to_end_and_writes_a_manifest(tmp_path):
    pipeline = write_pipeline(tmp_path)
    result = run_cli(str(pipeline))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    manifest = manifest_of(out)
    assert manifest["status"] == "done"
    assert sorted(manifest["series"]) == TICKERS
    assert manifest["pipeline_sha256"] == __import__("hashlib").sha256(
        pipeline.read_bytes()).hexdigest()
    assert list(manifest["inputs"]) == [str(GAFA)]
    for ticker, record in manifest["series"].items():
        assert record["status"] == "done" and record["attempts"] == 1
        assert record["metrics"]["rmse"] > 0 and record["seconds"] > 0
        metrics = json.loads((out / "series" / ticker / "metrics.json").read_text())
        assert metrics["pipeline"]["key"] == record["key"]
        assert metrics["data"]["source"] == f"gafa_stock.csv (Symbol {ticker})"
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert sorted(forecasts["series"]) == TICKERS
    assert "DONE: 4 done" in result.stdout
    assert not (out / ".lock").exists()


def test_second_run_skips_done_series_and_force_redoes_them(tmp_path):
    pipeline = write_pipeline(tmp_path)
    assert run_cli(str(pipeline)).exit_code == 0
    weights = tmp_path / "out" / "series" / "AAPL" / "model" / "weights.safetensors"
    first_mtime = weights.stat().st_mtime_ns
    again = run_cli(str(pipeline), "--log-format", "json")
    assert again.exit_code == 0, again.output
    events = [json.loads(line) for line in again.stdout.splitlines()]
    assert [e["series"] for e in events if e["event"] == "series_skipped"] == TICKERS
    assert not [e for e in events if e["event"] == "series_started"]
    assert weights.stat().st_mtime_ns == first_mtime
    assert {r["status"] for r in manifest_of(tmp_path / "out")["series"].values()} == {
        "skipped"}
    forced = run_cli(str(pipeline), "--force", "--set", "data.series=[FB]")
    assert forced.exit_code == 0, forced.output
    assert manifest_of(tmp_path / "out")["series"]["FB"]["status"] == "done"


def test_changed_configuration_redoes_the_series(tmp_path):
    pipeline = write_pipeline(tmp_path)
    assert run_cli(str(pipeline), "--set", "data.series=[GOOG]").exit_code == 0
    changed = run_cli(str(pipeline), "--set", "data.series=[GOOG]", "--set",
                      "model.hidden_size=4", "--log-format", "json")
    events = [json.loads(line) for line in changed.stdout.splitlines()]
    assert [e["series"] for e in events if e["event"] == "series_done"] == ["GOOG"]


def test_a_corrupt_series_fails_alone_with_exit_3(tmp_path):
    frame = pd.read_csv(GAFA, dtype=str)
    bad_row = frame.index[frame["Symbol"] == "FB"][40]
    frame.loc[bad_row, "Close"] = "n/a?"
    corrupt = tmp_path / "gafa_corrupt.csv"
    frame.to_csv(corrupt, index=False)
    result = run_cli(str(write_pipeline(tmp_path, data=corrupt)))
    assert result.exit_code == 3, result.output
    manifest = manifest_of(tmp_path / "out")
    assert manifest["status"] == "failed"
    statuses = {name: record["status"] for name, record in manifest["series"].items()}
    assert statuses == {"AAPL": "done", "AMZN": "done", "FB": "failed", "GOOG": "done"}
    reason = manifest["series"]["FB"]["reason"]
    assert "Close" in reason and f"line {bad_row + 2}" in reason
    assert "Failed: FB" in result.stdout
    assert not (tmp_path / "out" / "series" / "FB").exists()


def test_invalid_pipeline_is_exit_2_naming_the_key_and_runs_nothing(tmp_path):
    pipeline = write_pipeline(tmp_path)
    result = run_cli(str(pipeline), "--set", "model.hiden=3")
    assert result.exit_code == 2
    assert "model.hiden" in result.output and "did you mean 'hidden_size'" in result.output
    assert not (tmp_path / "out").exists()
    missing = run_cli(str(write_pipeline(tmp_path, data=tmp_path / "nope.csv")))
    assert missing.exit_code == 2 and "data.path" in missing.output


def _start_job(pipeline: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "FORECASTER_NO_TRACKING": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "forecaster", "run", str(pipeline),
                             "--log-format", "json", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the job")
        time.sleep(0.05)


@pytest.mark.slow  # a job in a subprocess, stopped by SIGTERM
def test_a_second_run_on_the_same_output_is_refused_with_exit_4(tmp_path):
    pipeline = write_pipeline(tmp_path, epochs=40)
    job = _start_job(pipeline)
    try:
        _wait_for(lambda: (tmp_path / "out" / "manifest.json").exists())
        second = run_cli(str(pipeline))
        assert second.exit_code == 4, second.output
        assert f"pid {job.pid}" in second.output and str(tmp_path / "out") in second.output
    finally:
        job.send_signal(signal.SIGTERM)
        job.wait(timeout=60)
    assert job.returncode == 143
    assert manifest_of(tmp_path / "out")["status"] == "interrupted"
    assert not (tmp_path / "out" / ".lock").exists()


@pytest.mark.slow
def test_sigkill_part_way_then_rerun_finishes_like_an_uninterrupted_run(tmp_path):
    pipeline = write_pipeline(tmp_path, epochs=30)
    out = tmp_path / "out"
    job = _start_job(pipeline)
    # let one ticker finish and the next write a checkpoint, then kill without warning
    _wait_for(lambda: (out / "series" / "AAPL" / "metrics.json").exists())
    _wait_for(lambda: (out / ".work" / "AMZN" / "checkpoint.pt").exists())
    time.sleep(0.3)
    job.send_signal(signal.SIGKILL)
    job.wait(timeout=30)
    assert (out / ".lock").exists()  # a dead process's lock, left behind
    resumed = _start_job(pipeline)
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    events = [json.loads(line) for line in stdout.splitlines()]
    kinds = {(e["event"], e.get("series")) for e in events}
    assert ("stale_lock_cleared", None) in kinds
    assert ("series_skipped", "AAPL") in kinds and ("series_started", "AAPL") not in kinds
    amzn = next(e for e in events if e["event"] == "series_done" and e["series"] == "AMZN")
    assert amzn["resumed_from_epoch"] >= 1
    # the same job, never interrupted, in another output directory
    reference = tmp_path / "reference"
    reference.mkdir()
    assert run_cli(str(write_pipeline(reference, epochs=30))).exit_code == 0
    for ticker in TICKERS:
        got = pd.read_csv(out / "series" / ticker / "predictions.csv")
        expected = pd.read_csv(reference / "out" / "series" / ticker / "predictions.csv")
        pd.testing.assert_frame_equal(got, expected)
    assert manifest_of(out)["status"] == "done"
    assert not list((out / "series").glob(".*"))  # no half-written directories


@pytest.mark.tracking
def test_job_logs_a_parent_run_with_a_child_per_series(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    pipeline = write_pipeline(tmp_path)
    result = run_cli(str(pipeline), "--set", "tracking.enabled=true", "--set",
                     f"tracking.uri={uri}", "--set", "tracking.experiment=nightly-test")
    assert result.exit_code == 0, result.output
    manifest = manifest_of(tmp_path / "out")
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("nightly-test")
    runs = client.search_runs([experiment.experiment_id])
    parent = [r for r in runs if r.data.tags.get("forecaster.kind") == "job"]
    assert len(parent) == 1 and parent[0].info.run_id == manifest["mlflow_parent_run_id"]
    assert parent[0].info.status == "FINISHED"
    assert parent[0].data.metrics["series_done"] == 4
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") ==
                parent[0].info.run_id]
    assert sorted(r.data.tags["forecaster.series"] for r in children) == TICKERS
    for child in children:
        record = manifest["series"][child.data.tags["forecaster.series"]]
        assert record["mlflow_run_id"] == child.info.run_id
        assert child.data.metrics["test_rmse"] == pytest.approx(record["metrics"]["rmse"])


@pytest.mark.slow  # worker processes and a Ray instance
def test_workers_and_ray_give_the_same_results_as_one_process(tmp_path):
    pytest.importorskip("ray")
    pipeline = write_pipeline(tmp_path)
    outputs = {}
    for name, extra in {"serial": [], "workers": ["--workers", "2"],
                        "ray": ["--executor", "ray", "--workers", "2"]}.items():
        result = run_cli(str(pipeline), "--set", f"output.dir={tmp_path / name}", *extra)
        assert result.exit_code == 0, result.output
        outputs[name] = pd.concat(
            [pd.read_csv(tmp_path / name / "series" / t / "predictions.csv") for t in TICKERS])
    pd.testing.assert_frame_equal(outputs["workers"], outputs["serial"])
    pd.testing.assert_frame_equal(outputs["ray"], outputs["serial"])


def test_global_mode_trains_one_network_for_every_series(tmp_path):
    from safetensors.torch import load_file

    pipeline = write_pipeline(tmp_path)
    result = run_cli(str(pipeline), "--set", "mode=global", "--log-format", "json")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    weights = [load_file(out / "series" / t / "model" / "weights.safetensors") for t in TICKERS]
    for other in weights[1:]:
        assert all((other[name] == weights[0][name]).all() for name in weights[0])
    scalers = {json.dumps(json.loads((out / "series" / t / "model" / "config.json")
                                     .read_text())["scaler"]) for t in TICKERS}
    assert len(scalers) == 4  # each series keeps its own scaling
    keys = {record["key"] for record in manifest_of(out)["series"].values()}
    assert len(keys) == 1
    again = run_cli(str(pipeline), "--set", "mode=global", "--log-format", "json")
    events = [json.loads(line) for line in again.stdout.splitlines()]
    assert sorted(e["series"] for e in events if e["event"] == "series_skipped") == TICKERS


def test_a_classification_pipeline_runs_with_its_fixed_test_file(tmp_path):
    italy = ROOT / "datasets" / "ucr" / "ItalyPowerDemand"
    pipeline = tmp_path / "italy.yaml"
    pipeline.write_text(f"""\
name: italy
task: classify
data:
  path: {italy / 'ItalyPowerDemand_TRAIN.ts'}
  test_path: {italy / 'ItalyPowerDemand_TEST.ts'}
  kind: sequence
model: {{hidden_size: 8}}
training: {{epochs: 2, device: cpu}}
tracking: {{enabled: false}}
output: {{dir: {tmp_path / 'out'}}}
""", encoding="utf-8")
    result = run_cli(str(pipeline))
    assert result.exit_code == 0, result.output
    record = manifest_of(tmp_path / "out")["series"]["italy"]
    assert record["status"] == "done"
    assert 0 < record["metrics"]["accuracy"] <= 1
    assert "1-nearest neighbour" in result.stdout
    metrics = json.loads((tmp_path / "out" / "series" / "italy" / "metrics.json").read_text())
    assert metrics["data"]["test_cases"] == 1029


def test_fan_out_over_targets_and_over_a_glob_of_files(tmp_path):
    pipeline = write_pipeline(tmp_path, epochs=1)
    both = run_cli(str(pipeline), "--set", "data.targets=[Open,Close]", "--set",
                   "data.series=[AAPL]", "--log-format", "json")
    assert both.exit_code == 0, both.output
    assert sorted(manifest_of(tmp_path / "out")["series"]) == ["AAPL-Close", "AAPL-Open"]
    frame = pd.read_csv(GAFA)
    folder = tmp_path / "tickers"
    folder.mkdir()
    for ticker in ("FB", "GOOG"):
        frame[frame["Symbol"] == ticker].drop(columns="Symbol").to_csv(
            folder / f"{ticker.lower()}.csv", index=False)
    files = run_cli(str(pipeline), "--set", f"data.path={folder}/*.csv", "--set",
                    "data.id_column=null", "--set", f"output.dir={tmp_path / 'glob'}")
    assert files.exit_code == 0, files.output
    manifest = manifest_of(tmp_path / "glob")
    assert sorted(manifest["series"]) == ["fb", "goog"]
    assert sorted(manifest["inputs"]) == [str(folder / "fb.csv"), str(folder / "goog.csv")]


def test_an_undecodable_long_format_file_names_the_encoding_option(tmp_path):
    from forecaster.errors import DataError
    from forecaster.pipeline.schema import load_pipeline
    from forecaster.pipeline.series import expand_series

    frame = pd.read_csv(GAFA)
    frame.loc[5, "Symbol"] = "AAPLé"
    latin = tmp_path / "gafa_latin.csv"
    frame.to_csv(latin, index=False, encoding="latin-1")
    pipeline = write_pipeline(tmp_path, data=latin)
    with pytest.raises(DataError) as caught:  # the runner's fan-out, as `forecaster run` calls it
        expand_series(load_pipeline(pipeline))
    assert "gafa_latin.csv" in str(caught.value) and "encoding" in str(caught.value)
    assert "no id column" not in str(caught.value)
    result = run_cli(str(pipeline))
    assert result.exit_code == 2 and "encoding" in result.output
