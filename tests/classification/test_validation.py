"""The validation share: held out only when it is large enough to rank epochs.

A small set (UCR ItalyPowerDemand: 67 cases) is trained on whole by default, keeping the epoch
of lowest training loss, uncalibrated; a set that gives 100 held-out cases or more keeps 20 %;
a share given by name is honoured, from Python, the CLI and a pipeline file alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from forecaster import ConfigError, TrainConfig
from forecaster.classification import SequenceClassifier, read_ts
from forecaster.classification.calibration import calibration_line
from forecaster.classification.validation import MIN_VALIDATION_CASES, validation_split
from forecaster.cli import main

ITALY = Path(__file__).resolve().parents[2] / "datasets" / "ucr" / "ItalyPowerDemand"
TRAIN = ITALY / "ItalyPowerDemand_TRAIN.ts"


@pytest.fixture(scope="module")
def italy():
    return read_ts(ITALY / "ItalyPowerDemand_TRAIN.ts")


def targets_of(labels: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted(set(labels.tolist())), labels)


def test_a_small_set_holds_out_nothing_unless_asked(italy):
    targets = targets_of(italy.labels)  # 67 cases: 20 % would be 14
    train_rows, val_rows = validation_split(targets, None, seed=0)
    assert len(val_rows) == 0 and len(train_rows) == 67
    _, asked = validation_split(targets, 0.2, seed=0)
    assert len(asked) == 14
    assert len(validation_split(targets, 0.0, seed=0)[1]) == 0


def test_a_large_set_holds_out_a_fifth_with_the_class_shares(italy):
    # every case of the training file, repeated until 20 % of them reach MIN_VALIDATION_CASES
    copies = -(-MIN_VALIDATION_CASES * 5 // len(italy.labels))
    targets = np.tile(targets_of(italy.labels), copies)
    train_rows, val_rows = validation_split(targets, None, seed=0)
    assert len(val_rows) == int(np.ceil(0.2 * len(targets))) >= MIN_VALIDATION_CASES
    assert sorted(np.concatenate([train_rows, val_rows]).tolist()) == list(range(len(targets)))
    assert np.bincount(targets[val_rows]) / len(val_rows) == pytest.approx(
        np.bincount(targets) / len(targets), abs=0.02)
    # one case fewer and the rule holds out nothing
    assert len(validation_split(targets[:MIN_VALIDATION_CASES * 5 - 5], None, 0)[1]) == 0


@pytest.mark.parametrize("bad", [1.0, -0.1, True, "auto"])
def test_a_share_out_of_range_is_refused_naming_the_rule(italy, bad):
    with pytest.raises(ConfigError, match=r"val_size=.* must be a share in \[0, 1\).*None"):
        validation_split(targets_of(italy.labels), bad, seed=0)


def test_a_small_set_trains_on_every_case_and_says_it_is_uncalibrated(italy, tmp_path):
    model = SequenceClassifier(cell="gru", hidden_size=8, training=TrainConfig(
        epochs=3, progress="off", device="cpu")).fit(italy)
    assert model.history_.train_samples == 67
    assert model.history_.monitor == "loss"  # the training loss: no accuracy to watch
    assert (model.temperature_, model.calibration_cases_) == (1.0, 0)
    said = calibration_line(model.evaluate(italy).calibration)  # the report's sentence
    assert said.startswith("Probabilities not calibrated") and "fewer than 100" in said
    saved = json.loads((model.save(tmp_path / "m") / "config.json").read_text("utf-8"))
    assert saved["calibration"]["validation_cases"] == 0


def test_classify_train_val_size_from_the_command_line(tmp_path):
    def train(*extra: str) -> str:
        result = CliRunner().invoke(main, [
            "classify", "train", str(ITALY / "ItalyPowerDemand_TRAIN.ts"), "--test",
            str(ITALY / "ItalyPowerDemand_TEST.ts"), "--hidden-size", "8", "--epochs", "2",
            "--device", "cpu", "--quiet", "--no-tracking", "--out", str(tmp_path / "run"),
            "--overwrite", *extra])
        assert result.exit_code == 0, result.output
        return result.output

    def recorded() -> dict:
        metrics = json.loads((tmp_path / "run" / "metrics.json").read_text(encoding="utf-8"))
        return {key: metrics["training"][key] for key in ("val_size", "validation_cases")}

    assert f"none are held out when fewer than {MIN_VALIDATION_CASES} would be" in train()
    assert recorded() == {"val_size": "auto", "validation_cases": 0}
    assert "fitted on the 14 validation cases" in train("--val-size", "0.2")
    assert recorded() == {"val_size": 0.2, "validation_cases": 14}
    refused = CliRunner().invoke(main, ["classify", "train", str(TRAIN), "--val-size", "1.5",
                                        "--no-tracking"])
    assert refused.exit_code == 2 and "--val-size" in refused.output


def test_a_pipeline_val_size_out_of_range_is_refused_naming_the_key(tmp_path):
    job = tmp_path / "job.yaml"
    job.write_text(f"name: italy\ntask: classify\ndata:\n  path: {TRAIN}\n  kind: sequence\n"
                   f"  val_size: 1.5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(job)])
    assert result.exit_code != 0 and "data.val_size" in result.output
