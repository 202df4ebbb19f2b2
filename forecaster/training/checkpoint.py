"""Per-epoch checkpoints, so a killed job resumes mid-training and ends where an uninterrupted
run with the same seed would have ended (CPU).

A checkpoint holds the model and optimiser states, the best weights so far, the history, and the
random-number states that decide batch order and dropout. It is written to a temporary file and
renamed, so a kill leaves the previous checkpoint intact. Loading uses `torch.load` with
`weights_only=True`: tensors, numbers and strings only, never arbitrary pickled objects.
"""

from __future__ import annotations

import contextlib
import glob
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from forecaster.output import TMP_MARK, atomic_write_bytes


@dataclass
class Checkpoint:
    """Where to keep a fit's checkpoint, how often, and the key that must match to resume (a
    checkpoint of another configuration or other data is ignored, not resumed)."""

    path: Path
    key: str = ""
    every: int = 1  # epochs between saves

    def due(self, epoch: int) -> bool:
        return self.every > 0 and epoch % self.every == 0

    def save(self, state: dict[str, Any]) -> None:
        """Serialise in memory, then write whole-or-nothing: torch.save straight to a file
        reports a full disk as an opaque RuntimeError, a plain write as the OSError it is."""
        buffer = io.BytesIO()
        torch.save({**state, "key": self.key}, buffer)
        atomic_write_bytes(self.path, buffer.getvalue())

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none, it is unreadable, or its key differs."""
        if not self.path.is_file():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception:  # a torn or foreign file: start afresh rather than fail the job
            return None
        return state if isinstance(state, dict) and state.get("key") == self.key else None

    def clear(self) -> None:
        """Remove the checkpoint, what a killed save left beside it, and its folder when that
        is left empty."""
        self.path.unlink(missing_ok=True)
        for leftover in self.path.parent.glob(f".{glob.escape(self.path.name[:40])}*{TMP_MARK}*"):
            leftover.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.path.parent.rmdir()
