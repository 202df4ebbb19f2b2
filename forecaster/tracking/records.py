"""What a run directory records, as MLflow will hold it: parameters, tags, final and
per-epoch metrics, the data input and the model's input/output examples. One builder per kind of
run (forecasting, classification); `mlflow_run.log_run_directory` logs whichever it gets.

No mlflow import here: these are plain dictionaries and tables.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.errors import ConfigError

MODEL_ARTIFACT = "forecaster_model"  # the model directory's name inside the MLflow model
_HERE = Path(__file__).parent


@dataclass
class DatasetInput:
    frame: pd.DataFrame
    source: str
    name: str
    targets: str
    digest: str


@dataclass
class RunRecord:
    """Everything `log_run_directory` sends to MLflow for one run directory."""

    experiment: str
    params: dict[str, Any]
    tags: dict[str, str]
    metrics: dict[str, float]
    epochs: dict[str, list[float]]  # metric name -> one value per epoch (step = epoch)
    dataset: DatasetInput | None
    example: pd.DataFrame  # the pyfunc model's input example (raw input)
    output_example: pd.DataFrame  # the shape of its output, for the signature
    python_model: Path  # the models-from-code file that serves it
    live_run_id: str | None = None  # the run opened before training, if there was one


def read_run_dir(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """metrics.json and model/config.json of a complete run directory."""
    metrics_file, config_file = run_dir / "metrics.json", run_dir / "model" / "config.json"
    for needed in (metrics_file, config_file):
        if not needed.is_file():
            raise ConfigError(f"'{run_dir}' is not a complete run directory: '{needed.name}' is "
                              f"missing. Pass a directory written by `forecaster train` or "
                              f"`forecaster classify train`.")
    return (json.loads(metrics_file.read_text(encoding="utf-8")),
            json.loads(config_file.read_text(encoding="utf-8")))


def build_record(run_dir: Path, experiment: str | None = None) -> RunRecord:
    """The record of a forecasting or a classification run directory."""
    metrics, model_config = read_run_dir(run_dir)
    build = forecast_record if model_config.get("kind") == "forecaster" else \
        classification_record
    record = build(run_dir, metrics, model_config, experiment)
    record.live_run_id = metrics.get("mlflow_live_run_id")
    return record


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif not isinstance(value, list):
        out[prefix] = value


def run_params(metrics: dict[str, Any]) -> dict[str, Any]:
    """The run's configuration, flattened: model.*, training.*, data settings."""
    params: dict[str, Any] = {}
    _flatten("model", metrics["model"], params)
    training = {k: v for k, v in metrics["training"].items()
                if k not in ("train_loss", "val_loss", "seconds", "seconds_per_epoch",
                             "epochs_run", "best_epoch", "stopped_early", "interrupted",
                             "repeatable")}
    _flatten("training", training, params)
    data = metrics["data"]
    for key in ("target", "frequency", "train_rows", "validation_rows", "test_rows"):
        params[f"data.{key}"] = data.get(key)
    params["data.features"] = ",".join(data.get("features", [])) or "none"
    params["evaluation.season"] = metrics.get("season")
    return params


def final_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """test_<metric> for the model, <baseline>_<metric> for each baseline, skill, run facts."""
    out: dict[str, float] = {}
    for name, values in metrics["metrics"].items():
        for metric, value in values.items():
            out[f"{'test' if name == 'model' else name}_{metric}"] = float(value)
    out["skill_vs_naive"] = float(metrics["skill_vs_naive"])
    training = metrics["training"]
    out["best_epoch"] = float(training["best_epoch"])
    out["fit_seconds"] = float(training["seconds"])
    return out


def run_tags(metrics: dict[str, Any], model_config: dict[str, Any]) -> dict[str, str]:
    data = metrics["data"]
    tags = {
        "data.file": str(data["source"]),
        "data.sha256": str(data.get("file_sha256") or ""),
        "data.fingerprint": str(data["fingerprint"]),
        "data.rows": str(data["rows"]),
        "data.first_date": str(data["first_date"]),
        "data.last_date": str(metrics["last_date"]),
        "data.target": str(data["target"]),
        "data.frequency": str(data.get("frequency")),
        "verdict": metrics["verdict"][:5000],
        "beats_naive": str(metrics["beats_naive"]).lower(),
        "forecaster.kind": "forecaster",
        **_common_tags(model_config),
    }
    return tags


def _git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None




def _common_tags(model_config: dict[str, Any]) -> dict[str, str]:
    tags = {f"version.{package}": str(version)
            for package, version in model_config.get("versions", {}).items()}
    commit = _git_commit()
    if commit:
        tags["git.commit"] = commit
    return tags


def forecast_record(run_dir: Path, metrics: dict[str, Any], model_config: dict[str, Any],
                    experiment: str | None) -> RunRecord:
    data = metrics["data"]
    path = Path(str(data.get("path", "")))
    frame = (pd.read_csv(path) if path.is_file()
             else pd.read_csv(run_dir / "model" / "history_tail.csv"))
    horizon = int(model_config["params"]["horizon"])
    output = pd.DataFrame({"date": ["2000-01-01T00:00:00"] * horizon,
                           "step": list(range(1, horizon + 1)), "forecast": [0.0] * horizon})
    training = metrics["training"]
    return RunRecord(
        experiment=experiment or f"{Path(str(data['source'])).stem}-{data['target']}",
        params=run_params(metrics), tags=run_tags(metrics, model_config),
        metrics=final_metrics(metrics),
        epochs={"train_loss": training.get("train_loss", []),
                "val_loss": training.get("val_loss", [])},
        dataset=DatasetInput(frame, str(path), str(data["source"]), str(data["target"]),
                             str(data["fingerprint"])[:32]),
        example=pd.read_csv(run_dir / "model" / "history_tail.csv"), output_example=output,
        python_model=_HERE / "pyfunc_model.py")


def classification_record(run_dir: Path, metrics: dict[str, Any],
                          model_config: dict[str, Any], experiment: str | None) -> RunRecord:
    data, training = metrics["data"], metrics["training"]
    params: dict[str, Any] = {}
    _flatten("model", {k: v for k, v in metrics["model"].items() if k != "label"}, params)
    _flatten("training", {k: v for k, v in training.items() if not isinstance(v, list) and k
                          not in ("seconds", "epochs_run", "best_epoch", "stopped_early",
                                  "interrupted", "samples_per_second")}, params)
    params.update({"data.kind": data["kind"], "data.train_cases": data["train_cases"],
                   "data.test_cases": data["test_cases"], "data.classes": len(data["classes"])})
    final = {f"{'test' if name == 'model' else name}_{metric}": float(value)
             for name, values in metrics["metrics"].items() for metric, value in values.items()}
    best_baseline = max(v["accuracy"] for n, v in metrics["metrics"].items() if n != "model")
    final.update({"skill_vs_best_baseline": metrics["metrics"]["model"]["accuracy"]
                  - best_baseline, "best_epoch": float(training["best_epoch"]),
                  "fit_seconds": float(training["seconds"]),
                  "samples_per_second": float(training["samples_per_second"])})
    files = data.get("files", {})
    train_file = files.get("train", {})
    tags = {"data.train": str(data["train"]), "data.test": str(data["test"]),
            "data.kind": data["kind"], "data.train_sha256": str(train_file.get("sha256", "")),
            "verdict": metrics["verdict"][:5000], "forecaster.kind": model_config["kind"],
            **_common_tags(model_config)}
    example = pd.read_csv(run_dir / "model" / "input_example.csv")
    classes = [str(label) for label in metrics["classes"]]
    output = pd.DataFrame({"label": [classes[0]],
                           **{f"probability_{label}": [0.0] for label in classes}})
    dataset = None
    train_path = Path(train_file.get("path", ""))
    if train_path.is_file() and data["kind"] == "text":
        dataset = DatasetInput(pd.read_csv(train_path), str(train_path), str(data["train"]),
                               "label", str(train_file["sha256"])[:32])
    stem = Path(str(data["train"]).split(" (")[0]).name.split(".")[0].removesuffix("_TRAIN")
    return RunRecord(
        experiment=experiment or f"{stem}-{data['kind']}-classifier", params=params, tags=tags,
        metrics=final,
        epochs={"train_loss": training.get("train_loss", []),
                "val_loss": training.get("val_loss", []),
                "val_accuracy": training.get("val_accuracy", [])},
        dataset=dataset, example=example, output_example=output,
        python_model=_HERE / "pyfunc_classifier.py")
