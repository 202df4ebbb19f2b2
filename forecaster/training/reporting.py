"""What training tells a tracking backend. The base class does nothing (tracking off), so the
fit loop and the estimators never depend on MLflow; `forecaster.tracking` implements it."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class RunReporter:
    """start -> epoch (per epoch) -> finish(run_dir) (params, metrics, artefacts, model), or fail.

    Every method may be called when tracking is off; this base class ignores them all.
    """

    def start(self, run_name: str) -> None:
        """Open a run before training, so per-epoch metrics can be followed live."""

    def epoch(self, epoch: int, metrics: dict[str, float]) -> None:
        """Metrics of one finished epoch (train_loss, val_loss, ...), step = epoch."""

    def finish(self, run_dir: Path) -> Any:
        """Log everything the finished run directory holds and close the run."""
        return None

    def fail(self) -> None:
        """Close the run as failed (training raised)."""
