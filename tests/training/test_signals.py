"""Within stop_signals SIGTERM is Ctrl-C: the fit loop keeps the best model so far and says which
signal stopped it; handlers that others set are left alone, and the old ones come back after."""

from __future__ import annotations

import os
import signal
import sys

import pytest
import torch
from pairs import InterruptedInEpoch3, Pairs
from torch import nn

from forecaster.training import TrainConfig, fit
from forecaster.training.signals import Terminated, stop_signals

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")




def data() -> tuple[Pairs, Pairs]:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(256, 4, generator=generator)
    y = x.sum(dim=1, keepdim=True)
    return Pairs(x[:192], y[:192]), Pairs(x[192:], y[192:])


def test_sigterm_in_fit_keeps_the_best_model_so_far(capsys):
    train, val = data()
    with stop_signals() as stop:
        history = fit(InterruptedInEpoch3(lambda: os.kill(os.getpid(), signal.SIGTERM)),
                      train, val, nn.functional.mse_loss,
                      TrainConfig(epochs=30, batch_size=32, patience=0, progress="lines",
                                  device="cpu"))
    assert history.interrupted and history.epochs_run == 2
    assert stop.received == signal.SIGTERM and stop.exit_code == 143
    assert ("Interrupted by SIGTERM: keeping the best model so far (epoch 2 of 2 finished)."
            in capsys.readouterr().err)


def test_sigterm_raises_terminated_a_keyboard_interrupt_and_the_handler_comes_back():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as raised, stop_signals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
    assert isinstance(raised.value, KeyboardInterrupt)
    assert stop.received == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before


def test_ctrl_c_is_recorded_with_exit_code_130():
    with pytest.raises(KeyboardInterrupt) as raised, stop_signals() as stop:
        os.kill(os.getpid(), signal.SIGINT)
    assert not isinstance(raised.value, Terminated)
    assert stop.exit_code == 130


def test_a_handler_someone_else_set_is_left_alone():
    heard = []
    saved = signal.signal(signal.SIGTERM, lambda signum, _frame: heard.append(signum))
    try:
        with stop_signals() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
        assert heard == [signal.SIGTERM] and stop.received is None
    finally:
        signal.signal(signal.SIGTERM, saved)


def test_a_signal_while_a_run_directory_is_written_waits_for_it(tmp_path):
    """SIGTERM after training, while the run is being written, used to throw the finished run
    away; now the directory is completed and the signal is only recorded (the CLI then exits
    143)."""
    import os
    import signal

    from forecaster.output import atomic_directory
    from forecaster.training.signals import Terminated, stop_signals

    out = tmp_path / "run"
    with stop_signals() as stop:
        with atomic_directory(out) as tmp:
            (tmp / "metrics.json").write_text("{}")
            os.kill(os.getpid(), signal.SIGTERM)  # delivered here, between bytecodes
            (tmp / "after.txt").write_text("written after the signal")
        assert stop.received == signal.SIGTERM
        assert sorted(path.name for path in out.iterdir()) == ["after.txt", "metrics.json"]
        with pytest.raises(Terminated):  # outside a write, SIGTERM stops the work at once
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):
                pass
