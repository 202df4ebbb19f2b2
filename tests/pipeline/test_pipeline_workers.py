"""Workers die with their job: a `forecaster run` with two worker processes is SIGKILLed while
they train; every one of its processes is gone soon after, and nothing more is written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecaster.pipeline.lock import LOCK_NAME
from forecaster.pipeline.processes import process_identity

ROOT = Path(__file__).resolve().parents[2]
GAFA = ROOT / "datasets" / "gafa_stock.csv"

# long enough that no ticker can finish before the kill; the model keys are left at defaults
LONG = """\
name: nightly
data: {{path: {data}, id_column: Symbol, date_column: Date, targets: [Close]}}
preprocessing: {{lookback: 20, horizon: 1}}
training: {{epochs: 500, patience: 0, batch_size: 64, seed: 0, device: cpu}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
execution: {{workers: 2}}
"""

pytestmark = pytest.mark.skipif(process_identity(os.getpid()) is None,
                                reason="needs Linux /proc to find the job's processes")


def children_of(pid: int) -> dict[int, str]:
    """pid -> identity of every running child of `pid`, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        identity = process_identity(int(entry.name))
        if int(fields[1]) == pid and identity is not None:
            found[int(entry.name)] = identity
    return found


def wait_for(condition, timeout: float, what: str,
             job: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if job is not None and job.poll() is not None:
            raise AssertionError(f"the job ended (exit {job.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def lock_workers(out: Path) -> list[dict]:
    try:
        return json.loads((out / LOCK_NAME).read_text(encoding="utf-8")).get("workers", [])
    except (OSError, ValueError):
        return []


def newest_write(folder: Path) -> float:
    return max(path.lstat().st_mtime for path in folder.rglob("*"))


@pytest.mark.slow
def test_workers_die_with_a_sigkilled_job_and_write_nothing_after(tmp_path):
    out = tmp_path / "out"
    pipeline = tmp_path / "nightly.yaml"
    pipeline.write_text(LONG.format(data=GAFA, out=out), encoding="utf-8")
    env = {**os.environ, "FORECASTER_NO_TRACKING": "1", "OMP_NUM_THREADS": "1"}
    with open(tmp_path / "stderr.txt", "w", encoding="utf-8") as stderr:  # never a full pipe
        job = subprocess.Popen([sys.executable, "-m", "forecaster", "run", str(pipeline),
                                "--log-format", "json"], stdout=subprocess.DEVNULL,
                               stderr=stderr, env=env)
    try:
        # the job records both workers in its lock; a worker has trained an epoch when its
        # series' checkpoint appears
        wait_for(lambda: len(lock_workers(out)) == 2, 120, "two workers in the lock", job)
        wait_for(lambda: any((out / ".work").glob("*/checkpoint.pt")), 300,
                 "a worker's first checkpoint", job)
        processes = children_of(job.pid)
        recorded = {worker["pid"]: worker["process"] for worker in lock_workers(out)}
        assert recorded.items() <= processes.items()  # the lock names the real workers
        killed_at = time.time()
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
    wait_for(lambda: not [pid for pid, identity in processes.items()
                          if process_identity(pid) == identity], 15,
             f"the job's processes {sorted(processes)} to end")
    assert newest_write(out) < killed_at + 1.0  # nothing written after the kill
    assert not list((out / "series").glob("*/metrics.json"))  # no series finished
