"""OutputLock with real processes: a held lock refuses a second job, a dead holder's lock is
taken over, and of several processes racing for a stale lock exactly one wins."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecaster.errors import ForecasterError
from forecaster.pipeline.lock import LOCK_NAME, LockedError, OutputLock, process_identity

HOLDER = """
import sys, time
from pathlib import Path
from forecaster.pipeline.lock import LockedError, OutputLock

start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
try:
    with OutputLock(Path(sys.argv[1]), command="test holder") as lock:
        print("won", lock.note or "-", flush=True)
        sys.stdin.readline()  # hold the lock until the test says so
except LockedError:
    print("locked", flush=True)
"""


def start_holder(directory: Path, start: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(directory), str(start)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen) -> None:
    process.communicate(input="\n", timeout=30)
    assert process.returncode == 0


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def write_lock(directory: Path, **fields) -> Path:
    record = {"pid": dead_pid(), "host": socket.gethostname(), "started": "2024-01-01T00:00:00",
              "command": "forecaster run old.yaml", **fields}
    path = directory / LOCK_NAME
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_lock_is_written_and_removed(tmp_path):
    directory = tmp_path / "out"  # created by the lock
    with OutputLock(directory, command="forecaster run x.yaml") as lock:
        record = json.loads((directory / LOCK_NAME).read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
        assert record["command"] == "forecaster run x.yaml" and record["started"]
        assert lock.held and lock.note is None
    assert not (directory / LOCK_NAME).exists()
    assert [p.name for p in directory.iterdir() if p.name.startswith(".lock.new")] == []


def test_second_process_is_refused_while_the_lock_is_held(tmp_path):
    holder = start_holder(tmp_path)
    try:
        assert holder.stdout.readline().split()[0] == "won"
        with pytest.raises(LockedError) as caught, OutputLock(tmp_path):
            pass
        message = str(caught.value)
        assert isinstance(caught.value, ForecasterError)
        assert f"Output directory '{tmp_path}' is in use by another pipeline job" in message
        assert f"pid {holder.pid} on host '{socket.gethostname()}'" in message
        assert "command: test holder" in message and "started 20" in message
        assert f"delete {tmp_path / LOCK_NAME}" in message and "Wait for that job" in message
        assert (tmp_path / LOCK_NAME).exists()  # the refused job left the holder's lock alone
    finally:
        finish(holder)
    with OutputLock(tmp_path):  # free again once the holder has gone
        pass


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    write_lock(tmp_path)
    with OutputLock(tmp_path) as lock:
        assert lock.note is not None and "Took over a stale lock" in lock.note
        assert "is no longer running" in lock.note
        record = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.skipif(process_identity(os.getpid()) is None, reason="needs Linux /proc")
def test_a_reused_pid_does_not_keep_a_lock_alive(tmp_path):
    write_lock(tmp_path, pid=os.getppid(), process="another-boot:123")
    with OutputLock(tmp_path) as lock:
        assert lock.note is not None


@pytest.mark.slow
def test_only_one_of_several_processes_racing_for_a_stale_lock_wins(tmp_path):
    write_lock(tmp_path)
    start = time.time() + 2.0  # every process waits for the same instant
    racers = [start_holder(tmp_path, start) for _ in range(4)]
    try:
        outcomes = [racer.stdout.readline().split() for racer in racers]
    finally:
        for racer in racers:
            finish(racer)
    assert sorted(words[0] for words in outcomes) == ["locked", "locked", "locked", "won"]
    winner = next(words for words in outcomes if words[0] == "won")
    assert "stale" in " ".join(winner)


def test_lock_from_another_host_is_never_judged_stale(tmp_path):
    write_lock(tmp_path, host="some-other-host", pid=1)
    with pytest.raises(LockedError, match="taken on another host"), OutputLock(tmp_path):
        pass


def test_same_process_twice_is_refused(tmp_path):
    with OutputLock(tmp_path), pytest.raises(LockedError, match="this very process"), \
            OutputLock(tmp_path):
        pass


def test_unreadable_lock_file_is_refused_with_advice(tmp_path):
    (tmp_path / LOCK_NAME).write_text("not json", encoding="utf-8")
    with pytest.raises(LockedError, match="not a lock this toolkit wrote"), OutputLock(tmp_path):
        pass


def test_lock_is_removed_on_exceptions(tmp_path):
    with pytest.raises(KeyError), OutputLock(tmp_path):
        raise KeyError("boom")
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_lock_that_is_no_longer_ours_is_left_in_place(tmp_path):
    with OutputLock(tmp_path):
        record = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        (tmp_path / LOCK_NAME).write_text(json.dumps({**record, "token": "someone else"}),
                                          encoding="utf-8")
    assert (tmp_path / LOCK_NAME).exists()


# ------------------------------------------------- a dead job's workers, reused pids


needs_proc = pytest.mark.skipif(process_identity(os.getpid()) is None, reason="needs Linux /proc")


@pytest.fixture
def sleeper():
    """A live process standing in for a worker (or for an unrelated one that reused a pid)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)


@needs_proc
def test_the_job_records_its_workers_with_their_identities(tmp_path, sleeper):
    with OutputLock(tmp_path) as lock:
        lock.add_workers([sleeper.pid])
        lock.add_workers([sleeper.pid])  # recorded once
        record = json.loads((tmp_path / LOCK_NAME).read_text(encoding="utf-8"))
        assert record["workers"] == [{"pid": sleeper.pid,
                                      "process": process_identity(sleeper.pid)}]
        assert record["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()  # still ours, so released


@needs_proc
@pytest.mark.slow
def test_taking_over_stops_the_dead_jobs_workers_that_still_run(tmp_path, sleeper):
    write_lock(tmp_path, workers=[{"pid": sleeper.pid,
                                   "process": process_identity(sleeper.pid)}])
    with OutputLock(tmp_path) as lock:
        assert sleeper.wait(timeout=15) == -signal.SIGKILL  # gone before the lock was ours
        assert "Took over a stale lock" in lock.note
        assert f"Stopped 1 of its worker processes that were still running (pids " \
               f"{sleeper.pid})" in lock.note


@needs_proc
def test_a_worker_pid_now_used_by_another_process_is_left_alone(tmp_path, sleeper):
    write_lock(tmp_path, workers=[{"pid": sleeper.pid, "process": "another-boot:123"},
                                  {"pid": "junk"}, "junk"])
    with OutputLock(tmp_path) as lock:
        assert "Stopped" not in lock.note
    assert sleeper.poll() is None  # never signalled


@needs_proc
def test_an_old_lock_whose_pid_was_reused_after_it_was_written_is_stale(tmp_path, sleeper):
    # no "process" identity (written by an older version): the pid's process started after
    # the lock was written, so it cannot be the lock's holder
    write_lock(tmp_path, pid=sleeper.pid, started="2024-01-01T00:00:00+00:00")
    with OutputLock(tmp_path) as lock:
        assert "is no longer running" in lock.note
    assert sleeper.poll() is None  # an unrelated process: not ours to stop


@needs_proc
def test_an_old_lock_of_a_process_running_since_before_it_was_written_holds(tmp_path, sleeper):
    from forecaster.pipeline.timestamps import utc_now

    write_lock(tmp_path, pid=sleeper.pid, started=utc_now())
    held = f"in use by another pipeline job \\(pid {sleeper.pid}"
    with pytest.raises(LockedError, match=held), OutputLock(tmp_path):
        pass


@needs_proc
def test_a_lock_whose_holder_is_a_zombie_is_stale(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                              stdin=subprocess.PIPE)
    identity = process_identity(holder.pid)
    holder.stdin.close()  # it exits; unreaped, it stays a zombie that runs no code
    deadline = time.monotonic() + 30
    while process_identity(holder.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        write_lock(tmp_path, pid=holder.pid, process=identity)
        with OutputLock(tmp_path) as lock:
            assert lock.note is not None
    finally:
        holder.wait(timeout=30)


# ------------------------------------------------- what cannot be a lock file: exit 2


def test_a_directory_where_the_lock_goes_is_a_config_error(tmp_path):
    from forecaster.errors import ConfigError

    (tmp_path / LOCK_NAME).mkdir()
    with pytest.raises(ConfigError) as caught, OutputLock(tmp_path):
        pass
    assert str(caught.value) == (
        f"Cannot use {tmp_path / LOCK_NAME} as the output directory's lock file: Is a "
        f"directory. This toolkit writes that file itself; if no job is running there, remove "
        f"{tmp_path / LOCK_NAME} and run again.")


def test_a_symbolic_link_where_the_lock_goes_is_a_config_error(tmp_path):
    from forecaster.errors import ConfigError

    (tmp_path / LOCK_NAME).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="lock file: it is a symbolic link"), \
            OutputLock(tmp_path):
        pass
    assert not (tmp_path / "elsewhere").exists()


def test_a_directory_where_the_guard_goes_is_a_config_error(tmp_path):
    from forecaster.errors import ConfigError

    write_lock(tmp_path)  # stale, so the guard is needed to take it over
    (tmp_path / ".lock.guard").mkdir()
    guard = r"\.lock\.guard as the output directory's lock file: Is a directory"
    with pytest.raises(ConfigError, match=guard), OutputLock(tmp_path):
        pass


@pytest.mark.parametrize("where", ["under-a-file", "name-too-long"])
def test_an_output_directory_that_cannot_be_made_is_a_config_error(tmp_path, where):
    from forecaster.errors import ConfigError

    (tmp_path / "afile").write_text("x", encoding="utf-8")
    directory = {"under-a-file": tmp_path / "afile" / "out",
                 "name-too-long": tmp_path / ("x" * 300)}[where]
    reason = {"under-a-file": "Not a directory", "name-too-long": "File name too long"}[where]
    with pytest.raises(ConfigError) as caught, OutputLock(directory):
        pass
    assert str(caught.value) == (f"Cannot lock output directory '{directory}': {reason}. "
                                 f"Choose an output.dir this user can write to.")
