"""One name per setting and one factory: the Python API, `forecaster train`, `forecaster classify
train` and pipeline files name every setting alike and build the same estimator from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.classification.sequence_classifier import SequenceClassifier
from forecaster.classification.text_classifier import TextClassifier
from forecaster.cli import main
from forecaster.errors import ConfigError
from forecaster.forecasting.forecaster import Forecaster
from forecaster.pipeline.schema import ClassifyPipeline, ForecastPipeline
from forecaster.settings import (
    RENAMED,
    TRAINING_SETTINGS,
    build_classifier,
    build_forecaster,
    settings_of,
)

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
AIR = DATASETS / "airpassengers.csv"
GUNPOINT = DATASETS / "ucr" / "GunPoint"

# every setting away from its default, so that a dropped one shows
FORECAST = {"cell": "gru", "hidden_size": 8, "num_layers": 2, "lookback": 12, "horizon": 2,
            "window_norm": "none", "combine": "none", "dropout": 0.1, "bidirectional": True,
            "pooling": "mean", "calendar": "month", "holidays": "US", "exchange": "XNYS",
            "epochs": 2, "batch_size": 32, "learning_rate": 0.01, "optimizer": "rmsprop",
            "patience": 0, "min_delta": 0.01, "clip_norm": 0.5, "seed": 3, "device": "cpu",
            "amp": False}
TEXT = {"cell": "gru", "hidden_size": 4, "num_layers": 1, "bidirectional": False,
        "dropout": 0.2, "pooling": "mean", "embedding_dim": 8, "max_words": 500,
        "max_length": 20, "word_dropout": 0.1, "pretrain": "lm", "epochs": 1, "batch_size": 32,
        "learning_rate": 0.01, "optimizer": "adam", "patience": 0, "clip_norm": 2.0, "seed": 2,
        "device": "cpu", "amp": False}
SEQUENCE = {"cell": "lstm", "hidden_size": 8, "num_layers": 1, "bidirectional": False,
            "dropout": 0.1, "pooling": "last", "epochs": 1, "batch_size": 16,
            "learning_rate": 0.02, "optimizer": "sgd", "patience": 0, "clip_norm": 0.5,
            "seed": 1, "device": "cpu", "amp": False}


def invoke(*args: object):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def as_options(settings: dict) -> list[str]:
    """`forecaster train` options for `settings`, by the API's names."""
    options = []
    for key, value in settings.items():
        flag = "--" + key.replace("_", "-")
        if key == "bidirectional":
            options.append("--bidirectional" if value else "--unidirectional")
        elif key == "amp":
            options.append("--amp" if value else "--no-amp")
        else:
            options += [flag, str(value)]
    return options


def command_settings(*names: str) -> set[str]:
    command = main
    for name in names:
        command = command.commands[name]
    return {param.name for param in command.params}


def section_keys(pipeline: type, *sections: str) -> set[str]:
    return {key for section in sections
            for key in pipeline.model_fields[section].annotation.model_fields}


# ---------------------------------------------------------------- every setting, every path
def test_every_forecaster_setting_is_a_train_option_and_a_pipeline_key():
    wanted = set(settings_of(Forecaster))
    assert wanted - command_settings("train") == set()
    assert wanted - section_keys(ForecastPipeline, "model", "preprocessing", "training") == set()


@pytest.mark.parametrize("estimator", [TextClassifier, SequenceClassifier])
def test_every_classifier_setting_is_a_classify_option_and_a_pipeline_key(estimator):
    wanted = set(settings_of(estimator))
    assert wanted - command_settings("classify", "train") == set()
    assert wanted - section_keys(ClassifyPipeline, "model", "training") == set()


def test_pipeline_training_keys_are_the_train_config_fields():
    """No key that the factory would not know (it refuses one), none missing."""
    keys = section_keys(ForecastPipeline, "training")
    assert keys == set(TRAINING_SETTINGS)
    assert section_keys(ClassifyPipeline, "training") == keys


@pytest.mark.parametrize("old, new", sorted(RENAMED.items()))
def test_no_old_name_is_left_as_an_option_or_key(old, new):
    assert old not in command_settings("train") | section_keys(
        ForecastPipeline, "model", "preprocessing", "training")
    assert new in settings_of(Forecaster)


# ---------------------------------------------------------------- the factory
def test_factory_passes_every_setting_on():
    model = build_forecaster(FORECAST, progress="off")
    params = {key: value for key, value in model.get_params().items() if key != "training"}
    assert params == {key: FORECAST[key] for key in params}
    training = model.training.to_dict()
    assert {key: training[key] for key in FORECAST if key in training} == \
        {key: value for key, value in FORECAST.items() if key in TRAINING_SETTINGS}
    assert training["progress"] == "off"


def test_factory_refuses_a_name_that_no_estimator_takes():
    with pytest.raises(TypeError, match="Forecaster has no setting hidden; the settings are"):
        build_forecaster({"hidden": 8})


def test_classifier_settings_left_none_take_the_defaults_of_the_kind():
    none = dict.fromkeys(settings_of(TextClassifier))
    none.update(epochs=None, patience=None, min_delta=1e-3, clip_norm=1.0, learning_rate=1e-3,
                batch_size=64, optimizer="adam", seed=0, device="auto", amp=True,
                monitor="auto")
    text, sequence = build_classifier("text", none), build_classifier("sequence", none)
    assert (text.cell, text.dropout) == ("lstm", 0.5)
    assert (sequence.cell, sequence.dropout) == ("gru", 0.0)


def test_text_settings_on_sequences_are_refused_not_dropped():
    with pytest.raises(ConfigError, match=r"^max_words \(--max-words\) is for text "
                                          r"classification only; this data holds numeric"):
        build_classifier("sequence", {**SEQUENCE, "max_words": 500})


# ---------------------------------------------------------------- CLI names
@pytest.mark.parametrize("command", [["train"], ["classify", "train"]])
def test_help_lists_the_api_names_only(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    for new in ("--hidden-size", "--num-layers", "--learning-rate", "--clip-norm", "--amp"):
        assert new in result.output
    for old in ("--hidden ", "--layers ", "--lr ", "--clip "):
        assert old not in result.output


def test_old_option_names_still_work(tmp_path):
    out = tmp_path / "run"
    result = invoke("train", AIR, "--target", "y", "--lookback", "12", "--layers", "1",
                    "--hidden", "4", "--lr", "0.02", "--clip", "0.25", "--epochs", "1",
                    "--device", "cpu", "--quiet", "--no-tracking", "--out", out)
    assert result.exit_code == 0, result.output
    recorded = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert (recorded["model"]["num_layers"], recorded["model"]["hidden_size"]) == (1, 4)
    assert (recorded["training"]["learning_rate"], recorded["training"]["clip_norm"]) == \
        (0.02, 0.25)


def test_text_setting_on_sequence_data_is_exit_2_on_the_cli(tmp_path):
    result = invoke("classify", "train", GUNPOINT / "GunPoint_TRAIN.ts", "--max-words", "50",
                    "--epochs", "1", "--quiet", "--no-tracking", "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert "max_words (--max-words) is for text classification only" in result.output
    assert not (tmp_path / "run").exists()


def test_a_classify_option_has_its_pipeline_key():
    """Data settings too: --keep-repeats is data.keep_repeats, --test-path data.test_path."""
    keys = section_keys(ClassifyPipeline, "data")
    assert {"keep_repeats", "test_path", "test_size", "steps", "text_column"} <= keys
    assert {"keep_repeats", "test_file", "test_size"} <= command_settings("classify", "train")


# ---------------------------------------------------------------- pipeline names
def test_a_text_setting_in_a_sequence_pipeline_is_exit_2_at_validate(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text(f"task: classify\ndata:\n  path: {GUNPOINT / 'GunPoint_TRAIN.ts'}\n"
                    f"  kind: sequence\nmodel:\n  max_words: 500\n", encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert (f"{path}: 'model.max_words' is for kind: text only (this pipeline has kind: "
            f"sequence); remove it.") in result.output



@pytest.mark.parametrize("old, new", sorted(RENAMED.items()))
@pytest.mark.parametrize("task", ["forecast", "classify"])
def test_an_old_pipeline_key_is_exit_2_naming_the_new_one(tmp_path, old, new, task):
    section = "model" if new in ("hidden_size", "num_layers") else "training"
    data = (f"data:\n  path: {AIR}\n  targets: [y]\n" if task == "forecast" else
            f"data:\n  path: {GUNPOINT / 'GunPoint_TRAIN.ts'}\n  kind: sequence\n")
    path = tmp_path / "job.yaml"
    path.write_text(f"task: {task}\n{data}{section}:\n  {old}: 1\n", encoding="utf-8")
    result = invoke("validate", path)
    assert result.exit_code == 2
    assert (f"{path}: '{section}.{old}' was renamed: use '{section}.{new}' (the name the "
            f"Python API and the CLI use, --{new.replace('_', '-')}).") in result.output


def test_an_old_key_given_with_set_is_refused_too(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text(f"data:\n  path: {AIR}\n  targets: [y]\n", encoding="utf-8")
    result = invoke("validate", path, "--set", "model.hidden=8")
    assert result.exit_code == 2
    assert "(--set model.hidden=8): 'model.hidden' was renamed: use 'model.hidden_size'" in \
        result.output


def test_a_worker_fits_on_its_share_of_the_cores_unless_the_file_says(tmp_path):
    from forecaster.pipeline.schema import load_pipeline
    from forecaster.pipeline.work import settings_of

    path = tmp_path / "job.yaml"
    path.write_text(f"data:\n  path: {AIR}\n  targets: [y]\n", encoding="utf-8")
    assert settings_of(load_pipeline(path))["threads"] is None  # one worker: the fit's policy
    assert build_forecaster(settings_of(load_pipeline(path), threads=1)).training.threads == 1
    chosen = load_pipeline(path, ["training.threads=2"])
    assert build_forecaster(settings_of(chosen, threads=1)).training.threads == 2


# ---------------------------------------------------------------- same settings, same estimator
def recorded_settings(run_dir: Path) -> tuple[dict, dict]:
    """(estimator params, training settings) that a run directory's metrics.json records."""
    recorded = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    params = {key: value for key, value in recorded["model"].items() if key != "training"}
    training = {key: recorded["training"][key] for key in TRAINING_SETTINGS
                if key in recorded["training"]}
    return params, training


def pipeline_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(text + f"tracking: {{enabled: false}}\noutput: {{dir: {tmp_path / 'job'}}}\n",
                    encoding="utf-8")
    return path


def sections(settings: dict, keys: dict[str, set[str]]) -> str:
    lines = []
    for section, names in keys.items():
        lines.append(f"{section}:")
        lines += [f"  {key}: {json.dumps(value)}" for key, value in settings.items()
                  if key in names]
    return "\n".join(lines) + "\n"


def test_cli_and_pipeline_build_equal_forecasters(tmp_path):
    # trading sessions date daily data only: the monthly series trains without an exchange
    settings = {key: value for key, value in FORECAST.items() if key != "exchange"}
    cli = invoke("train", AIR, "--target", "y", *as_options(settings), "--quiet",
                 "--no-tracking", "--out", tmp_path / "cli")
    assert cli.exit_code == 0, cli.output
    keys = {name: section_keys(ForecastPipeline, name)
            for name in ("model", "preprocessing", "training")}
    job = pipeline_file(tmp_path, f"data:\n  path: {AIR}\n  targets: [y]\n"
                        + sections(settings, keys))
    run = invoke("run", job)
    assert run.exit_code == 0, run.output
    from_cli, from_job = recorded_settings(tmp_path / "cli"), recorded_settings(
        tmp_path / "job" / "series" / "y")
    assert from_cli == from_job
    params, training = from_cli
    assert params["hidden_size"] == 8 and training["amp"] is False  # the job dropped amp before


def test_cli_and_pipeline_build_equal_sequence_classifiers(tmp_path):
    train, test = GUNPOINT / "GunPoint_TRAIN.ts", GUNPOINT / "GunPoint_TEST.ts"
    cli = invoke("classify", "train", train, "--test-path", test, *as_options(SEQUENCE),
                 "--quiet", "--no-tracking", "--out", tmp_path / "cli")
    assert cli.exit_code == 0, cli.output
    keys = {name: section_keys(ClassifyPipeline, name) for name in ("model", "training")}
    job = pipeline_file(tmp_path, f"name: gun\ntask: classify\ndata:\n  path: {train}\n"
                        f"  kind: sequence\n  test_path: {test}\n" + sections(SEQUENCE, keys))
    run = invoke("run", job)
    assert run.exit_code == 0, run.output
    from_cli = recorded_settings(tmp_path / "cli")
    assert from_cli == recorded_settings(tmp_path / "job" / "series" / "gun")
    assert from_cli[0]["cell"] == "lstm" and from_cli[1]["optimizer"] == "sgd"


def test_cli_and_pipeline_build_equal_text_classifiers(tmp_path):
    """Every text setting, and the data settings that decide the split (repeats kept)."""
    rows = (DATASETS / "rotten_tomatoes.csv").read_text(encoding="utf-8").splitlines()
    small = tmp_path / "reviews.csv"
    small.write_text("\n".join(rows[:121] + rows[1:11]) + "\n", encoding="utf-8")  # 10 repeats
    cli = invoke("classify", "train", small, "--kind", "text", "--keep-repeats", "--test-size",
                 "0.25", *as_options(TEXT), "--quiet", "--no-tracking", "--out", tmp_path / "cli")
    assert cli.exit_code == 0, cli.output
    keys = {name: section_keys(ClassifyPipeline, name) for name in ("model", "training")}
    job = pipeline_file(tmp_path, f"name: reviews\ntask: classify\ndata:\n  path: {small}\n"
                        f"  kind: text\n  keep_repeats: true\n  test_size: 0.25\n"
                        + sections(TEXT, keys))
    run = invoke("run", job)
    assert run.exit_code == 0, run.output
    job_dir = tmp_path / "job" / "series" / "reviews"
    assert recorded_settings(tmp_path / "cli") == recorded_settings(job_dir)
    splits = [json.loads((d / "metrics.json").read_text(encoding="utf-8"))["split"]
              for d in (tmp_path / "cli", job_dir)]
    assert splits[0] == splits[1] == {"test_size": 0.25, "seed": 2, "keep_repeats": True}
