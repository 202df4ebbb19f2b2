"""Telling a process from a later one that reuses its pid, and stopping a dead job's workers.

A pid alone names a process only while it runs: once it exits, the kernel may hand the number
to any new process. A process's identity here is '<boot id>:<start time in clock ticks>' (Linux
/proc: field 22 of /proc/<pid>/stat and /proc/sys/kernel/random/boot_id), which no later
process shares. Where /proc is missing (macOS, Windows) identities are None and callers fall
back to what a pid alone can say.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from datetime import datetime
from pathlib import Path

_PROC = Path("/proc")


def has_proc() -> bool:
    return (_PROC / "self" / "stat").exists()


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/<pid>/stat (after the parenthesised name), None if unreadable."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields if len(fields) >= 20 else None


def process_identity(pid: int) -> str | None:
    """'<boot id>:<start time>' of a running process (Linux), None where it cannot be read or
    the process is a zombie (it runs no code any more)."""
    fields = _stat_fields(pid)
    try:
        boot = (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        return None
    if fields is None or fields[0] == "Z":  # fields[0] is field 3, the state
        return None
    return f"{boot}:{fields[19]}"  # fields[19] is field 22, starttime


def is_running(pid: int, identity: str | None) -> bool:
    """Whether the process recorded as (`pid`, `identity`) still runs. Without an identity (or
    /proc) a live pid is taken at its word."""
    if identity and has_proc():
        return process_identity(pid) == identity
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    return True


def started_after(pid: int, moment: datetime, slack: float = 2.0) -> bool:
    """True when the process `pid` started more than `slack` seconds after `moment` (so it
    cannot be the process that wrote something at `moment`); False when it cannot be told."""
    fields = _stat_fields(pid)
    try:
        boot_time = next(int(line.split()[1]) for line in
                         (_PROC / "stat").read_text().splitlines() if line.startswith("btime "))
        ticks = os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, StopIteration):
        return False
    if fields is None:
        return False
    started = boot_time + int(fields[19]) / ticks
    return started > moment.timestamp() + slack


def stop_processes(processes: list[tuple[int, str]], timeout: float = 10.0) -> list[int]:
    """SIGKILL each (pid, identity) that still is that process, and wait until they are gone;
    the pids still running after `timeout` (another user's, say) are returned. A pid that now
    belongs to another process is never signalled: the identity is checked through a pidfd,
    which keeps naming the same process however pids are reused meanwhile."""
    for pid, identity in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            _kill_if_same(pid, identity)
    deadline = time.monotonic() + timeout
    left = [(pid, identity) for pid, identity in processes if is_running(pid, identity)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [(pid, identity) for pid, identity in left if is_running(pid, identity)]
    return [pid for pid, _ in left]


def _kill_if_same(pid: int, identity: str) -> None:
    pidfd_open = getattr(os, "pidfd_open", None)
    send = getattr(signal, "pidfd_send_signal", None)
    if pidfd_open is None or send is None:
        if process_identity(pid) == identity:
            os.kill(pid, signal.SIGKILL)
        return
    try:
        handle = pidfd_open(pid)
    except OSError as exc:  # ENOSYS on old kernels: the plain way
        if isinstance(exc, ProcessLookupError):
            raise
        if process_identity(pid) == identity:
            os.kill(pid, signal.SIGKILL)
        return
    try:
        if process_identity(pid) == identity:  # checked after the pidfd pinned the process
            send(handle, signal.SIGKILL)
    finally:
        os.close(handle)
