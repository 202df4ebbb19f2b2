"""A batch job's parent run goes through the same tracked-run lifecycle: a job that dies of an
error after its parent run was opened leaves that run FAILED, never RUNNING; its parameters
are the pipeline's settings, flattened by the one `flatten`."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.tracking

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"
PIPELINE = """\
name: tracked-job
data: {{path: {data}, targets: [Close]}}
split: {{test_size: 0.1, val_size: 0.1}}
preprocessing: {{lookback: 10, horizon: 1}}
model: {{cell: gru, hidden_size: 4, num_layers: 1}}
training: {{epochs: 1, patience: 0, batch_size: 64, seed: 0, device: cpu}}
tracking: {{enabled: true, uri: "sqlite:///{store}", experiment: job-test}}
output: {{dir: {out}}}
execution: {{workers: 1}}
"""


def parent_run(store: Path):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    experiment = client.get_experiment_by_name("job-test")
    (parent,) = [run for run in client.search_runs([experiment.experiment_id])
                 if run.data.tags.get("forecaster.kind") == "job"]
    return parent


def test_a_job_that_dies_of_an_error_leaves_its_parent_run_failed(cli, tmp_path,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    (out / "forecasts.csv").mkdir(parents=True)  # the job's last write cannot replace it
    (out / "forecasts.csv" / "keep.txt").write_text("not ours\n", encoding="utf-8")
    pipeline = tmp_path / "job.yaml"
    pipeline.write_text(PIPELINE.format(data=GOOG, store=tmp_path / "mlflow.db", out=out),
                        encoding="utf-8")
    result = cli("run", pipeline)
    assert result.exit_code != 0, result.output
    assert "forecasts.csv" in result.output + str(result.exception)  # it died there, late
    assert (out / "forecasts.csv" / "keep.txt").is_file()
    parent = parent_run(tmp_path / "mlflow.db")
    assert parent.info.status == "FAILED"
    assert parent.data.params["model.cell"] == "gru"  # flattened settings
    assert parent.data.params["data.targets"] == "['Close']"  # lists stay values


def test_a_job_that_succeeds_leaves_its_parent_run_finished(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pipeline = tmp_path / "job.yaml"
    pipeline.write_text(PIPELINE.format(data=GOOG, store=tmp_path / "mlflow.db",
                                        out=tmp_path / "out"), encoding="utf-8")
    result = cli("run", pipeline)
    assert result.exit_code == 0, result.output
    assert parent_run(tmp_path / "mlflow.db").info.status == "FINISHED"
