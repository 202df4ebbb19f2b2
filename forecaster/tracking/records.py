"""What a run directory records, as MLflow will hold it: parameters, tags, final and
per-epoch metrics, the data input and the model's input/output examples. One builder per kind of
run (forecasting, classification); `mlflow_run.log_run_directory` logs whichever it gets.

No mlflow import here: these are plain dictionaries and tables.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.errors import ConfigError, ForecasterError
from forecaster.tracking.interval_records import (
    interval_metrics,
    interval_params,
    interval_tags,
    pyfunc_bound_columns,
    pyfunc_params,
)
from forecaster.tracking.run_files import MODEL_DIR, RunFiles, run_files

MODEL_ARTIFACT = "forecaster_model"  # the model directory's name inside the MLflow model
_HERE = Path(__file__).parent
METRICS_FILE = "metrics.json"
CONFIG_FILE = f"{MODEL_DIR}/config.json"
ENCODING_KEY = "data_encoding"  # in metrics.json: the text encoding the data was read with
# Tags every logged run with its run directory's identity, so that logging it again is seen
RUN_DIGEST_TAG = "forecaster.run_digest"
BARELY_TRAINED_KEYS = ("barely_trained", "barely_trained_note")  # training facts, logged as tags


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
    predict_params: dict[str, Any] = field(default_factory=dict)  # the pyfunc's, with defaults
    live_run_id: str | None = None  # the run opened before training, if there was one
    files: RunFiles | None = None  # what may be uploaded, and what was left out
    notes: list[str] = field(default_factory=list)  # what the logged run lacks, and why


def read_run_dir(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any], RunFiles]:
    """metrics.json and model/config.json of a complete run directory, checked for the keys a
    record is built from, with the run's files that may be uploaded."""
    files = run_files(run_dir)
    documents = []
    for needed in (METRICS_FILE, CONFIG_FILE):
        if not files.has(needed):
            why = next((note for note in files.left_out if note.startswith(f"{needed} (")),
                       f"{needed} (missing)")
            raise ConfigError(f"'{run_dir}' is not a complete run directory: '{why}'. Pass a "
                              f"directory written by `forecaster train` or `forecaster "
                              f"classify train`.")
        documents.append(_read_json(Path(run_dir) / needed))
    metrics, model_config = documents
    forecast = model_config.get("kind") == "forecaster"
    _check_keys(metrics, FORECAST_KEYS if forecast else CLASSIFICATION_KEYS,
                Path(run_dir) / METRICS_FILE)
    _check_keys(model_config, FORECAST_CONFIG_KEYS if forecast else {"kind": str},
                Path(run_dir) / CONFIG_FILE)
    return metrics, model_config, files


def _read_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"'{path}' is not valid JSON ({exc}). The run directory was changed "
                          f"or not written to the end; train again to get a complete one."
                          ) from None
    if not isinstance(document, dict):
        raise ConfigError(f"'{path}' holds a JSON {type(document).__name__}, not the object a "
                          f"run writes; train again to get a complete run directory.")
    return document


# The keys a record is built from, with their JSON types (None: null is allowed).
_NUMBER = (int, float)
FORECAST_KEYS: dict[str, Any] = {
    "data": dict, "data.source": str, "data.target": str, "data.fingerprint": str,
    "data.rows": int, "data.first_date": str, "last_date": str, "verdict": str,
    "beats_naive": (bool, type(None)), "model": dict, "training": dict,
    "training.best_epoch": int, "training.seconds": _NUMBER, "metrics": dict,
    "metrics.model": dict, "skill_vs_naive": (*_NUMBER, type(None))}
CLASSIFICATION_KEYS: dict[str, Any] = {
    "data": dict, "data.kind": str, "data.train": str, "data.test": str,
    "data.train_cases": int, "data.test_cases": int, "data.classes": list, "classes": list,
    "verdict": str, "model": dict, "training": dict, "training.best_epoch": int,
    "training.seconds": _NUMBER, "training.samples_per_second": _NUMBER, "metrics": dict,
    "metrics.model": dict, "metrics.model.accuracy": _NUMBER}
FORECAST_CONFIG_KEYS: dict[str, Any] = {"kind": str, "params": dict, "params.horizon": int}


def _check_keys(document: dict[str, Any], expected: dict[str, Any], path: Path) -> None:
    """A ConfigError naming the file and the first key that is missing or of the wrong type."""
    for dotted, kind in expected.items():
        value: Any = document
        for part in dotted.split("."):
            if not isinstance(value, dict) or part not in value:
                raise ConfigError(f"'{path}' lacks the key '{dotted}': it was not written by "
                                  f"this version of forecaster, or was edited. Train again to "
                                  f"get a complete run directory.")
            value = value[part]
        if not isinstance(value, kind):
            raise ConfigError(f"'{path}': '{dotted}' is {json.dumps(value)[:60]}, not a "
                              f"{_json_type(kind)}. Train again to get a complete run "
                              f"directory.")


def _json_type(kind: Any) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {dict: "object", list: "list", str: "string", int: "number", float: "number",
             bool: "true/false", type(None): "null"}
    return " or ".join(dict.fromkeys(names[k] for k in kinds))


def build_record(run_dir: Path, experiment: str | None = None) -> RunRecord:
    """The record of a forecasting or a classification run directory."""
    metrics, model_config, files = read_run_dir(run_dir)
    build = forecast_record if model_config.get("kind") == "forecaster" else \
        classification_record
    record = build(files, metrics, model_config, experiment)
    record.live_run_id = metrics.get("mlflow_live_run_id")
    record.tags[RUN_DIGEST_TAG] = run_digest(Path(run_dir))
    record.files = files
    return record


def run_digest(run_dir: Path) -> str:
    """Which run directory this is: the hash of its metrics.json (it holds the data's
    fingerprint, the settings, the scores and the training times, so no two runs share it)."""
    import hashlib

    return hashlib.sha256((run_dir / METRICS_FILE).read_bytes()).hexdigest()[:32]


def flatten(value: Any, prefix: str = "", keep_lists: bool = True) -> dict[str, Any]:
    """{'a': {'b': 1}} -> {'a.b': 1}: nested settings as MLflow parameters. Lists are values
    (`keep_lists`) or left out (per-epoch series that are metrics, not parameters)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key), keep_lists))
        return out
    if isinstance(value, list) and not keep_lists:
        return {}
    return {prefix: value}


def run_params(metrics: dict[str, Any]) -> dict[str, Any]:
    """The run's configuration, flattened: model.*, training.*, data settings."""
    training = {k: v for k, v in metrics["training"].items()
                if k not in ("train_loss", "val_loss", "seconds", "seconds_per_epoch",
                             "epochs_run", "best_epoch", "stopped_early", "interrupted",
                             "repeatable", *BARELY_TRAINED_KEYS)}
    params = {**flatten(metrics["model"], "model", keep_lists=False),
              **flatten(training, "training", keep_lists=False)}
    data = metrics["data"]
    for key in ("target", "frequency", "train_rows", "validation_rows", "test_rows"):
        params[f"data.{key}"] = data.get(key)
    params["data.features"] = ",".join(data.get("features", [])) or "none"
    params["evaluation.season"] = metrics.get("season")
    params.update(interval_params(metrics))
    return params


def final_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """test_<metric> for the model, <baseline>_<metric> for each baseline, skill, run facts,
    the intervals' scores (`interval_records`). A score that could not be computed (null: e.g.
    MAPE of a series with zeros) is left out."""
    out = {**scores(metrics), **interval_metrics(metrics)}
    out["skill_vs_naive"] = metrics["skill_vs_naive"]
    out["skill_vs_best_baseline"] = metrics.get("skill_vs_best_baseline")  # None: left out
    training = metrics["training"]
    out["best_epoch"] = training["best_epoch"]
    out["fit_seconds"] = training["seconds"]
    return finite(out)


def scores(metrics: dict[str, Any]) -> dict[str, Any]:
    """test_<metric> for the model and <baseline>_<metric> for each baseline."""
    return {f"{'test' if name == 'model' else name}_{metric}": value
            for name, values in metrics["metrics"].items() if isinstance(values, dict)
            for metric, value in values.items()}


def finite(values: dict[str, Any]) -> dict[str, float]:
    """The entries that are finite numbers, as floats (MLflow metrics must be numbers)."""
    return {key: float(value) for key, value in values.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value)}


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
        **({"beats_best_baseline": str(metrics["beats_best_baseline"]).lower(),
            "best_baseline": str(metrics["best_baseline"]["name"])}
           if "best_baseline" in metrics else {}),
        "forecaster.kind": "forecaster",
        **barely_trained_tags(metrics["training"]),
        **interval_tags(metrics),
        **_common_tags(model_config),
    }
    return tags


def barely_trained_tags(training: dict[str, Any]) -> dict[str, str]:
    """`barely_trained` ("true"/"false") and, when true, `barely_trained_note`: an outcome of
    training, so a tag to search on (`tags.barely_trained = 'true'`), not a parameter. Nothing
    for a run directory written before the fact was recorded."""
    if "barely_trained" not in training:
        return {}
    tags = {"barely_trained": str(bool(training["barely_trained"])).lower()}
    if training.get("barely_trained_note"):
        tags["barely_trained_note"] = str(training["barely_trained_note"])[:5000]
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


def _own_csv(files: RunFiles, name: str) -> pd.DataFrame:
    """A small table the run wrote itself (UTF-8, by pandas) into its model directory."""
    path = files.root / MODEL_DIR / name
    if not files.has(f"{MODEL_DIR}/{name}"):
        why = next((note for note in files.left_out if note.startswith(f"{MODEL_DIR}/{name} (")),
                   f"{MODEL_DIR}/{name} (missing)")
        raise ConfigError(f"'{files.root}' is not a complete run directory: '{why}'. Train "
                          f"again to get a complete one.")
    try:
        return pd.read_csv(path, encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"'{path}' cannot be read ({str(exc).strip().splitlines()[0]}): the "
                          f"run directory was changed. Train again to get a complete one."
                          ) from None


def _data_frame(path: Path, metrics: dict[str, Any], record_notes: list[str]
                ) -> pd.DataFrame | None:
    """The training data as the run read it: through the package's one reader, in the run's
    encoding. None, with a note, when it is gone or no longer readable (e.g. edited since)."""
    if not path.is_file():
        record_notes.append(f"dataset: '{path}' is no longer there")
        return None
    from forecaster.data.csv_series import read_csv

    encoding = str(metrics.get(ENCODING_KEY) or "utf-8")
    try:
        return read_csv(path, encoding=encoding)[0]
    except ForecasterError as exc:
        record_notes.append(f"dataset: {exc}")
        return None


def input_example(tail: pd.DataFrame, files: RunFiles, model_config: dict[str, Any]
                  ) -> pd.DataFrame:
    """The pyfunc's input example: the history tail, and for a model with future-known
    columns the H rows after it (target empty) that a request must carry. When the run wrote
    none (its future values were not given), they are made here, at the forecast dates, with
    the last known values of those columns: the layout of a request, not a forecast's input."""
    columns = (model_config.get("known_inputs") or {}).get("future_features") or []
    target = model_config.get("target")
    if not columns or target not in tail.columns or len(tail) == 0 or tail[target].isna().any():
        return tail  # no future columns, or the future rows are already there
    from forecaster.data.csv_series import select_series
    from forecaster.forecasting.forecaster import Forecaster
    from forecaster.forecasting.model_known import forecast_dates

    model = Forecaster.load(files.root / MODEL_DIR)
    series = select_series(tail, source=str(files.root / MODEL_DIR / "history_tail.csv"),
                           target=target, features=model.features_, future_features=columns)
    dates = forecast_dates(model, series)
    date_column = tail.columns[0]  # history_tail writes the dates first
    timed = bool((dates != dates.normalize()).any())
    after = pd.DataFrame({column: [float("nan")] * len(dates) for column in tail.columns})
    after[date_column] = list(dates.strftime("%Y-%m-%d %H:%M:%S" if timed else "%Y-%m-%d"))
    for column in columns:  # the layout's values: the last known ones, repeated
        after[column] = tail[column].iloc[-1]
    return pd.concat([tail, after], ignore_index=True)


def forecast_record(files: RunFiles, metrics: dict[str, Any], model_config: dict[str, Any],
                    experiment: str | None) -> RunRecord:
    data = metrics["data"]
    path = Path(str(data.get("path", "")))
    notes: list[str] = []
    tail = _own_csv(files, "history_tail.csv")
    frame = _data_frame(path, metrics, notes)
    example = input_example(tail, files, model_config)
    horizon = int(model_config["params"]["horizon"])
    output = pd.DataFrame({"date": ["2000-01-01T00:00:00"] * horizon,
                           "step": list(range(1, horizon + 1)), "forecast": [0.0] * horizon,
                           **{name: [0.0] * horizon
                              for name in pyfunc_bound_columns(model_config)}})
    training = metrics["training"]
    return RunRecord(
        experiment=experiment or f"{Path(str(data['source'])).stem}-{data['target']}",
        params=run_params(metrics), tags=run_tags(metrics, model_config),
        metrics=final_metrics(metrics),
        epochs={"train_loss": training.get("train_loss", []),
                "val_loss": training.get("val_loss", [])},
        dataset=DatasetInput(tail if frame is None else frame, str(path), str(data["source"]),
                             str(data["target"]), str(data["fingerprint"])[:32]),
        example=example, output_example=output, python_model=_HERE / "pyfunc_model.py",
        predict_params=pyfunc_params(model_config), notes=notes)


def classification_record(files: RunFiles, metrics: dict[str, Any],
                          model_config: dict[str, Any], experiment: str | None) -> RunRecord:
    data, training = metrics["data"], metrics["training"]
    params = {
        **flatten({k: v for k, v in metrics["model"].items() if k != "label"}, "model",
                  keep_lists=False),
        **flatten({k: v for k, v in training.items() if k not in (
            "seconds", "epochs_run", "best_epoch", "stopped_early", "interrupted",
            "samples_per_second", *BARELY_TRAINED_KEYS)}, "training", keep_lists=False)}
    params.update({"data.kind": data["kind"], "data.train_cases": data["train_cases"],
                   "data.test_cases": data["test_cases"], "data.classes": len(data["classes"])})
    final = scores(metrics)
    baselines = [v.get("accuracy") for n, v in metrics["metrics"].items()
                 if n != "model" and isinstance(v, dict)]
    baselines = [value for value in baselines if isinstance(value, int | float)]
    final.update({"skill_vs_best_baseline": metrics["metrics"]["model"]["accuracy"]
                  - max(baselines) if baselines else None,
                  "best_epoch": training["best_epoch"], "fit_seconds": training["seconds"],
                  "samples_per_second": training["samples_per_second"]})
    calibration = metrics.get("calibration") or {}  # absent in runs from before calibration
    final.update({"temperature": calibration.get("temperature"),
                  "test_ece_before": calibration.get("ece_before"),
                  "test_ece_after": calibration.get("ece_after")})
    final = finite(final)
    train_file = data.get("files", {}).get("train", {})
    tags = {"data.train": str(data["train"]), "data.test": str(data["test"]),
            "data.kind": data["kind"], "data.train_sha256": str(train_file.get("sha256", "")),
            "verdict": metrics["verdict"][:5000], "forecaster.kind": model_config["kind"],
            **barely_trained_tags(training), **_common_tags(model_config)}
    example = _own_csv(files, "input_example.csv")
    classes = [str(label) for label in metrics["classes"]]
    output = pd.DataFrame({"label": [classes[0]],
                           **{f"probability_{label}": [0.0] for label in classes}})
    dataset, notes = None, []
    train_path = Path(train_file.get("path", ""))
    frame = _data_frame(train_path, metrics, notes) if data["kind"] == "text" else None
    if frame is not None:
        dataset = DatasetInput(frame, str(train_path), str(data["train"]), "label",
                               str(train_file.get("sha256", ""))[:32])
    stem = Path(str(data["train"]).split(" (")[0]).name.split(".")[0].removesuffix("_TRAIN")
    return RunRecord(
        experiment=experiment or f"{stem}-{data['kind']}-classifier", params=params, tags=tags,
        metrics=final,
        epochs={"train_loss": training.get("train_loss", []),
                "val_loss": training.get("val_loss", []),
                "val_accuracy": training.get("val_accuracy", [])},
        dataset=dataset, example=example, output_example=output,
        python_model=_HERE / "pyfunc_classifier.py", notes=notes)
