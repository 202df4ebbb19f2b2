"""How many CPU threads training uses: one policy for every command, the API and pipelines.

PyTorch starts one OpenMP thread per core. Recurrent networks of the sizes used here run many
small operations, and OpenMP threads wait for each other at the end of each one: when another
busy process holds one of the cores, the waiting threads spin against it and a fit becomes several
times slower (3.3-3.7x with one competing process on 2 cores, `benchmarks/busy_machine.py`).
Leaving a core free always would cost a quiet 2-core run about a third of its speed, and no
OpenMP wait policy fixes both (passive waiting is 2.4-3.7x slower when quiet; measured there).

So, unless the count is fixed (`threads=` / `--threads`, or the user's own ``OMP_NUM_THREADS``),
training follows the machine: it starts on every usable core less those other processes are
using, and every couple of seconds it compares the CPU time other processes took on our cores
with the cores there are, and moves the thread count to the cores left free. A quiet machine keeps
every core (and the run repeats exactly); a busy one costs a core instead of a stall. A fixed count
never changes, which is what makes a run on a busy machine repeat exactly too: results differ in
the last digits between thread counts.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field

from forecaster.errors import ConfigError

_SAMPLE_SECONDS = 0.15  # the first look, before training starts
_CHECK_SECONDS = 2.0  # then at most this often, between batches
MAX_THREADS = 1024
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
                          f"Leave it unset to follow the machine's load ({usable_cores()} "
                          f"cores here).")
    if threads > MAX_THREADS:
        # Far more threads than any machine has cores only slows training, and past a few
        # thousand the math library cannot start them (a RuntimeError in the middle of a fit).
        raise ConfigError(f"threads={threads} is too many: at most {MAX_THREADS}. Leave it unset "
                          f"to follow the machine's load ({usable_cores()} cores here).")


def fixed_threads(threads: int | None = None) -> int | None:
    """The thread count the user fixed (argument, else OMP_NUM_THREADS), or None: follow load."""
    check_threads(threads)
    if threads is not None:
        return threads
    from_env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if from_env.isdigit() and int(from_env) > MAX_THREADS:
        raise ConfigError(f"OMP_NUM_THREADS={from_env} is too many threads: at most "
                          f"{MAX_THREADS}. Unset it to follow the machine's load.")
    if from_env.isdigit() and int(from_env) > 0:
        return int(from_env)
    return None


def describe_threads(threads: int | None = None) -> str:
    """Words for the line that names the seed: what the count is and how to repeat a run."""
    fixed = fixed_threads(threads)
    if fixed is not None:
        return (f"{fixed} CPU thread{'' if fixed == 1 else 's'} (a CPU run with the same seed "
                f"and threads repeats exactly)")
    cores = usable_cores()
    return (f"up to {cores} CPU thread{'' if cores == 1 else 's'}, fewer while other processes "
            f"need the cores (a CPU run with the same seed and threads repeats exactly; "
            f"--threads fixes them)")


def _busy_ticks(cores: set[int]) -> int | None:
    """Clock ticks the CPUs in `cores` spent busy since boot (/proc/stat), or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            lines = stat.readlines()
    except OSError:
        return None
    busy = 0
    for line in lines:
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in cores:
            continue
        values = [int(value) for value in rest.split()]
        busy += sum(values[:8]) - values[3] - values[4]  # all but idle and iowait
    return busy


@dataclass
class ThreadGovernor:
    """Sets PyTorch's intra-op threads for one fit, and moves them with the machine's load.

    `tick()` is called between batches; it costs a clock read, and a read of /proc/stat at most
    every couple of seconds. `used` lists the counts in the order they were used.
    """

    threads: int | None = None
    used: list[int] = field(default_factory=list)
    fixed: int | None = field(init=False, default=None)
    cores: int = field(init=False, default=1)

    def __post_init__(self) -> None:
        self.fixed = fixed_threads(self.threads)
        self._affinity = (set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else set(range(os.cpu_count() or 1)))
        self.cores = len(self._affinity)
        self._mark: tuple[float, float, int] | None = None

    def start(self) -> int:
        """Choose the first count (a short look at the load, unless fixed) and set it."""
        if self.fixed is not None or self.cores == 1:
            return self._set(self.fixed or 1)
        self._mark = self._reading()
        if self._mark is None:  # no /proc/stat: leave one core free, the safe choice
            return self._set(max(1, self.cores - 1))
        time.sleep(_SAMPLE_SECONDS)
        return self._set(self._free_cores() or self.cores)

    def tick(self) -> int | None:
        """Between batches: the new count when the load moved it, else None."""
        if self._mark is None or time.monotonic() - self._mark[0] < _CHECK_SECONDS:
            return None
        free = self._free_cores()
        if free is None or free == self.used[-1]:
            return None
        return self._set(free)

    def _reading(self) -> tuple[float, float, int] | None:
        busy = _busy_ticks(self._affinity)
        return None if busy is None else (time.monotonic(), time.process_time(), busy)

    def _free_cores(self) -> int | None:
        """Cores other processes left free since the last reading (which this one replaces)."""
        before, now = self._mark, self._reading()
        if before is None or now is None:
            return None
        self._mark = now
        wall = now[0] - before[0]
        if wall <= 0:
            return None
        ours = now[1] - before[1]
        others = max(0.0, (now[2] - before[2]) / _CLOCK_TICKS - ours) / wall  # in cores
        return max(1, min(self.cores, self.cores - math.floor(others + 0.5)))

    def _set(self, count: int) -> int:
        import torch

        if torch.get_num_threads() != count:
            torch.set_num_threads(count)
        if not self.used or self.used[-1] != count:
            self.used.append(count)
        return count
