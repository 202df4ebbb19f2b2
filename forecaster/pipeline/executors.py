"""Where a job's series run: in this process, in local worker processes, or on a Ray cluster.

Each executor takes the same `SeriesTask`s and hands back `SeriesOutcome`s as they finish, so
the job (manifest, tracking, summary) does not care where the work happened.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

from forecaster.errors import ConfigError
from forecaster.pipeline.lifeline import JobProcess, die_with_job, die_with_parent
from forecaster.pipeline.work import SeriesOutcome, SeriesTask, run_series


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    """Torch threads per worker so that workers x threads does not exceed the cores: on a
    shared CPU, oversubscribed OpenMP threads slow small-model training many times over."""
    return max(1, available_cores() // max(workers, 1))


def run_in_process(tasks: list[SeriesTask], started: Callable[[SeriesTask], None]
                   ) -> Iterator[SeriesOutcome]:
    for task in tasks:
        started(task)
        yield run_series(task)


def _worker_setup(job_pid: int) -> None:
    """Workers die with the job (see `lifeline`), and leave Ctrl-C and SIGTERM to it, which
    stops them itself (a worker must not take Ctrl-C as "keep the half-trained model" and
    report its series done)."""
    die_with_parent(job_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    atexit.register(gc.freeze)  # skip the last full collection over torch's objects: ~2.5 s


def run_in_workers(tasks: list[SeriesTask], workers: int,
                   started: Callable[[SeriesTask], None],
                   spawned: Callable[[list[int]], None] | None = None
                   ) -> Iterator[SeriesOutcome]:
    """Series in parallel local processes (spawned: no inherited torch or OpenMP state).
    `spawned` hears the worker pids whenever they change (the job's lock records them)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_setup,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("spawn"))
    queue = list(tasks)
    running: dict[Any, SeriesTask] = {}
    pids: list[int] = []
    try:
        while queue or running:
            while queue and len(running) < workers:  # submit only what can start now, so
                task = queue.pop(0)                    # "started" means started
                running[pool.submit(run_series, task)] = task
                started(task)
            now = sorted(getattr(pool, "_processes", None) or {})  # started by submit (spawn)
            if spawned is not None and now != pids:
                pids = now
                spawned(pids)
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                exc = future.exception()
                yield (future.result() if exc is None else
                       SeriesOutcome(task.spec.series_id, "failed",
                                     f"the worker process died ({type(exc).__name__}: {exc})"))
    finally:
        for process in list(getattr(pool, "_processes", {}).values()):
            if process.is_alive() and running:
                process.terminate()  # stopping early: do not wait for half-trained series
        pool.shutdown(wait=True, cancel_futures=True)


def run_on_ray(tasks: list[SeriesTask], workers: int, address: str | None,
               started: Callable[[SeriesTask], None]) -> Iterator[SeriesOutcome]:
    """The same tasks as Ray remote functions: `address` a cluster ("auto", "ray://host:10001"),
    or None for a local Ray instance started for this job with `workers` CPUs."""
    try:
        import ray
    except ImportError:
        raise ConfigError("executor: ray needs Ray: pip install 'forecaster[ray]' (or choose "
                          "executor: local).") from None
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "configure_logging": False}
        if address is None:
            options["num_cpus"] = workers
        ray.init(address=address, **options)
    remote = ray.remote(num_cpus=1, max_retries=0)(_run_series_for)
    job = JobProcess.this()
    try:
        pending = {}
        for task in tasks:
            pending[remote.remote(task, job)] = task
            started(task)
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                task = pending.pop(ref)
                try:
                    yield ray.get(ref)
                except Exception as exc:  # the task's process died
                    yield SeriesOutcome(task.spec.series_id, "failed",
                                        f"the Ray task failed ({type(exc).__name__}: {exc})")
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()


def _run_series_for(task: SeriesTask, job: JobProcess) -> SeriesOutcome:
    """A Ray task: the series, in a worker that dies with the job if the job is on this host
    (Ray's workers are children of its raylet, not of the job)."""
    die_with_job(job)
    return run_series(task)
