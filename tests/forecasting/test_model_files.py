"""A tampered model directory is refused through `forecaster predict` with exit code 2 and a
message naming the file and the key: never a traceback (exit 1), never a forecast from a model
that is not the one that was saved."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file, save_file

from forecaster import Forecaster, ModelFileError, TrainConfig, load_series
from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = DATASETS / "airpassengers.csv"


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A small GRU forecaster trained on AirPassengers, saved once for every variant."""
    series = load_series(AIR, target="y")
    model = Forecaster(cell="gru", hidden_size=8, num_layers=1, lookback=12,
                       training=TrainConfig(epochs=2, progress="off", device="cpu"))
    return model.fit(series).save(tmp_path_factory.mktemp("saved") / "model")


def predict(model_dir: Path):
    return CliRunner().invoke(main, ["predict", str(model_dir), str(AIR)])


def edit_config(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(directory: Path) -> None:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        change(config)
        (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return apply


def edit_weights(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def apply(directory: Path) -> None:
        state = load_file(str(directory / "weights.safetensors"))
        change(state)
        save_file(state, str(directory / "weights.safetensors"))
    return apply


def _set(path: str, value) -> Callable[[dict], None]:
    *parents, last = path.split(".")

    def change(config: dict) -> None:
        node = config
        for key in parents:
            node = node[key]
        node[last] = value
    return change


def _drop(path: str) -> Callable[[dict], None]:
    *parents, last = path.split(".")

    def change(config: dict) -> None:
        node = config
        for key in parents:
            node = node[key]
        del node[last]
    return change


def _both(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(config: dict) -> None:
        for one in changes:
            one(config)
    return change


def _write(name: str, text: str) -> Callable[[Path], None]:
    return lambda directory: (directory / name).write_text(text, encoding="utf-8")


W = "encoder.rnn.weight_hh_l0"
VARIANTS = {
    "config not JSON": (_write("config.json", "{not json"), "config.json' is not valid JSON"),
    "config a list": (_write("config.json", "[1, 2]"), "must hold a JSON object"),
    "config missing": (lambda d: (d / "config.json").unlink(), "'config.json' is missing"),
    "missing key target": (edit_config(_drop("target")), "key 'target': Field required"),
    "missing params.lookback": (edit_config(_drop("params.lookback")),
                                "key 'params.lookback': Field required"),
    "wrong type hidden_size": (edit_config(_set("params.hidden_size", "8")),
                               "key 'params.hidden_size': Input should be a valid integer"),
    "negative lookback": (edit_config(_set("params.lookback", -5)),
                          "key 'params.lookback': Input should be greater than or equal to 1 "
                          "(found -5)"),
    "huge hidden size": (edit_config(_both(_set("params.hidden_size", 10**9),
                                           _set("encoder.hidden_size", 10**9))),
                         "hidden_size': Input should be less than or equal to 8192"),
    "hidden size unlike the weights": (
        edit_config(_both(_set("params.hidden_size", 4096), _set("encoder.hidden_size", 4096))),
        "weights.safetensors' does not match the model in its config.json: key "
        "'encoder.rnn.weight_ih_l0' has shape (24, 1), but config.json describes (12288, 1)"),
    "params and encoder disagree": (edit_config(_set("encoder.cell", "lstm")),
                                    "params.cell ('gru') differs from encoder.cell ('lstm')"),
    "unknown cell": (edit_config(_set("params.cell", "transformer")),
                     "key 'params.cell': Input should be 'rnn', 'lstm' or 'gru'"),
    "scaler blank": (edit_config(_set("scaler.data_min", [None])),
                     "key 'scaler.data_min.0': Input should be a valid number"),
    "scaler NaN": (edit_config(_set("scaler.data_max", [float("nan")])),
                   "key 'scaler.data_max.0': must be a finite number"),
    "scaler width": (edit_config(_set("scaler.data_max", [1.0, 2.0])),
                     "scaler.data_max has 2 value(s) for 1 column(s)"),
    "negative season": (edit_config(_set("season", -1)), "key 'season'"),
    "other kind": (edit_config(_set("kind", "text_classifier")),
                   "holds a 'text_classifier' model, not a forecaster"),
    "newer format": (edit_config(_set("format_version", 2)), "has model format 2"),
    "bad training setting": (edit_config(_set("training.clip_norm", -1.0)),
                             "key 'training.clip_norm': Input should be greater than 0"),
    "weights wrong shape": (edit_weights(lambda s: s.update({W: torch.zeros(24, 9)})),
                            f"key '{W}' has shape (24, 9), but config.json describes (24, 8)"),
    "weights missing key": (edit_weights(lambda s: s.pop("head.bias")),
                            "key 'head.bias' is missing"),
    "weights extra key": (edit_weights(lambda s: s.update({"spare": torch.zeros(2)})),
                          "key 'spare' is not part of this model"),
    "weights wrong dtype": (edit_weights(lambda s: s.update({W: s[W].double()})),
                            f"key '{W}' holds float64, not float32"),
    "weights NaN": (edit_weights(lambda s: s[W].__setitem__((0, 0), float("nan"))),
                    f"key '{W}' holds NaN or infinite values"),
    "weights not safetensors": (_write("weights.safetensors", "garbage"),
                                "weights.safetensors' cannot be read"),
    "weights missing": (lambda d: (d / "weights.safetensors").unlink(),
                        "'weights.safetensors' is missing"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_tampered_model_directory_is_refused_naming_file_and_key(saved, tmp_path, variant):
    tamper, expected = VARIANTS[variant]
    model_dir = shutil.copytree(saved, tmp_path / "model")
    tamper(model_dir)
    result = predict(model_dir)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_the_untouched_copy_still_predicts(saved, tmp_path):
    """The fixture itself is sound, so every refusal above is caused by its tampering."""
    result = predict(shutil.copytree(saved, tmp_path / "model"))
    assert result.exit_code == 0, result.output
    assert "1961-01-01" in result.output


def test_a_model_that_cannot_produce_a_number_is_refused_not_written_as_a_blank(saved):
    """Finite but enormous weights pass the file checks and overflow to NaN/inf in the
    forecast: refused (the model is broken), never a blank cell in forecast.csv."""
    model = Forecaster.load(saved)
    with torch.no_grad():
        model.network_.head.weight.fill_(3e38)
        model.network_.head.bias.fill_(3e38)
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        model.forecast(load_series(AIR, target="y"))


def _classifier_variants():
    return {
        "negative hidden size": (_both(_set("params.hidden_size", -1),
                                       _set("encoder.hidden_size", -1)),
                                 "hidden_size': Input should be greater than or equal to 1"),
        "one class": (_set("classes", ["a"]), "key 'classes': List should have at least 2"),
        "missing key": (_drop("encoder"), "key 'encoder': Field required"),
    }


@pytest.mark.parametrize("variant", list(_classifier_variants()))
def test_a_tampered_sequence_classifier_is_refused_through_classify_predict(tmp_path, variant):
    from forecaster.classification import SequenceClassifier, read_ts
    from forecaster.classification.raw_input import flatten_sequences

    train = read_ts(DATASETS / "ucr" / "GunPoint" / "GunPoint_TRAIN.ts")
    model = SequenceClassifier(hidden_size=4, training=TrainConfig(
        epochs=1, progress="off", device="cpu"))
    model_dir = model.fit(train).save(tmp_path / "model")
    change, expected = _classifier_variants()[variant]
    edit_config(change)(model_dir)
    cases = tmp_path / "cases.csv"
    flatten_sequences(train, rows=3).to_csv(cases, index=False)
    result = CliRunner().invoke(main, ["classify", "predict", str(model_dir), str(cases)])
    assert result.exit_code == 2, result.output
    assert "config.json' is not a valid sequence classifier model file" in result.output
    assert expected in result.output


def test_a_tampered_text_classifier_is_refused(tmp_path):
    from forecaster.classification.text_classifier import TextClassifier
    from forecaster.classification.text_data import TextSet

    data = TextSet(["good film", "bad film", "great fun", "dull mess"] * 3,
                   __import__("numpy").array(["pos", "neg", "pos", "neg"] * 3), "typed")
    model = TextClassifier(hidden_size=4, embedding_dim=4, training=TrainConfig(
        epochs=1, progress="off", device="cpu"))
    model_dir = model.fit(data, val_size=0).save(tmp_path / "model")
    edit_config(_set("params.embedding_dim", 5))(model_dir)
    with pytest.raises(ModelFileError, match=r"encoder.input_size \(4\) differs from "
                                             r"params.embedding_dim \(5\)"):
        TextClassifier.load(model_dir)
    edit_config(_set("params.embedding_dim", 4))(model_dir)
    edit_weights(lambda s: s.update({"embedding.weight": s["embedding.weight"][:-1]}))(model_dir)
    with pytest.raises(ModelFileError, match="key 'embedding.weight' has shape"):
        TextClassifier.load(model_dir)
