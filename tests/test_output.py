"""forecaster.output, the one module that writes: whole or nothing, permissions from the umask
(never set to read it), killed writes leave only names the next run clears, and failures of the
place are OutputErrors naming the path while bugs stay bugs."""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecaster.errors import OutputError
from forecaster.output import (
    atomic_directory,
    atomic_file,
    atomic_write_text,
    check_out_dir,
    is_run_directory,
    remove_leftovers,
    write_failure,
    write_temporary,
)
from forecaster.training.checkpoint import Checkpoint


@pytest.fixture
def umask_027():
    """Run with umask 027 (a group-readable, world-private site policy); restored after."""
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_and_directories_follow_the_umask(tmp_path, umask_027):
    atomic_write_text(tmp_path / "a.txt", "x")
    assert mode(tmp_path / "a.txt") == 0o640
    with atomic_directory(tmp_path / "run") as tmp:
        (tmp / "f").write_text("y")
    assert mode(tmp_path / "run") == 0o750
    assert mode(write_temporary(tmp_path, ".lock.new-", "z")) == 0o640


def test_replacing_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("old")
    path.chmod(0o600)
    atomic_write_text(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "forecast.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError, match="bug"), atomic_file(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("bug")  # not the place's fault: stays a bug (exit 1)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["forecast.csv"]


def test_a_failed_directory_leaves_nothing(tmp_path):
    with pytest.raises(KeyError), atomic_directory(tmp_path / "run") as tmp:
        (tmp / "metrics.json").write_text("{}")
        raise KeyError("bug")
    assert os.listdir(tmp_path) == []


def test_errors_of_the_place_name_the_path_and_say_what_to_do(tmp_path):
    out = tmp_path / "run"
    full = write_failure(out, OSError(errno.ENOSPC, "No space left on device"))
    assert str(full) == (f"Cannot write '{out}': the disk is full. Free some space or write "
                         f"somewhere else. Nothing was written there.")
    # safetensors (Rust) reports errno only in its text
    rust = write_failure(out, Exception("I/O error: No space left on device (os error 28)"))
    assert "the disk is full" in str(rust)
    readonly = write_failure(out, OSError(errno.EROFS, "Read-only file system"))
    assert "the file system is read-only" in str(readonly)


def test_a_file_on_the_way_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match=f"'{blocker}' is a file, not a folder"):
        atomic_write_text(blocker / "sub" / "out.csv", "y")
    with pytest.raises(OutputError, match=f"'{blocker}' is a file, not a folder"):
        check_out_dir(blocker / "run", overwrite=False)
    assert blocker.read_text() == "x"


def test_is_run_directory_needs_our_metrics_beside_a_model_or_predictions(tmp_path):
    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    assert not is_run_directory(run)
    (run / "metrics.json").write_text(json.dumps({"metrics": {}}))
    assert not is_run_directory(run)  # metrics alone could be anyone's
    (run / "model" / "config.json").write_text("{}")
    assert is_run_directory(run)
    (run / "metrics.json").write_text("not json")
    assert not is_run_directory(run)
    evaluation = tmp_path / "scores"
    evaluation.mkdir()
    (evaluation / "metrics.json").write_text(json.dumps({"metrics": {}, "verdict": "..."}))
    (evaluation / "predictions.csv").write_text("date,actual\n")
    assert is_run_directory(evaluation)


def test_a_checkpoint_is_written_whole_and_cleared_with_its_leftovers(tmp_path):
    path = tmp_path / "work" / "checkpoint.pt"
    checkpoint = Checkpoint(path, key="k")
    checkpoint.save({"epoch": 3})
    assert checkpoint.load()["epoch"] == 3
    (path.parent / ".checkpoint.pt.tmp-deadbeef").write_bytes(b"torn")  # a killed save
    checkpoint.clear()
    assert not path.parent.exists()


def test_a_checkpoint_on_an_unwritable_place_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        Checkpoint(blocker / "checkpoint.pt").save({"epoch": 1})


_KILLED_WRITER = """
import sys, time
from pathlib import Path
from forecaster.output import atomic_directory, atomic_file
out, ready = Path(sys.argv[1]), Path(sys.argv[2])
with atomic_file(out.parent / "forecast.csv") as f:
    f.write_text("half")
    with atomic_directory(out) as tmp:
        (tmp / "metrics.json").write_text("{")
        ready.write_text("ready")
        time.sleep(600)
"""


@pytest.mark.slow
def test_a_killed_write_leaves_only_names_the_next_run_clears(tmp_path):
    out, ready = tmp_path / "series" / "A", tmp_path / "ready"
    out.parent.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(out), str(ready)])
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert writer.poll() is None, "the writer died before it was ready"
            assert time.monotonic() < deadline, "the writer never got ready"
            time.sleep(0.05)
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    left = sorted(p.name for p in out.parent.iterdir())
    assert len(left) == 2 and not out.exists()
    assert all(name.startswith((".A.tmp-", ".forecast.csv.tmp-")) for name in left)
    assert sorted(p.name for p in remove_leftovers(out.parent)) == left
    assert os.listdir(out.parent) == []


def test_the_python_api_never_replaces_a_run_holding_its_data(tmp_path, training):
    """train_run(..., overwrite=True) checks its own input too (not only the CLI does)."""
    import shutil

    from forecaster import Forecaster, load_series
    from forecaster.forecasting import train_run

    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    (run / "metrics.json").write_text(json.dumps({"metrics": {}}))
    (run / "model" / "config.json").write_text("{}")
    data = run / "air.csv"
    shutil.copy(Path(__file__).parents[1] / "datasets" / "airpassengers.csv", data)
    series = load_series(data, target="y")
    model = Forecaster(hidden_size=4, num_layers=1, lookback=10, training=training(epochs=1))
    with pytest.raises(OutputError, match="the folder holding the input"):
        train_run(series, model, run, overwrite=True)
    assert data.read_bytes() and (run / "model" / "config.json").is_file()
