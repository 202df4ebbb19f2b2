"""Real MLflow tracking servers for the tracking tests, and an isolated way to run the CLI.

`mlflow_server` is one `mlflow server` (SQLite backend, proxied artefacts) shared by the whole
session; `mlflow_server_factory` starts private ones (e.g. to stop one mid-run) and cleans them
up. Servers run in their own process group, bound to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "datasets" / "GOOG.csv"
# A small, fast model: about 1 s of training on two cores.
TINY_TRAIN = ["--target", "Close", "--cell", "gru", "--num-layers", "1", "--hidden-size", "8",
              "--lookback", "20", "--epochs", "3", "--patience", "0", "--device", "cpu",
              "--quiet"]
STARTUP_TIMEOUT_S = 60

# Environment that `forecaster` / MLflow set in-process (mlflow.set_tracking_uri exports
# MLFLOW_TRACKING_URI; _quiet_http sets the others with setdefault): reset around every CLI
# call and every test so that one test's tracking URI never leaks into the next one.
_MLFLOW_ENV = ("MLFLOW_TRACKING_URI", "MLFLOW_HTTP_REQUEST_MAX_RETRIES",
               "MLFLOW_HTTP_REQUEST_TIMEOUT", "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR",
               "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen | None, log: Path | None,
                  timeout: float = STARTUP_TIMEOUT_S) -> None:
    """Poll `url` until it answers 200; fail early (with the log) if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            text = log.read_text(errors="replace")[-4000:] if log else ""
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{text}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    text = log.read_text(errors="replace")[-4000:] if log else ""
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{text}")


def stop_process_group(process: subprocess.Popen, kill: bool = False,
                       grace: float = 10) -> None:
    """SIGTERM (or SIGKILL) the process group of `process` (its own session: the server and
    its uvicorn worker) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


class MlflowServer:
    """`mlflow server` on 127.0.0.1 with a SQLite store and artefacts under `store`."""

    def __init__(self, store: Path) -> None:
        self.store = Path(store)
        self.store.mkdir(parents=True, exist_ok=True)
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MlflowServer:
        """Start on a fresh free port (same database and artefacts as before) and wait."""
        self.port = free_port()
        log = self.store / f"server-{self.port}.log"
        env = {**os.environ,
               # no background job runner (a dozen huey workers we do not use)
               "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                 "--port", str(self.port),
                 "--backend-store-uri", f"sqlite:///{self.store / 'mlflow.db'}",
                 "--artifacts-destination", str(self.store / "artifacts"),
                 "--workers", "1"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                cwd=self.store, start_new_session=True)
        try:
            wait_for_http(f"{self.uri}/health", self.process, log)
        except BaseException:
            self.stop(kill=True)
            raise
        return self

    def stop(self, kill: bool = False) -> None:
        """Stop the server (kill=True: SIGKILL, as if the machine went away)."""
        if self.process is not None:
            stop_process_group(self.process, kill=kill)
            self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture(scope="session")
def mlflow_server_factory(tmp_path_factory) -> Iterator[Callable[[Path | None], MlflowServer]]:
    """Start private servers: factory(store=None) -> a started MlflowServer."""
    servers: list[MlflowServer] = []

    def start(store: Path | None = None) -> MlflowServer:
        server = MlflowServer(store or tmp_path_factory.mktemp("mlflow-private"))
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def mlflow_server(mlflow_server_factory, tmp_path_factory) -> Iterator[MlflowServer]:
    """One real tracking server for the session; its URI is `mlflow_server.uri`."""
    server = mlflow_server_factory(tmp_path_factory.mktemp("mlflow-shared"))
    yield server
    server.stop()


def _reset_mlflow_global_uri() -> None:
    """mlflow.set_tracking_uri keeps a module global (and exports it); forget the global and
    leave MLFLOW_TRACKING_URI as it is."""
    if "mlflow" in sys.modules:
        import mlflow

        exported = os.environ.get("MLFLOW_TRACKING_URI")
        mlflow.set_tracking_uri(None)
        if exported is not None:
            os.environ["MLFLOW_TRACKING_URI"] = exported


@pytest.fixture(autouse=True)
def isolated_mlflow_env() -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in _MLFLOW_ENV}
    yield
    _reset_mlflow_global_uri()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_cli(*args: object, env: dict[str, str | None] | None = None) -> Result:
    """`forecaster ARGS` in-process, with tracking enabled and MLflow's env reset afterwards.

    Usable from module-scoped fixtures too (where the `tracking_enabled` fixture has not yet
    lifted FORECASTER_NO_TRACKING).
    """
    from forecaster.cli import main

    settings: dict[str, str | None] = {"FORECASTER_NO_TRACKING": None,
                                       **{key: None for key in _MLFLOW_ENV}}
    settings.update(env or {})
    try:
        return CliRunner().invoke(main, [str(arg) for arg in args], env=settings)
    finally:
        _reset_mlflow_global_uri()


@pytest.fixture(scope="session")
def cli() -> Callable[..., Result]:
    """run_cli as a fixture (test modules cannot import this conftest by name)."""
    return run_cli


@pytest.fixture(scope="session")
def tiny_train_args() -> list[str]:
    return [str(GOOG), *TINY_TRAIN]


@pytest.fixture
def model_server(tmp_path) -> Iterator[Callable[[str, str], str]]:
    """start(model_uri, tracking_uri) -> base URL of `mlflow models serve --env-manager local`
    on a free 127.0.0.1 port, answering /ping; stopped after the test."""
    processes: list[subprocess.Popen] = []

    def start(model_uri: str, tracking_uri: str) -> str:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("MLFLOW_", "FORECASTER_"))}
        env["MLFLOW_TRACKING_URI"] = tracking_uri
        # the scoring server is started as `uvicorn ...`: it must be on PATH
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri,
                 "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "1"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                cwd=tmp_path, start_new_session=True)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/ping", process, log, timeout=120)
        return url

    yield start
    for process in processes:
        stop_process_group(process)
