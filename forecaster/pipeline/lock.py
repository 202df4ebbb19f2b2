"""One job at a time per output directory: `directory/.lock`, taken atomically, freed on exit.

The lock file holds JSON {pid, host, started, command, ...}, so whoever finds it knows who holds
the directory. A lock left by a process that died (same host, pid no longer running, or the pid
now belongs to another process) is stale and is taken over; a lock from another host is never
judged from here, because its pid means nothing on this machine.

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
from pathlib import Path
from typing import Any

from forecaster.errors import ConfigError, ForecasterError
from forecaster.pipeline.files import utc_now, write_temporary

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
            if self._take_over(raw, content):
                self._token, self._pid = token, os.getpid()
                self.note = (f"Took over a stale lock on {self.directory}: pid {holder['pid']} "
                             f"on this host ({holder['host']}), started {holder.get('started')}, "
                             f"is no longer running.")
                logger.info(self.note)
                return self
        raise LockedError(f"Could not lock output directory '{self.directory}': other jobs kept "
                          f"taking and freeing {self.path} while this one tried. Run one job "
                          f"per output directory at a time.")

    def release(self) -> None:
        """Remove the lock if it is still ours (the one this object wrote, in this process)."""
        if not self.held:
            return
        holder = _parse(_read_bytes(self.path) or b"")
        if holder is not None and holder.get("token") == self._token:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        self._token = self._pid = None

    def _create_or_explain(self, content: str) -> bool:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            return self._create(content)
        except (PermissionError, NotADirectoryError, FileExistsError) as exc:
            raise ConfigError(f"Cannot lock output directory '{self.directory}': "
                              f"{exc.strerror or exc}. Choose an output.dir this user can write "
                              f"to.") from None

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
    handle = os.open(directory / GUARD_NAME, os.O_CREAT | os.O_RDWR, 0o644)
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
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


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


def process_identity(pid: int) -> str | None:
    """'<boot id>:<start time>' of a running process (Linux), None where it cannot be read or
    the process is a zombie. Tells a live holder from a new process that reused its pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
    after_name = stat.rsplit(")", 1)[-1].split()
    if len(after_name) < 20 or after_name[0] == "Z":  # fields 3.. of proc(5); 22 is starttime
        return None
    return f"{boot}:{after_name[19]}"


def _is_stale(holder: dict[str, Any]) -> bool:
    """True only when we can tell: same host, and its pid is not running (or is another
    process now)."""
    if holder["host"] != socket.gethostname():
        return False
    pid = holder["pid"]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    recorded = holder.get("process")
    if recorded and Path("/proc/self/stat").exists():
        return process_identity(pid) != recorded  # None: a zombie, or gone just now
    return False


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
