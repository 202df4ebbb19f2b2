"""SIGTERM stops training the way Ctrl-C does.

A scheduler's timeout or a plain `kill` sends SIGTERM, whose default ends the process at once:
the epochs trained are lost and a tracking run is left RUNNING. Within `stop_signals`, SIGTERM
raises `Terminated`, a `KeyboardInterrupt`, so that everything that handles Ctrl-C handles it
alike: the fit loop keeps the best model so far, the run directory is written, the tracked-run
lifecycle closes the MLflow run as KILLED. `Stop.exit_code` is then what a shell reports for
the signal (130 for Ctrl-C, 143 for SIGTERM), so scripts can tell the run stopped early.

Examples
--------
>>> from forecaster.training.signals import stop_signals
>>> with stop_signals() as stop:
...     pass  # model.fit(...) here
>>> stop.received is None
True
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

EXIT_SIGNAL: dict[signal.Signals, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + n
_deferring = 0  # > 0 inside `signals_deferred`


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as on Ctrl-C."""

    signal_name = "SIGTERM"


@dataclass
class Stop:
    """Which signal stopped the work inside `stop_signals`, if one did."""

    received: signal.Signals | None = None

    @property
    def exit_code(self) -> int | None:
        """128 + the signal's number, as shells report it; None when no signal came."""
        return EXIT_SIGNAL[self.received] if self.received is not None else None


@contextmanager
def stop_signals() -> Iterator[Stop]:
    """Within the block, SIGTERM raises `Terminated` and Ctrl-C `KeyboardInterrupt` in the
    main thread, and the `Stop` yielded records which came. A handler someone else set (a
    pipeline job's, an application that ignores SIGTERM) is left alone, and so is every signal
    outside the main thread, where Python cannot set handlers."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def interrupt(signum: int, _frame: Any) -> None:
        stop.received = signal.Signals(signum)
        if _deferring:  # a run directory is being written: finish it, exit afterwards
            return
        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    saved = {sig: signal.getsignal(sig) for sig in defaults}
    for sig, default in defaults.items():
        if saved[sig] is default:
            signal.signal(sig, interrupt)
    try:
        yield stop
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Within the block, a Ctrl-C or SIGTERM that `stop_signals` catches is recorded, not
    raised: the run directory being written is finished (the trained model is not thrown away
    a second before it is saved), and the command exits 130/143 afterwards. Outside
    `stop_signals` (the Python API, a pipeline job's own handlers) it changes nothing."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
