"""Training progress: a live bar on a terminal, plain log lines for schedulers and pipes.

Once per epoch, and within an epoch that runs long (an 8-minute text epoch used to show nothing
until it ended): the batch count and the time left, at most every few seconds. Times read as
people say them ("6m 24s", "1h 02m"), never as "23924.8s".
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from tqdm.auto import tqdm

# An epoch reports its batches once it has run this long, then at most this often: short
# epochs never do, and a log stays a line every few seconds at worst.
LINE_EVERY_S = 5.0  # "lines" mode: schedulers' logs
BAR_EVERY_S = 1.0  # "bar" mode: the bar's text is rewritten in place


def duration(seconds: float) -> str:
    """A time span as people read it: "42s", "6m 24s", "1h 02m" (hours and minutes only
    beyond an hour, where the seconds are noise in an estimate).

    >>> duration(23924.8)
    '6h 39m'
    """
    whole = round(max(seconds, 0.0))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    minutes = round(whole / 60)
    return f"{minutes // 60}h {minutes % 60:02d}m"


def _screen() -> tuple[int, int]:
    """The terminal's (columns, lines), or (100, 24) where it reports none: some
    pseudo-terminals say 0 x 0, and tqdm would then draw an empty bar."""
    try:
        size = os.get_terminal_size(sys.stderr.fileno())
    except (OSError, ValueError):
        return 100, 24
    return (size.columns or 100), (size.lines or 24)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.5f}"


class Progress:
    """Reports each epoch (a line or a bar update) and the batches of a long epoch to stderr.

    `first_epoch` is where training starts (after a resumed checkpoint), so that the time left
    is estimated from the epochs this process ran. `clock` is the time source (seconds).
    """

    def __init__(self, epochs: int, mode: str = "auto", first_epoch: int = 1,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "lines"
        self.mode = mode
        self.epochs = epochs
        self.first_epoch = first_epoch
        self._clock = clock
        self.started = clock()
        self._epoch_started = self.started
        self._last_report = self.started
        columns, lines = _screen()
        self._bar = tqdm(total=epochs, initial=first_epoch - 1, unit="epoch", file=sys.stderr,
                         ncols=columns, nrows=lines, leave=True) if mode == "bar" else None

    def start_epoch(self) -> None:
        """Mark the start of an epoch, so that its batches are timed from here."""
        self._epoch_started = self._last_report = self._clock()

    def batch(self, epoch: int, done: int, total: int) -> None:
        """After `done` of `total` batches of `epoch`: report them if the epoch has run long
        enough, and not more often than every few seconds (cheap when it does not)."""
        if self.mode == "off" or done >= total:
            return
        now = self._clock()
        every = BAR_EVERY_S if self._bar is not None else LINE_EVERY_S
        if now - self._last_report < every:
            return
        self._last_report = now
        in_epoch = now - self._epoch_started
        epoch_left = in_epoch / done * (total - done)
        left = epoch_left + (in_epoch + epoch_left) * (self.epochs - epoch)
        if self._bar is not None:
            self._bar.set_postfix_str(f"batch {done}/{total}, epoch ends in "
                                      f"{duration(epoch_left)}")
            return
        print(f"batch {done}/{total} of epoch {epoch}/{self.epochs}  "
              f"elapsed {duration(now - self.started)}  epoch left {duration(epoch_left)}  "
              f"left <= {duration(left)}", file=sys.stderr, flush=True)

    def epoch(self, epoch: int, train_loss: float, val_loss: float | None, best: bool,
              waited: int = 0, patience: int = 0, val_accuracy: float | None = None) -> None:
        """One finished epoch. `best`: the best so far by what the loop watches (its weights
        are kept); `waited` of `patience`: epochs without a gain that counts for early
        stopping; `val_accuracy`: shown when the loop watches it."""
        wait = f"  patience {waited}/{patience}" if waited and patience else ""
        accuracy = "" if val_accuracy is None else f"  val_accuracy {val_accuracy:.4f}"
        if self._bar is not None:
            self._bar.set_postfix_str(f"train {_fmt(train_loss)} val {_fmt(val_loss)}"
                                      + ("" if val_accuracy is None else
                                         f" acc {val_accuracy:.4f}")
                                      + (" *" if best else "") + wait.replace("  ", " "))
            self._bar.update(1)
        elif self.mode == "lines":
            elapsed = self._clock() - self.started
            left = elapsed / max(epoch - self.first_epoch + 1, 1) * (self.epochs - epoch)
            print(f"epoch {epoch}/{self.epochs}  train_loss {_fmt(train_loss)}  "
                  f"val_loss {_fmt(val_loss)}{accuracy}{'  (best)' if best else ''}{wait}  "
                  f"elapsed {duration(elapsed)}  left <= {duration(left)}", file=sys.stderr,
                  flush=True)

    def message(self, text: str) -> None:
        if self.mode == "off":
            return
        if self._bar is not None:
            self._bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
