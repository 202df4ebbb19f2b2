"""SIGTERM (a scheduler's timeout, `kill`) and Ctrl-C stop `train` and `classify train` alike:
after the first epoch the best model so far is written and the MLflow run closed as KILLED;
before it nothing is written. Either way the exit code says which signal it was (130, 143).

Each test waits for a line on stderr (an epoch's, or a batch line of a long first epoch) before
it sends the signal, never for a fixed time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.tracking,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
GOOG = DATASETS / "GOOG.csv"
GUNPOINT = DATASETS / "ucr" / "GunPoint"
ENDLESS = ["--epochs", "100000", "--patience", "0", "--device", "cpu", "--quiet"]


def start(*args: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "forecaster", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"})


def signal_after(process: subprocess.Popen, prefix: str, signum: int) -> tuple[int, str]:
    """Send `signum` once stderr shows a line starting with `prefix`; the exit code and all of
    stderr."""
    hang_guard = threading.Timer(600, process.kill)  # only a hung run ever reaches it
    hang_guard.start()
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(prefix):
            break
    hang_guard.cancel()
    assert seen and seen[-1].startswith(prefix), "".join(seen)
    process.send_signal(signum)
    _, rest = process.communicate(timeout=300)
    return process.returncode, "".join(seen) + rest


def mlflow_statuses(uri: str) -> list[str]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiments = [e.experiment_id for e in client.search_experiments()]
    return [run.info.status for run in client.search_runs(experiments)]


def test_sigterm_during_train_keeps_the_best_model_and_closes_the_run_killed(tmp_path):
    out, uri = tmp_path / "run", f"sqlite:///{tmp_path / 'mlflow.db'}"
    process = start("train", GOOG, "-t", "Close", "--cell", "gru", "--num-layers", "1",
                    "--hidden-size", "8", "--lookback", "20", *ENDLESS, "--tracking-uri", uri,
                    "--out", out)
    code, stderr = signal_after(process, "epoch 2/", signal.SIGTERM)
    assert code == 143, stderr
    assert "Interrupted by SIGTERM: keeping the best model so far" in stderr
    assert "Stopped by SIGTERM: the run holds the best model so far (exit code 143)." in stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["interrupted"] is True
    assert metrics["training"]["epochs_run"] >= 2
    assert (out / "model" / "weights.safetensors").exists()
    assert mlflow_statuses(uri) == ["KILLED"]


def test_ctrl_c_during_classify_train_keeps_the_model_and_exits_130(tmp_path):
    out, uri = tmp_path / "run", f"sqlite:///{tmp_path / 'mlflow.db'}"
    process = start("classify", "train", GUNPOINT / "GunPoint_TRAIN.ts", "--test-path",
                    GUNPOINT / "GunPoint_TEST.ts", "--hidden-size", "8", *ENDLESS,
                    "--tracking-uri", uri, "--out", out)
    code, stderr = signal_after(process, "epoch 2/", signal.SIGINT)
    assert code == 130, stderr
    assert "Interrupted: keeping the best model so far" in stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["interrupted"] is True
    assert (out / "model" / "weights.safetensors").exists()
    assert mlflow_statuses(uri) == ["KILLED"]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_in_the_first_epoch_writes_nothing(tmp_path, signum, code):
    """Batch size 1 makes the reviews' first epoch long (8160 optimiser steps, about 40 s), so
    that its batch line, printed 5 s into the epoch, comes before any epoch has finished."""
    out, uri = tmp_path / "run", f"sqlite:///{tmp_path / 'mlflow.db'}"
    process = start("classify", "train", DATASETS / "rotten_tomatoes.csv", "--batch-size", "1",
                    *ENDLESS, "--tracking-uri", uri, "--out", out)
    got, stderr = signal_after(process, "batch ", signum)
    assert got == code, stderr
    assert "before the first epoch finished: nothing to keep." in stderr
    assert f"Stopped by {signal.Signals(signum).name} (exit code {code})." in stderr
    assert "Traceback" not in stderr
    assert not out.exists()
    assert mlflow_statuses(uri) == ["KILLED"]
