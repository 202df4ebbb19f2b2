"""Tracking faults: the server is not there before training (exit 2, nothing written, or train
anyway with --tracking-optional), or it disappears while a run trains (exit 3, the run
directory complete, `forecaster track RUN_DIR` logs it once a server is back)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.tracking

RUN_FILES = {"metrics.json", "predictions.csv", "forecast.csv", "plot.png", "loss.png",
             "model_card.md", "model"}
MODEL_FILES = {"config.json", "weights.safetensors", "history_tail.csv"}


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_complete_run_dir(run_dir: Path) -> dict:
    assert run_dir.is_dir(), run_dir
    assert {path.name for path in run_dir.iterdir()} >= RUN_FILES
    assert {path.name for path in (run_dir / "model").iterdir()} >= MODEL_FILES
    assert (run_dir / "plot.png").read_bytes()[:4] == b"\x89PNG"
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))


def test_unreachable_server_stops_before_training(cli, tiny_train_args, tmp_path):
    uri = f"http://127.0.0.1:{closed_port()}"
    out = tmp_path / "runs" / "never"
    result = cli("train", *tiny_train_args, "--out", out, "--tracking-uri", uri)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = result.stderr
    assert message.startswith("Error: ")
    assert uri in message
    assert "cannot be reached" in message
    assert "--no-tracking" in message and "--tracking-optional" in message
    assert "epoch 1/" not in result.output  # it did not train
    # no minutes of retries: the check sets MLflow's retries to none (the CLI call above ran in
    # CliRunner's environment, which is put back after it, so look at the check itself)
    from forecaster.tracking.mlflow_run import TrackingError, check_reachable

    os.environ.pop("MLFLOW_HTTP_REQUEST_MAX_RETRIES", None)
    with pytest.raises(TrackingError, match="cannot be reached"):
        check_reachable(uri)
    assert os.environ.get("MLFLOW_HTTP_REQUEST_MAX_RETRIES") == "0"
    # nothing left behind: no run directory, no hidden temporary directory
    assert not out.exists()
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_tracking_optional_trains_anyway(cli, tiny_train_args, tmp_path):
    uri = f"http://127.0.0.1:{closed_port()}"
    out = tmp_path / "run"
    result = cli("train", *tiny_train_args, "--out", out, "--tracking-uri", uri,
                 "--tracking-optional")
    assert result.exit_code == 0, result.output
    assert "Training without tracking (--tracking-optional)" in result.stderr
    assert "forecaster track RUN_DIR" in result.stderr
    assert uri in result.stderr
    assert "epoch 3/3" in result.stderr
    metrics = assert_complete_run_dir(out)
    assert metrics["training"]["epochs_run"] == 3
    assert "Logged to MLflow" not in result.output


class StreamReader(threading.Thread):
    """Collects the lines of a subprocess's pipe; at the first epoch line it pauses the process
    (SIGSTOP, when `pause` is given) and sets `first_epoch`, so that a test can act while
    training is certainly under way, however fast or slow the machine is."""

    def __init__(self, stream, pause: subprocess.Popen | None = None) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.pause = pause
        self.lines: list[str] = []
        self.first_epoch = threading.Event()

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)
            if line.startswith("epoch 1/") and not self.first_epoch.is_set():
                if self.pause is not None:
                    self.pause.send_signal(signal.SIGSTOP)
                self.first_epoch.set()

    @property
    def text(self) -> str:
        return "".join(self.lines)


@pytest.mark.slow
def test_server_lost_during_training_then_forecaster_track(
        mlflow_server_factory, cli, tiny_train_args, tmp_path):
    from mlflow.tracking import MlflowClient

    epochs = 20
    server = mlflow_server_factory(tmp_path / "store")
    uri = server.uri
    run_dir = tmp_path / "run"
    args = [arg for arg in tiny_train_args]
    args[args.index("--epochs") + 1] = str(epochs)
    env = {key: value for key, value in os.environ.items()
           if key not in ("FORECASTER_NO_TRACKING", "MLFLOW_TRACKING_URI")}
    process = subprocess.Popen(
        [sys.executable, "-m", "forecaster", "train", *args, "--out", str(run_dir),
         "--tracking-uri", uri],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env=env, cwd=tmp_path)
    reader = StreamReader(process.stderr, pause=process)
    out_reader = StreamReader(process.stdout)
    reader.start()
    out_reader.start()
    try:
        # the preflight check passed and training is paused after its first epoch: now the
        # server goes away, then training goes on
        assert reader.first_epoch.wait(timeout=600), reader.text  # a guard against a hang
        assert process.poll() is None
        server.stop(kill=True)
        process.send_signal(signal.SIGCONT)
        process.wait(timeout=600)  # a guard against a hang, not a race
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=10)
    out_reader.join(timeout=10)
    stderr, stdout = reader.text, out_reader.text
    assert process.returncode == 3, stdout + stderr
    assert f"epoch {epochs}/{epochs}" in stderr
    assert "Traceback" not in stderr
    assert "Logging to MLflow at" in stderr and "failed" in stderr
    assert uri in stderr
    assert f"forecaster track {run_dir} --tracking-uri URI" in stderr
    assert "The run directory" in stderr and "is complete" in stderr
    assert "Test span" in stdout  # the report was printed before the warning
    metrics = assert_complete_run_dir(run_dir)
    assert metrics["training"]["epochs_run"] == epochs

    # a server is back (same database and artefacts, another port): log the run afterwards
    server.start()
    assert server.uri != uri
    client = MlflowClient(tracking_uri=server.uri)
    # the run opened before training holds the losses logged live until the server went away
    (live,) = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert live.info.run_id == metrics["mlflow_live_run_id"]
    assert live.info.status == "RUNNING"
    assert 1 <= len(client.get_metric_history(live.info.run_id, "train_loss")) < epochs

    result = cli("track", run_dir, "--tracking-uri", server.uri)
    assert result.exit_code == 0, result.output
    assert f"Logged to MLflow at {server.uri}: experiment 'GOOG-Close'" in result.stdout
    experiment = client.get_experiment_by_name("GOOG-Close")
    runs = {r.info.run_id: r for r in client.search_runs([experiment.experiment_id])}
    assert len(runs) == 2
    retired = runs.pop(live.info.run_id)  # the half-logged live run is retired...
    assert retired.info.status == "FAILED"
    (run,) = runs.values()  # ...in favour of the complete one
    assert retired.data.tags["forecaster.superseded_by"] == run.info.run_id
    assert run.info.run_name == run_dir.name
    assert run.info.status == "FINISHED"
    assert run.data.metrics["test_rmse"] == pytest.approx(metrics["metrics"]["model"]["rmse"])
    assert run.data.params["training.epochs"] == str(epochs)
    history = client.get_metric_history(run.info.run_id, "val_loss")
    assert sorted(m.step for m in history) == list(range(1, epochs + 1))
    assert "model_card.md" in {item.path for item in client.list_artifacts(run.info.run_id)}


def test_track_an_incomplete_directory_is_a_user_error(mlflow_server, cli, tmp_path):
    (tmp_path / "half").mkdir()
    result = cli("track", tmp_path / "half", "--tracking-uri", mlflow_server.uri)
    assert result.exit_code == 2, result.output
    assert "metrics.json" in result.output and "not a complete run directory" in result.output


def test_track_to_an_unreachable_server_is_a_user_error(cli, tmp_path):
    uri = f"http://127.0.0.1:{closed_port()}"
    result = cli("track", tmp_path, "--tracking-uri", uri)
    assert result.exit_code == 2, result.output
    assert uri in result.output and "cannot be reached" in result.output
