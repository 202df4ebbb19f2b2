"""One job at a time per output directory: `directory/.lock`, taken atomically, freed on exit.

The lock file holds JSON {pid, host, started, command, process, workers, ...}, so whoever finds
it knows who holds the directory. A lock left by a process that died (same host, pid no longer
running, or the pid now belongs to another process: `process` is its boot id and start time) is
stale and is taken over; a lock from another host is never judged from here, because its pid
means nothing on this machine. The job records its worker processes in `workers` as it starts
them; before a stale lock is taken over, any of them still running (they should have died with
the job) is stopped, so that two jobs never write into one directory.

Why it is safe when several jobs start at once:
- the lock appears with its content in one step: written to a temporary file, then hard-linked
  to `.lock` (link fails if `.lock` exists, like O_CREAT|O_EXCL, which is the fallback where a
  file system has no hard links), so nobody ever reads a half-written lock;
- taking over a stale lock happens under an flock on `directory/.lock.guard` (released by the
  kernel even if its holder dies), re-reads the lock inside it and replaces it only if it is
  still the same stale one, so two processes racing to clear it cannot both win.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import socket
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forecaster.errors import ConfigError, ForecasterError
from forecaster.output import write_temporary
from forecaster.pipeline.processes import (
    has_proc,
    is_running,
    process_identity,
    started_after,
    stop_processes,
)
from forecaster.pipeline.timestamps import utc_now

try:
    import fcntl
except ImportError:  # Windows: stale locks are reported, not taken over
    fcntl = None

LOCK_NAME = ".lock"
GUARD_NAME = ".lock.guard"
_ATTEMPTS = 5
logger = logging.getLogger(__name__)


class LockedError(ForecasterError):
    """Another job holds the output directory (or its lock file cannot be judged)."""


class OutputLock:
    """Hold `directory/.lock` for the length of a `with` block.

    Parameters
    ----------
    directory : the job's output directory (created if missing).
    command : recorded in the lock for whoever finds it; default: this process's command line.

    After entering, `note` is None, or a sentence saying that a stale lock was taken over (the
    caller prints it).

    Examples
    --------
    >>> with OutputLock(Path("runs/pipelines/gafa_nightly")) as lock:  # doctest: +SKIP
    ...     if lock.note:
    ...         print(lock.note)
    ...     run_the_job()
    """

    def __init__(self, directory: str | Path, command: str | None = None) -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK_NAME
        self.command = command if command is not None else shlex.join(sys.argv)
        self.note: str | None = None
        self._token: str | None = None
        self._pid: int | None = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._token is not None and self._pid == os.getpid()

    def acquire(self) -> OutputLock:
        """Take the lock or raise `LockedError`; a stale lock is taken over (see `note`)."""
        if self.held:
            raise RuntimeError(f"{self.path} is already held by this OutputLock.")
        token = uuid.uuid4().hex
        content = json.dumps(_lock_record(self.command, token), indent=2) + "\n"
        for _ in range(_ATTEMPTS):
            if self._create_or_explain(content):
                self._token, self._pid, self.note = token, os.getpid(), None
                return self
            raw = _read_bytes(self.path)
            if raw is None:  # released between our attempt and our look: try again
                continue
            holder = _parse(raw)
            if holder is None:
                raise LockedError(_unreadable_message(self.directory, self.path))
            if not _is_stale(holder):
                raise LockedError(_held_message(self.directory, self.path, holder))
            if fcntl is None:
                raise LockedError(_held_message(self.directory, self.path, holder, stale=True))
            stopped = self._stop_workers_of(holder)
            if self._take_over(raw, content):
                self._token, self._pid = token, os.getpid()
                self.note = (f"Took over a stale lock on {self.directory}: pid {holder['pid']} "
                             f"on this host ({holder['host']}), started {holder.get('started')}, "
                             f"is no longer running.")
                if stopped:
                    self.note += (f" Stopped {len(stopped)} of its worker processes that were "
                                  f"still running (pids {', '.join(map(str, stopped))}).")
                logger.info(self.note)
                return self
        raise LockedError(f"Could not lock output directory '{self.directory}': other jobs kept "
                          f"taking and freeing {self.path} while this one tried. Run one job "
                          f"per output directory at a time.")

    def add_workers(self, pids: list[int]) -> None:
        """Record worker processes of this job in the lock (with their identities), so that
        whoever finds the lock after a crash can make sure none of them still runs."""
        if not self.held:
            raise RuntimeError(f"{self.path} is not held by this OutputLock.")
        raw = _read_bytes(self.path)
        record = _parse(raw or b"")
        if record is None or record.get("token") != self._token:
            return  # no longer ours (removed or replaced by hand): nothing to add to
        known = {worker["pid"] for worker in _workers(record)}
        record["workers"] = _workers(record) + [
            {"pid": pid, "process": process_identity(pid)} for pid in pids if pid not in known]
        tmp = write_temporary(self.directory, ".lock.new-", json.dumps(record, indent=2) + "\n")
        os.replace(tmp, self.path)

    def _stop_workers_of(self, holder: dict[str, Any]) -> list[int]:
        """Stop the dead job's workers that still run; raise if some cannot be stopped."""
        alive = [(worker["pid"], worker["process"]) for worker in _workers(holder)
                 if worker["process"] and is_running(worker["pid"], worker["process"])]
        if not alive:
            return []
        left = stop_processes(alive)
        if left:
            raise LockedError(
                f"Output directory '{self.directory}' has a lock left by a job that is no "
                f"longer running (pid {holder['pid']}), but its worker processes "
                f"{', '.join(map(str, left))} still run and could not be stopped from here "
                f"(another user's?). Stop them (kill {' '.join(map(str, left))}) and run again.")
        return [pid for pid, _ in alive]

    def release(self) -> None:
        """Remove the lock if it is still ours (the one this object wrote, in this process)."""
        if not self.held:
            return
        try:
            holder = _parse(_read_bytes(self.path) or b"")
        except ConfigError:  # replaced by something else meanwhile: not ours to remove
            holder = None
        if holder is not None and holder.get("token") == self._token:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        self._token = self._pid = None

    def _create_or_explain(self, content: str) -> bool:
        try:  # the user's chosen folder: any failure to make it is about the place
            self.directory.mkdir(parents=True, exist_ok=True)
            return self._create(content)
        except (PermissionError, NotADirectoryError, FileExistsError) as exc:
            raise ConfigError(self._cannot_lock(exc)) from None
        except OSError as exc:
            if not os.path.isdir(self.directory):  # not made: read-only, name too long...
                raise ConfigError(self._cannot_lock(exc)) from None
            raise

    def _cannot_lock(self, exc: OSError) -> str:
        return (f"Cannot lock output directory '{self.directory}': {exc.strerror or exc}. "
                f"Choose an output.dir this user can write to.")

    def _create(self, content: str) -> bool:
        """Make `.lock` with `content` if there is none; False if one exists."""
        tmp = write_temporary(self.directory, ".lock.new-", content)
        try:
            os.link(tmp, self.path)
            return True
        except FileExistsError:
            return False
        except OSError:  # no hard links here: create in place, exclusively
            return _create_exclusive(self.path, content)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def _take_over(self, stale: bytes, content: str) -> bool:
        """Replace the lock with ours if it still holds exactly `stale`; under the guard."""
        with _guard(self.directory):
            if _read_bytes(self.path) != stale:
                return False  # someone else cleared or took it meanwhile: look again
            tmp = write_temporary(self.directory, ".lock.new-", content)
            os.replace(tmp, self.path)
            return True


def _create_exclusive(path: Path, content: str) -> bool:
    try:
        handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())
    return True


@contextlib.contextmanager
def _guard(directory: Path) -> Iterator[None]:
    """An exclusive flock on directory/.lock.guard: the kernel frees it if its holder dies, so
    it can never go stale itself. The file stays (empty) in the directory."""
    path = directory / GUARD_NAME
    try:
        handle = os.open(path, os.O_CREAT | os.O_RDWR | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise ConfigError(_not_a_lock_file(path, exc.strerror or str(exc))) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing drops the flock


def _lock_record(command: str, token: str) -> dict[str, Any]:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "started": utc_now(), "command": command,
            "process": process_identity(pid), "token": token}


def _read_bytes(path: Path) -> bytes | None:
    """The lock file's bytes; None when there is none. Something there that cannot be a lock
    file (a directory, a symbolic link, an unreadable file) is a ConfigError (exit 2):
    waiting or retrying would not help."""
    if path.is_symlink():
        raise ConfigError(_not_a_lock_file(path, "it is a symbolic link"))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(_not_a_lock_file(path, exc.strerror or str(exc))) from None


def _not_a_lock_file(path: Path, why: str) -> str:
    return (f"Cannot use {path} as the output directory's lock file: {why}. This toolkit "
            f"writes that file itself; if no job is running there, remove {path} and run "
            f"again.")


def _parse(raw: bytes) -> dict[str, Any] | None:
    """The lock's record, or None if it is not one (hand-edited, truncated by a full disk)."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("host"), str):
        return None
    pid = record.get("pid")
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return None
    return record


def _workers(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The well-formed worker entries of a lock record (a hand-edited lock may have others)."""
    found = []
    for worker in record.get("workers") or []:
        pid = worker.get("pid") if isinstance(worker, dict) else None
        if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0:
            identity = worker.get("process")
            found.append({"pid": pid, "process": identity if isinstance(identity, str)
                          else None})
    return found


def _is_stale(holder: dict[str, Any]) -> bool:
    """True only when we can tell: same host, and its pid is not running, or is another
    process now (another boot or start time than recorded; for a lock without that record,
    a process that started after the lock was written)."""
    if holder["host"] != socket.gethostname():
        return False
    pid = holder["pid"]
    recorded = holder.get("process")
    if isinstance(recorded, str) and has_proc():
        return not is_running(pid, recorded)  # a zombie or gone: stale
    if not is_running(pid, None):
        return True
    try:
        written = datetime.fromisoformat(str(holder.get("started")))
    except ValueError:
        return False
    if written.tzinfo is None:
        written = written.replace(tzinfo=UTC)
    return started_after(pid, written)


def _held_message(directory: Path, path: Path, holder: dict[str, Any], stale: bool = False) -> str:
    who = (f"pid {holder['pid']} on host '{holder['host']}', started {holder.get('started')}, "
           f"command: {holder.get('command') or 'unknown'}")
    if stale:
        return (f"Output directory '{directory}' has a lock left by a job that is no longer "
                f"running ({who}). Delete {path} and run again.")
    if holder["host"] != socket.gethostname():
        where = (" That lock was taken on another host, so this machine cannot check whether its "
                 "process is still running.")
    elif holder["pid"] == os.getpid():
        where = " That is this very process: the directory is already locked by it."
    else:
        where = ""
    return (f"Output directory '{directory}' is in use by another pipeline job ({who}).{where} "
            f"Wait for that job to finish, or give this run another output.dir. If that process "
            f"is really gone (for example its machine was restarted), delete {path} and run "
            f"again.")


def _unreadable_message(directory: Path, path: Path) -> str:
    return (f"Output directory '{directory}' has a lock file, {path}, that is not a lock this "
            f"toolkit wrote (not the JSON it expects), so it cannot tell whether a job holds the "
            f"directory. If no job is running there, delete {path} and run again.")
