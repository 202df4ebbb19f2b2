"""Workers die with their job.

A worker process that outlives a SIGKILLed job keeps training and writing into the job's output
directory while a re-run trains the same series again: two writers in one directory. So each
worker, as it starts:
- asks the kernel for SIGKILL when its parent dies (Linux `prctl(PR_SET_PDEATHSIG)`), then
  checks that the parent is still the job (it may have died before the request was made);
- starts a daemon thread that looks at its parent (or, for a Ray task, at the job's process by
  pid and identity) twice a second and kills its own process when the job is gone: the way
  out where there is no parent-death signal, and a second guard where there is.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from forecaster.pipeline.processes import is_running, process_identity

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 0.5
_watched: set[tuple[int, str | None]] = set()
_watched_lock = threading.Lock()


@dataclass(frozen=True)
class JobProcess:
    """The job's process as a worker elsewhere (a Ray task) can recognise it."""

    pid: int
    identity: str | None
    host: str

    @classmethod
    def this(cls) -> JobProcess:
        pid = os.getpid()
        return cls(pid, process_identity(pid), socket.gethostname())


def set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent_pid: int) -> None:
    """In a local worker process: end it the moment its parent, the job `parent_pid`, ends."""
    set_parent_death_signal()
    if os.getppid() != parent_pid:  # the job died before the signal was asked for
        _die()
    _watch((parent_pid, None), lambda: os.getppid() == parent_pid)


def die_with_job(job: JobProcess) -> None:
    """In a Ray worker (whose parent is Ray's, not the job): end it when the job's process
    ends, if that process is on this host; started once per worker process."""
    if job.host != socket.gethostname():
        return  # a driver on another machine: its pid means nothing here; Ray's own
    if not is_running(job.pid, job.identity):  # job-exit handling applies
        _die()
    _watch((job.pid, job.identity), lambda: is_running(job.pid, job.identity))


def _watch(key: tuple[int, str | None], alive: Callable[[], bool]) -> None:
    with _watched_lock:
        if key in _watched:
            return
        _watched.add(key)
    threading.Thread(target=_watch_loop, args=(alive,), name="forecaster-lifeline",
                     daemon=True).start()


def _watch_loop(alive: Callable[[], bool]) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if not alive():
            _die()


def _die() -> None:
    """End this process now, without cleanup that could write a half-finished file."""
    os.kill(os.getpid(), signal.SIGKILL)
    os._exit(137)  # not reached where SIGKILL exists
