"""evaluate and backtest never call rows the model trained on 'test': by default they score the
rows after its training end; an earlier --start is labelled in-sample, with counts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"
SMALL = ["--cell", "gru", "--num-layers", "1", "--hidden-size", "4", "--lookback", "12",
         "--epochs", "2", "--patience", "0", "--quiet"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("labels") / "air"
    result = CliRunner().invoke(main, ["train", str(AIR), *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "model"


def test_evaluate_by_default_scores_only_rows_the_model_never_saw(model_dir):
    result = CliRunner().invoke(main, ["evaluate", str(model_dir), str(AIR)])
    assert result.exit_code == 0, result.output
    assert "36 test points, 1958-01-01 to 1960-12-01, none of them seen in training." in \
        result.output
    assert "test MASE" in result.output and "in-sample" not in result.output.lower()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert config["data"]["last_date"].startswith("1957-12-01")
    assert len(config["data"]["fit_fingerprint"]) == 64


def test_an_early_start_is_labelled_in_sample_with_the_unseen_count(model_dir):
    result = CliRunner().invoke(main, ["evaluate", str(model_dir), str(AIR), "--start", "0.1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "130 points, 1950-03-01 to 1960-12-01: 94 IN-SAMPLE (rows the model trained or " \
           "validated on), 36 unseen." in out
    assert "test MASE" not in out and "partly in-sample MASE" in out
    assert "Score from --start 1958-01-01 for a test result." in out
    payload = json.loads(CliRunner().invoke(main, ["evaluate", str(model_dir), str(AIR),
                                                   "--start", "0.1", "--json"]).stdout)
    assert (payload["scored_span"], payload["in_sample_points"], payload["unseen_points"]) == \
        ("partly in-sample", 94, 36)


def test_backtest_from_the_middle_says_how_much_it_saw(model_dir):
    result = CliRunner().invoke(main, ["backtest", str(model_dir), str(AIR), "--start", "0.5"])
    assert result.exit_code == 0, result.output
    assert "72 origins, horizon 1. 72 points, 1955-01-01 to 1960-12-01: 36 IN-SAMPLE" in \
        result.output


def test_another_series_on_the_same_dates_is_unseen(model_dir, tmp_path):
    """Same dates, other values: the fingerprint of the rows up to the training end differs,
    so nothing of it was seen."""
    frame = pd.read_csv(AIR)
    frame["y"] = frame["y"] * 2 + 7
    other = tmp_path / "other.csv"
    frame.to_csv(other, index=False)
    payload = json.loads(CliRunner().invoke(main, ["evaluate", str(model_dir), str(other),
                                                   "--start", "0.5", "--json"]).stdout)
    assert payload["scored_span"] == "test" and payload["in_sample_points"] == 0


def test_a_file_of_training_rows_only_has_nothing_to_test(model_dir, tmp_path):
    head = tmp_path / "head.csv"
    pd.read_csv(AIR).iloc[:108].to_csv(head, index=False)
    result = CliRunner().invoke(main, ["evaluate", str(model_dir), str(head)])
    assert result.exit_code == 2, result.output
    assert ("Every row of '" in result.output and "(up to 1957-12-01) was used to train or "
            "validate this model: there is nothing unseen to test it on." in result.output)
    assert "--start" in result.output
