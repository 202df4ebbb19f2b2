"""Where a run directory goes by default. Writing it (whole or not at all, never over files
that are not ours) is `forecaster.output`."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path


def default_run_dir(name: str, root: Path | None = None) -> Path:
    """runs/<name>-<time> under $FORECASTER_RUNS_DIR (default ./runs)."""
    root = root or Path(os.environ.get("FORECASTER_RUNS_DIR", "runs"))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = root / f"{name}-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = root / f"{name}-{stamp}-{suffix}"
    return path
