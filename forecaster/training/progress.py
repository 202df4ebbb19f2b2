"""Epoch progress: a live bar on a terminal, plain log lines for schedulers and pipes."""

from __future__ import annotations

import os
import sys
import time

from tqdm.auto import tqdm


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
    """Reports one line or bar update per epoch to stderr."""

    def __init__(self, epochs: int, mode: str = "auto") -> None:
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "lines"
        self.mode = mode
        self.epochs = epochs
        self.started = time.perf_counter()
        columns, lines = _screen()
        self._bar = tqdm(total=epochs, unit="epoch", file=sys.stderr, ncols=columns,
                         nrows=lines, leave=True) if mode == "bar" else None

    def epoch(self, epoch: int, train_loss: float, val_loss: float | None, best: bool) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"train {_fmt(train_loss)} val {_fmt(val_loss)}"
                                      + (" *" if best else ""))
            self._bar.update(1)
        elif self.mode == "lines":
            elapsed = time.perf_counter() - self.started
            left = elapsed / epoch * (self.epochs - epoch)
            print(f"epoch {epoch}/{self.epochs}  train_loss {_fmt(train_loss)}  "
                  f"val_loss {_fmt(val_loss)}{'  (best)' if best else ''}  "
                  f"elapsed {elapsed:.1f}s  left <= {left:.1f}s", file=sys.stderr, flush=True)

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
