"""A barely-trained run is tagged so in MLflow (searchable), with the note that explains it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tracking, pytest.mark.slow]  # about 7 s: a real store

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"


def test_a_barely_trained_run_is_tagged_and_found_by_the_tag(cli, tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = cli("train", str(AIR), "--cell", "gru", "--num-layers", "1", "--hidden-size", "8",
                 "--epochs", "1", "--device", "cpu", "--threads", "1", "--quiet",
                 "--tracking-uri", uri, "--experiment", "air", "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output
    note = json.loads((tmp_path / "run" / "metrics.json").read_text())["training"][
        "barely_trained_note"]
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("air")
    (run,) = client.search_runs([experiment.experiment_id],
                                filter_string="tags.barely_trained = 'true'")
    assert run.data.tags["barely_trained_note"] == note
    assert note.startswith("Barely trained: only one epoch ran and it was kept")
    assert not any("barely" in name for name in run.data.params)
