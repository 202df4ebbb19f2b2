"""A worker whose job is not its parent (a Ray task: its parent is Ray's raylet) watches the
job's process by pid and identity and ends itself when the job ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from forecaster.pipeline.lifeline import JobProcess
from forecaster.pipeline.processes import process_identity

WORKER = """
import sys, time
from forecaster.pipeline.lifeline import JobProcess, die_with_job

die_with_job(JobProcess(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
print("watching", flush=True)
time.sleep(600)
"""

needs_proc = pytest.mark.skipif(process_identity(os.getpid()) is None, reason="needs Linux /proc")


def start_worker(job: JobProcess) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, str(job.pid), job.identity or "",
                             job.host], stdout=subprocess.PIPE, text=True)


@needs_proc
@pytest.mark.slow
def test_a_worker_ends_soon_after_the_job_it_watches():
    job = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    worker = start_worker(JobProcess(job.pid, process_identity(job.pid), socket.gethostname()))
    try:
        assert worker.stdout.readline() == "watching\n"  # the job is alive: it keeps working
        assert worker.poll() is None
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
        assert worker.wait(timeout=120) == -signal.SIGKILL  # a guard against a hang
    finally:
        for process in (job, worker):
            if process.poll() is None:
                process.kill()
                process.wait()


@needs_proc
@pytest.mark.slow
def test_a_worker_of_a_job_already_gone_or_its_pid_reused_ends_at_once():
    # the recorded identity no longer matches the pid (a new process took it): the job is gone
    worker = start_worker(JobProcess(os.getpid(), "another-boot:1", socket.gethostname()))
    try:
        assert worker.wait(timeout=60) == -signal.SIGKILL
        assert worker.stdout.read() == ""  # ended before doing any work
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


@needs_proc
@pytest.mark.slow
def test_a_job_on_another_host_is_not_watched_from_here():
    worker = start_worker(JobProcess(os.getpid(), "another-boot:1", "some-other-host"))
    try:
        assert worker.stdout.readline() == "watching\n"
        assert worker.poll() is None
    finally:
        worker.kill()
        worker.wait()
