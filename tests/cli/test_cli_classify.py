"""`forecaster classify` as a user runs it, on real UCR and MNIST files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
ITALY = DATASETS / "ucr" / "ItalyPowerDemand"
SMALL = ["--hidden-size", "8", "--epochs", "3", "--quiet"]


@pytest.fixture(scope="module")
def italy_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("classify") / "italy"
    result = CliRunner().invoke(main, [
        "classify", "train", str(ITALY / "ItalyPowerDemand_TRAIN.ts"),
        "--test-path", str(ITALY / "ItalyPowerDemand_TEST.ts"), *SMALL, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1-nearest neighbour" in result.output and "majority class" in result.output
    assert "1-NN DTW" in result.output
    return out


def test_train_writes_metrics_beside_baselines(italy_run):
    assert sorted(p.name for p in italy_run.iterdir()) == ["confusion.png", "loss.png",
                                                          "metrics.json", "model",
                                                          "model_card.md"]
    metrics = json.loads((italy_run / "metrics.json").read_text())
    assert set(metrics["metrics"]) == {"model", "majority", "nearest_neighbour",
                                       "nearest_neighbour_dtw"}
    assert metrics["data"]["test_cases"] == 1029
    assert sum(map(sum, metrics["confusion"])) == 1029


def test_predict_gives_a_label_and_probabilities_per_case(italy_run):
    result = CliRunner().invoke(main, ["classify", "predict", str(italy_run / "model"),
                                       str(ITALY / "ItalyPowerDemand_TEST.ts"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["predictions"]) == 1029
    assert payload["predictions"][0]["label"] in payload["classes"]


def test_flat_csv_needs_steps(tmp_path):
    result = CliRunner().invoke(main, ["classify", "train", str(DATASETS / "mnist_5k.csv.gz"),
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "--steps" in result.output
    assert not (tmp_path / "run").exists()


def test_malformed_ts_is_exit_2_and_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.ts"
    bad.write_text("@problemName bad\n@classLabel true 1 2\n1,2,3:1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "train", str(bad), *SMALL,
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 2, result.output
    assert "bad.ts" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ts"]


def test_the_score_table_stays_aligned_with_a_long_model_label():
    import numpy as np

    from forecaster.classification.evaluation import evaluate_classifier
    from forecaster.cli.classify import score_table

    true = np.array(["a", "b", "a", "b"])
    evaluation = evaluate_classifier(true, {"model": true, "majority": np.array(["a"] * 4)},
                                     ["a", "b"], "LSTM + convolution classifier (2x128, attention)")
    lines = score_table(evaluation, "LSTM + convolution classifier (2x128, attention)",
                        {"majority": "majority class"}).splitlines()
    assert len({len(line) for line in lines}) == 1  # every row as wide as the header
    assert lines[1].split()[-2:] == ["1.0000", "1.0000"]
