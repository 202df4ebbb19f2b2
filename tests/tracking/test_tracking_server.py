"""Training against a real `mlflow server`: what lands in the run, the registry, the pyfunc
model loaded in a fresh process, `forecaster predict models:/...`, and `mlflow models serve`.

One small model is trained and registered once (module fixtures) and read back by every test.
The tracking URI it is trained with carries user:password@ (the plain server ignores basic
auth) so that the tests can check the password never shows up anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from serving import served_predictions

from forecaster import Forecaster
from forecaster.forecasting.baselines import BASELINES
from forecaster.tracking.uri import redact

pytestmark = [pytest.mark.tracking, pytest.mark.slow]  # a real mlflow server

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "datasets" / "GOOG.csv"
MODEL = "goog-test"
USER, PASSWORD = "alice", "s3cret-pw"
ARTEFACTS = {"metrics.json", "predictions.csv", "forecast.csv", "plot.png", "loss.png",
             "model_card.md"}
BOUNDS = ["lower_80", "upper_80", "lower_95", "upper_95"]

def _client(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


@pytest.fixture(scope="module")
def registered_run(mlflow_server, cli, tiny_train_args, tmp_path_factory):
    """Train once with --register against the shared server; the run as MLflow has it."""
    run_dir = tmp_path_factory.mktemp("tracked") / "goog-gru-tracked"
    secret_uri = mlflow_server.uri.replace("http://", f"http://{USER}:{PASSWORD}@")
    result = cli("train", *tiny_train_args, "--out", run_dir, "--tracking-uri", secret_uri,
                 "--register", MODEL, "--json")
    assert result.exit_code == 0, result.output
    client = _client(mlflow_server.uri)
    experiment = client.get_experiment_by_name("GOOG-Close")
    assert experiment is not None, "default experiment <file>-<target> was not created"
    runs = client.search_runs([experiment.experiment_id],
                              filter_string=f"attributes.run_name = '{run_dir.name}'")
    assert len(runs) == 1, runs
    return SimpleNamespace(
        result=result, run_dir=run_dir, run=runs[0], run_id=runs[0].info.run_id,
        client=client, uri=mlflow_server.uri, secret_uri=secret_uri,
        metrics=json.loads((run_dir / "metrics.json").read_text(encoding="utf-8")),
        config=json.loads((run_dir / "model" / "config.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def champion(registered_run, cli):
    """`forecaster models promote goog-test 1 --alias champion`."""
    result = cli("models", "promote", MODEL, "1", "--alias", "champion",
                 "--tracking-uri", registered_run.uri)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def local_forecast(registered_run, cli) -> list[dict]:
    """`forecaster predict RUN_DIR/model GOOG.csv --json`: the reference forecast."""
    result = cli("predict", registered_run.run_dir / "model", GOOG, "--json")
    assert result.exit_code == 0, result.output
    forecast = json.loads(result.stdout)["forecast"]
    assert [row["step"] for row in forecast] == [1]
    assert pd.Timestamp(forecast[0]["date"]) == pd.Timestamp("2019-01-01")
    return forecast


def assert_same_forecast(got: list[dict], expected: list[dict], rtol: float = 1e-6) -> None:
    assert len(got) == len(expected)
    for row, ref in zip(got, expected, strict=True):
        assert pd.Timestamp(row["date"]) == pd.Timestamp(ref["date"])
        assert int(row["step"]) == int(ref["step"])
        assert float(row["forecast"]) == pytest.approx(float(ref["forecast"]), rel=rtol)


# --- the run -------------------------------------------------------------------------------


def test_train_logs_and_registers_one_finished_run(registered_run):
    run = registered_run.run
    assert run.info.status == "FINISHED"
    assert run.info.run_name == registered_run.run_dir.name
    stderr = registered_run.result.stderr
    assert f"run {registered_run.run_id}" in stderr
    assert f"Registered as {MODEL} version 1" in stderr
    assert f"forecaster models promote {MODEL} 1 --alias champion" in stderr


def test_params_record_the_configuration(registered_run):
    params = registered_run.run.data.params
    expected = {"model.cell": "gru", "model.lookback": "20", "model.hidden_size": "8",
                "model.num_layers": "1", "model.horizon": "1", "training.optimizer": "adam",
                "training.epochs": "3", "training.seed": "0", "training.batch_size": "64",
                "data.target": "Close", "data.features": "none",
                "data.train_rows": str(registered_run.metrics["data"]["train_rows"]),
                "data.test_rows": str(registered_run.metrics["data"]["test_rows"])}
    assert {key: params.get(key) for key in expected} == expected
    # run facts are metrics or tags, not parameters
    assert not {"training.train_loss", "training.seconds", "training.best_epoch"} & set(params)


def test_per_epoch_losses_have_steps_1_to_3(registered_run):
    training = registered_run.metrics["training"]
    for name in ("train_loss", "val_loss"):
        history = sorted(registered_run.client.get_metric_history(registered_run.run_id, name),
                         key=lambda m: m.step)
        assert [m.step for m in history] == [1, 2, 3]
        assert [m.value for m in history] == pytest.approx(training[name])


def test_final_metrics_beside_the_baselines(registered_run):
    logged = registered_run.run.data.metrics
    scores = registered_run.metrics["metrics"]
    for name in ("test_rmse", "test_mae", "naive_rmse", "seasonal_naive_rmse", "drift_rmse",
                 "exp_smoothing_rmse", "skill_vs_naive", "best_epoch"):
        assert name in logged, name
    assert logged["test_rmse"] == pytest.approx(scores["model"]["rmse"])
    for baseline in BASELINES:
        assert logged[f"{baseline}_rmse"] == pytest.approx(scores[baseline]["rmse"])
    assert logged["skill_vs_naive"] == pytest.approx(registered_run.metrics["skill_vs_naive"])
    assert logged["skill_vs_naive"] == pytest.approx(
        1 - logged["test_rmse"] / logged["naive_rmse"])


def test_tags_identify_the_data_and_the_versions(registered_run):
    import torch

    tags = registered_run.run.data.tags
    assert tags["data.file"] == "GOOG.csv"
    assert tags["data.sha256"] == hashlib.sha256(GOOG.read_bytes()).hexdigest()
    assert tags["data.fingerprint"] == registered_run.metrics["data"]["fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{64}", tags["data.fingerprint"])
    assert tags["data.rows"] == "1258"
    assert tags["data.target"] == "Close"
    assert tags["verdict"] == registered_run.metrics["verdict"]
    assert tags["beats_naive"] == str(registered_run.metrics["beats_naive"]).lower()
    assert tags["version.torch"] == torch.__version__


def test_artefacts_and_model_card(registered_run, tmp_path):
    import mlflow

    client, run_id = registered_run.client, registered_run.run_id
    names = {item.path for item in client.list_artifacts(run_id)}
    assert names >= ARTEFACTS, names
    mlflow.set_tracking_uri(registered_run.uri)
    local = Path(mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(tmp_path),
                                                     tracking_uri=registered_run.uri))
    for name in ("metrics.json", "predictions.csv", "forecast.csv", "model_card.md"):
        assert (local / name).read_bytes() == (registered_run.run_dir / name).read_bytes()
    assert (local / "plot.png").read_bytes()[:4] == b"\x89PNG"
    card = (local / "model_card.md").read_text(encoding="utf-8")
    assert registered_run.metrics["verdict"] in card
    assert re.search(r"^\| last value \(naive\) \|", card, flags=re.MULTILINE), card


def test_dataset_is_a_run_input(registered_run):
    inputs = registered_run.run.inputs.dataset_inputs
    assert len(inputs) == 1
    dataset = inputs[0].dataset
    assert dataset.name == "GOOG.csv"
    assert dataset.digest == registered_run.metrics["data"]["fingerprint"][:32]
    assert str(GOOG) in dataset.source
    schema = json.loads(dataset.schema)["mlflow_colspec"]
    assert {"Date", "Close"} <= {column["name"] for column in schema}
    assert {tag.key: tag.value for tag in inputs[0].tags}.get("mlflow.data.context") == \
        "training"


# --- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize(("uri", "shown"), [
    ("http://alice:s3cret@mlflow.example.com:5000", "http://***@mlflow.example.com:5000"),
    ("https://token@mlflow.example.com/", "https://***@mlflow.example.com/"),
    ("postgresql://mlflow:pw@db:5432/mlflow", "postgresql://***@db:5432/mlflow"),
    ("https://h/api?token=abc&x=1", "https://h/api?token=***&x=1"),
    ("https://h/?Password=abc&api_key=def", "https://h/?Password=***&api_key=***"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("sqlite:///mlflow.db", "sqlite:///mlflow.db"),
    ("file:///tmp/mlruns", "file:///tmp/mlruns"),
    ("databricks", "databricks"),
])
def test_redact(uri, shown):
    assert redact(uri) == shown


def test_no_credentials_in_params_tags_or_messages(registered_run):
    data = registered_run.run.data
    host = registered_run.uri.removeprefix("http://")
    for key, value in {**data.params, **data.tags}.items():
        assert PASSWORD not in value, key
        assert host not in value, f"{key}={value!r} contains the tracking URI"
    stderr = registered_run.result.stderr
    assert PASSWORD not in stderr
    assert f"Logged to MLflow at http://***@{host}" in stderr


def test_train_json_stdout_is_only_json(registered_run):
    stdout = registered_run.result.stdout
    assert PASSWORD not in stdout
    summary = json.loads(stdout)
    assert summary["mlflow"]["run_id"] == registered_run.run_id
    assert summary["mlflow"]["registered"] == [MODEL, "1"]


def test_logging_a_run_leaves_the_process_tracking_uri_alone(registered_run, monkeypatch):
    from forecaster.tracking.mlflow_run import log_run_directory

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    tracked = log_run_directory(registered_run.run_dir, tracking_uri=registered_run.uri,
                                experiment="env-side-effects")
    assert tracked.run_id
    assert os.environ.get("MLFLOW_TRACKING_URI") is None


# --- registry ------------------------------------------------------------------------------


def test_promote_sets_the_alias(champion, registered_run):
    assert f"{MODEL}@champion -> version 1" in champion.stdout
    version = registered_run.client.get_model_version_by_alias(MODEL, "champion")
    assert version.version == "1"
    assert version.run_id == registered_run.run_id


def test_promote_an_unknown_version_is_a_user_error(champion, registered_run, cli):
    result = cli("models", "promote", MODEL, "99", "--alias", "champion",
                 "--tracking-uri", registered_run.uri)
    assert result.exit_code == 2, result.output
    assert "no version 99" in result.output
    assert registered_run.client.get_model_version_by_alias(MODEL, "champion").version == "1"


def test_models_list_json(champion, registered_run, cli):
    result = cli("models", "list", "--json", "--tracking-uri", registered_run.uri)
    assert result.exit_code == 0, result.output
    rows = [row for row in json.loads(result.stdout)["models"] if row["name"] == MODEL]
    assert len(rows) == 1
    row = rows[0]
    assert row["version"] == 1
    assert row["run_id"] == registered_run.run_id
    logged = registered_run.run.data.metrics
    assert row["test_rmse"] == round(logged["test_rmse"], 4)
    assert row["naive_rmse"] == round(logged["naive_rmse"], 4)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row["created"])


def test_models_list_shows_the_alias(champion, registered_run, cli):
    result = cli("models", "list", MODEL, "--json", "--tracking-uri", registered_run.uri)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["models"][0]["aliases"] == ["champion"]


def test_models_show_by_alias(champion, registered_run, cli):
    result = cli("models", "show", f"{MODEL}@champion", "--tracking-uri", registered_run.uri,
                 "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    logged = registered_run.run.data.metrics
    assert shown["name"] == MODEL and shown["version"] == 1
    assert shown["aliases"] == ["champion"]
    assert shown["run_id"] == registered_run.run_id
    assert shown["test_rmse"] == pytest.approx(logged["test_rmse"])
    assert shown["baseline_rmse"] == pytest.approx(
        {name: logged[f"{name}_rmse"]
         for name in BASELINES})
    assert shown["skill_vs_naive"] == pytest.approx(logged["skill_vs_naive"])
    assert shown["verdict"] == registered_run.metrics["verdict"]
    assert shown["data"]["fingerprint"] == registered_run.metrics["data"]["fingerprint"]
    assert shown["data"]["file"] == "GOOG.csv"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", shown["registered_at"])
    # NAME/VERSION names the same version
    again = cli("models", "show", f"{MODEL}/1", "--tracking-uri", registered_run.uri, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["run_id"] == registered_run.run_id


def test_models_show_unknown_alias_is_a_user_error(champion, registered_run, cli):
    result = cli("models", "show", f"{MODEL}@nobody", "--tracking-uri", registered_run.uri)
    assert result.exit_code == 2, result.output
    assert "forecaster models list" in result.output


PYFUNC_SCRIPT = """
import json, sys
import mlflow
import pandas as pd
history = pd.read_csv(sys.argv[1])[["Date", "Close"]]
model = mlflow.pyfunc.load_model("models:/{name}@champion")
out = model.predict(history)
print("FORECAST=" + out.to_json(orient="records"))
print("MODULES=" + json.dumps(sorted(m for m in sys.modules if m.startswith("forecaster"))))
"""


def test_pyfunc_loads_in_a_fresh_process_and_matches_the_local_model(
        champion, registered_run, local_forecast, tmp_path):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MLFLOW_", "FORECASTER_"))}
    env["MLFLOW_TRACKING_URI"] = registered_run.uri
    done = subprocess.run([sys.executable, "-c", PYFUNC_SCRIPT.format(name=MODEL), str(GOOG)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr[-4000:]
    line = next(text for text in done.stdout.splitlines() if text.startswith("FORECAST="))
    forecast = json.loads(line.removeprefix("FORECAST="))
    assert list(forecast[0]) == ["date", "step", "forecast", *BOUNDS]
    assert forecast[0]["date"] == "2019-01-01"  # ISO 8601, as `forecaster predict` prints it
    assert_same_forecast(forecast, local_forecast)


def test_predict_from_the_registry_matches_the_local_model(
        champion, registered_run, local_forecast, cli):
    result = cli("predict", f"models:/{MODEL}@champion", GOOG, "--json",
                 "--tracking-uri", registered_run.uri)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["target"] == "Close"
    assert_same_forecast(payload["forecast"], local_forecast)


def test_predict_unknown_registered_model_is_a_user_error(champion, registered_run, cli):
    result = cli("predict", f"models:/{MODEL}@nobody", GOOG, "--json",
                 "--tracking-uri", registered_run.uri)
    assert result.exit_code == 2, result.output
    assert f"models:/{MODEL}@nobody" in result.output
    assert "Traceback" not in result.output


# --- serving -------------------------------------------------------------------------------


@pytest.mark.slow
def test_mlflow_models_serve_answers_with_the_local_forecast(
        champion, registered_run, local_forecast, model_server):
    url = model_server(f"models:/{MODEL}@champion", registered_run.uri)
    # the whole history, as `predict` read it: the Theta half smooths its level from the first
    # row given, so a shorter history gives a (slightly) different forecast
    tail = pd.read_csv(GOOG)[["Date", "Close"]]
    predictions = served_predictions(url, tail)
    assert len(predictions) == 1
    assert predictions[0]["date"] == "2019-01-01"
    assert predictions[0]["step"] == 1
    assert predictions[0]["forecast"] == pytest.approx(local_forecast[0]["forecast"], rel=1e-5)
    # the prediction intervals come with it, around the forecast, as the local model gives them
    assert list(predictions[0]) == ["date", "step", "forecast", *BOUNDS]
    row = predictions[0]
    assert row["lower_95"] <= row["lower_80"] < row["forecast"] < row["upper_80"] <= \
        row["upper_95"]
    local = Forecaster.load(registered_run.run_dir / "model").forecast(tail)
    assert [row[name] for name in BOUNDS] == pytest.approx(
        [float(local[name].iloc[0]) for name in BOUNDS], rel=1e-5)
    # other levels through the model's `levels` parameter
    assert list(served_predictions(url, tail, {"levels": [90]})[0]) == [
        "date", "step", "forecast", "lower_90", "upper_90"]
