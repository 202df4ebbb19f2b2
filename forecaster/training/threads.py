"""How many CPU threads training uses: one policy for every command, the API and pipelines.

PyTorch starts one OpenMP thread per core. Recurrent networks of the sizes used here run many
small operations, and OpenMP threads wait for each other at the end of every one of them: when
another busy process holds one of the cores, the waiting threads spin against it and a fit becomes
tens of times slower (measured in `benchmarks/busy_machine.py`). Leaving one core free costs a
quiet run little and keeps a shared machine usable, so the default is the usable cores less one
(at least one). A user's own ``OMP_NUM_THREADS`` or an explicit ``threads`` wins.
"""

from __future__ import annotations

import os

from forecaster.errors import ConfigError


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def check_threads(threads: int | None) -> None:
    """Refuse a thread count that is not a positive whole number, naming what was given."""
    if threads is None:
        return
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ConfigError(f"threads must be a whole number of at least 1, got {threads!r}. "
                          f"Leave it unset to use {default_threads()} on this machine.")


def default_threads() -> int:
    """The usable cores less one, at least one (see the module docstring for why)."""
    return max(1, usable_cores() - 1)


def resolve_threads(threads: int | None = None) -> tuple[int, str]:
    """(thread count, where it came from) for a fit asked to use `threads` (None: the default)."""
    check_threads(threads)
    if threads is not None:
        return threads, "asked for"
    from_env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if from_env.isdigit() and int(from_env) > 0:
        return int(from_env), "OMP_NUM_THREADS"
    return default_threads(), f"default: {usable_cores()} cores less one, at least one"


def use_threads(threads: int | None = None) -> int:
    """Set PyTorch's intra-op thread count by the policy and return it."""
    import torch

    count, _ = resolve_threads(threads)
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


def describe_threads(threads: int | None = None) -> str:
    """'1 CPU thread' / '3 CPU threads', for the line that also names the seed."""
    count, _ = resolve_threads(threads)
    return f"{count} CPU thread" + ("" if count == 1 else "s")
