"""The thread policy: a fixed count (argument or OMP_NUM_THREADS) is kept; otherwise the fit
starts on the cores other processes leave free and follows them."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import torch

from forecaster.errors import ConfigError
from forecaster.training.threads import (
    ThreadGovernor,
    describe_threads,
    fixed_threads,
    usable_cores,
)


@pytest.fixture
def torch_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_an_explicit_count_or_the_environment_fixes_the_threads(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert fixed_threads(None) == 3
    assert fixed_threads(2) == 2
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert fixed_threads(None) is None
    assert describe_threads(1).startswith("1 CPU thread (a CPU run with the same seed and threads")
    assert describe_threads(None).startswith(f"up to {usable_cores()} CPU thread")
    assert "--threads fixes them" in describe_threads(None)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_thread_counts_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"threads must be a whole number of at least 1, got"):
        fixed_threads(bad)  # type: ignore[arg-type]


def test_a_fixed_count_is_set_and_never_moved(torch_threads) -> None:
    governor = ThreadGovernor(1)
    assert governor.start() == 1 and torch.get_num_threads() == 1
    assert governor.tick() is None
    assert governor.used == [1]


@pytest.mark.slow  # starts busy subprocesses
@pytest.mark.skipif(usable_cores() < 2 or not sys.platform.startswith("linux"),
                    reason="needs /proc/stat and two cores")
def test_the_threads_follow_a_competing_process(torch_threads, monkeypatch) -> None:
    """A real busy process on every core but one takes those cores from the fit; when it is
    gone, the cores come back. Readings are forced (no 2 s wait), not timed."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    governor = ThreadGovernor(None)
    governor._mark = governor._reading()
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(usable_cores() - 1)]
    try:
        _let_a_second_pass()
        assert governor._set(governor._free_cores()) == 1
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    governor._mark = governor._reading()
    _let_a_second_pass()
    assert governor._set(governor._free_cores()) == usable_cores()
    assert governor.used[-2:] == [1, usable_cores()]


def _let_a_second_pass() -> None:
    """The readings count clock ticks (10 ms each): a second gives the spinners ~100 per core."""
    time.sleep(1.0)
