"""`forecaster validate`: exit 0 and the resolved settings on the shipped files, exit 2 with the
file and the key named on a bad one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "pipelines").glob("*.yaml"))
GOOG = ROOT / "datasets" / "GOOG.csv"


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_pipelines_validate(path):
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    assert f"valid pipeline '{path.stem}'" in result.output
    assert "1 file matched" in result.output and "config hash" in result.output


def test_summary_names_the_series_source():
    result = invoke("validate", ROOT / "pipelines" / "gafa_nightly.yaml")
    assert "one series per value of 'Symbol'" in result.output
    assert "id_column: Symbol" in result.output  # the resolved settings follow


def test_json_output_with_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", ROOT / "pipelines" / "gafa_nightly.yaml", "--set",
                    "model.hidden_size=16", "--set", "data.series=[AAPL,GOOG]", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["valid"] is True and payload["task"] == "forecast"
    assert payload["settings"]["model"]["hidden_size"] == 16
    assert payload["settings"]["data"]["series"] == ["AAPL", "GOOG"]
    assert payload["input_files"] == [str(ROOT / "datasets" / "gafa_stock.csv")]
    assert payload["output_dir"] == str(tmp_path / "runs" / "pipelines" / "gafa_nightly")
    assert payload["overrides"] == ["model.hidden_size=16", "data.series=[AAPL,GOOG]"]
    assert len(payload["config_hash"]) == 64


def test_bad_key_exits_2_naming_file_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(f"data:\n  path: {GOOG}\n  targets: [Close]\nmodel:\n  hiden: 3\n",
                    encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert f"{path}: unknown key 'model.hiden'" in result.output
    assert "did you mean 'hidden_size'?" in result.output


def test_bad_set_exits_2(tmp_path):
    result = invoke("validate", ROOT / "pipelines" / "goog_close_lstm.yaml", "--set",
                    "training.epochs=ten")
    assert result.exit_code == 2
    assert "(--set training.epochs=ten): 'training.epochs' must be an integer" in result.output


def test_a_column_missing_from_the_data_exits_2(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(f"data:\n  path: {GOOG}\n  targets: [Clsoe]\n", encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert f"'data.targets' names column 'Clsoe', which is not in {GOOG}" in result.output
    assert "did you mean 'Close'?" in result.output


def test_missing_pipeline_file_exits_2(tmp_path):
    result = invoke("validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "does not exist" in result.output
