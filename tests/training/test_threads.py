"""The thread policy: the cores less one by default, OMP_NUM_THREADS or an explicit count wins."""

from __future__ import annotations

import pytest
import torch

from forecaster.errors import ConfigError
from forecaster.training.threads import (
    default_threads,
    describe_threads,
    resolve_threads,
    usable_cores,
    use_threads,
)


def test_default_leaves_one_core_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    count, why = resolve_threads(None)
    assert count == default_threads() == max(1, usable_cores() - 1)
    assert "cores less one" in why


def test_explicit_count_and_environment_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert resolve_threads(None) == (3, "OMP_NUM_THREADS")
    assert resolve_threads(2) == (2, "asked for")
    assert describe_threads(1) == "1 CPU thread"
    assert describe_threads(2) == "2 CPU threads"


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_thread_counts_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"threads must be a whole number of at least 1, got"):
        resolve_threads(bad)  # type: ignore[arg-type]


def test_use_threads_sets_torch() -> None:
    before = torch.get_num_threads()
    try:
        assert use_threads(1) == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
