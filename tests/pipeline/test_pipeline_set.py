"""`--set dotted.key=value`: the value is read as YAML; mistakes name the --set text."""

from __future__ import annotations

from pathlib import Path

import pytest

from forecaster.errors import ConfigError
from forecaster.pipeline import load_pipeline

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"


@pytest.fixture
def job(tmp_path) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(f"data:\n  path: {GOOG}\n  targets: [Close]\nmodel:\n  hidden_size: 8\n",
                    encoding="utf-8")
    return path


def error_of(path: Path, overrides: list[str]) -> str:
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path, overrides)
    return str(caught.value)


def test_values_get_their_yaml_types(job):
    pipeline = load_pipeline(job, ["model.hidden_size=64", "data.targets=[Close,Open]",
                                   "tracking.enabled=false", "training.learning_rate=0.01",
                                   "data.fill=null", "training.epochs=3"])
    assert pipeline.model.hidden_size == 64
    assert pipeline.data.targets == ["Close", "Open"]
    assert pipeline.tracking.enabled is False
    assert pipeline.training.learning_rate == 0.01 and pipeline.training.epochs == 3
    assert pipeline.overrides[0] == "model.hidden_size=64"


def test_later_set_wins_and_creates_missing_sections(job):
    pipeline = load_pipeline(job, ["training.epochs=3", "training.epochs=5", "name=nightly"])
    assert pipeline.training.epochs == 5 and pipeline.name == "nightly"
    assert pipeline.output.dir.name == "nightly"


def test_a_value_may_contain_equals_signs(job):
    pipeline = load_pipeline(job, ["tracking.uri=http://host:5000/?a=b"])
    assert pipeline.tracking.uri == "http://host:5000/?a=b"


def test_unknown_key_names_the_set_text(job):
    message = error_of(job, ["model.hiden=64"])
    assert message.startswith(f"{job} (--set model.hiden=64): unknown key 'model.hiden'. "
                              f"Valid keys under 'model': ")
    assert "(did you mean 'hidden_size'?)" in message


def test_unknown_section_names_the_set_text(job):
    assert "(--set modle.hidden=64): unknown key 'modle'" in error_of(job, ["modle.hidden=64"])


def test_wrong_type_names_the_set_text(job):
    assert error_of(job, ["training.epochs=ten"]) == \
        f"{job} (--set training.epochs=ten): 'training.epochs' must be an integer, got 'ten'."


@pytest.mark.parametrize("text", ["model.hidden", "=64", "model..hidden=3", ".hidden=3"])
def test_malformed_set(job, text):
    message = error_of(job, [text])
    assert message.startswith(f"--set {text}: expected KEY=VALUE with a dotted key")


def test_set_below_a_value_that_is_not_a_section(job):
    message = error_of(job, ["model.hidden_size.x=3"])
    assert message.startswith("--set model.hidden_size.x=3: 'model.hidden_size' is int 8, not a "
                              "section")


def test_value_that_is_not_yaml(job):
    assert error_of(job, ["data.targets=[Close"]).startswith(
        "--set data.targets=[Close: the value is not valid YAML")


def test_a_forecast_pipeline_cannot_watch_accuracy(job):
    """Only a classifier has an accuracy: the file is refused when read, before any work."""
    assert load_pipeline(job, ["training.monitor=loss"]).training.monitor == "loss"
    with pytest.raises(ConfigError, match="'training.monitor' is 'accuracy', which only a "
                                          "classifier has"):
        load_pipeline(job, ["training.monitor=accuracy"])
