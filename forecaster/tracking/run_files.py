"""Which files of a run directory go to MLflow: only the ones a run writes, and never through a
symlink that leads out of the directory (a tampered run must not upload ~/.ssh or /etc).

Everything else found there is left out and named, so that `forecaster track` can say so.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# What `forecaster train` and `forecaster classify train` write at the top of a run directory
# (besides model/), and inside model/.
RUN_ARTIFACTS = ("metrics.json", "predictions.csv", "forecast.csv", "plot.png", "loss.png",
                 "confusion.png", "model_card.md")
MODEL_DIR = "model"
MODEL_FILES = ("config.json", "weights.safetensors", "history_tail.csv", "input_example.csv")


@dataclass
class RunFiles:
    """The run's own files that are safe to read and upload, and what was left out (why)."""

    root: Path
    artifacts: list[Path] = field(default_factory=list)
    model_files: list[Path] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def has(self, relative: str) -> bool:
        return any(path == self.root / relative for path in
                   [*self.artifacts, *self.model_files])


def run_files(run_dir: Path) -> RunFiles:
    """The known files of `run_dir` that are regular files inside it (a symlink that stays
    inside is followed, one that leads out is left out), and the names of everything else."""
    root = Path(run_dir)
    found = RunFiles(root)
    if not root.is_dir():
        return found
    for entry in sorted(root.iterdir()):
        if entry.name == MODEL_DIR and _inside(entry, root) and entry.resolve().is_dir():
            for inner in sorted(entry.iterdir()):
                _sort(inner, root, inner.name in MODEL_FILES, found.model_files, found,
                      f"{MODEL_DIR}/{inner.name}")
            continue
        _sort(entry, root, entry.name in RUN_ARTIFACTS, found.artifacts, found, entry.name)
    return found


def _sort(path: Path, root: Path, known: bool, into: list[Path], found: RunFiles,
          shown: str) -> None:
    if not _inside(path, root):
        found.left_out.append(f"{shown} (a symlink pointing outside the run directory)")
    elif not known:
        found.left_out.append(f"{shown} (not a file a run writes)")
    elif not path.resolve().is_file():
        found.left_out.append(f"{shown} (not a regular file)")
    else:
        into.append(path)


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root.resolve())


@contextmanager
def staged_model(files: RunFiles) -> Iterator[Path]:
    """A temporary copy of model/ holding only its known, safe files: what MLflow copies into
    the logged model (it would follow any symlink in the real directory)."""
    with tempfile.TemporaryDirectory(prefix="forecaster-model-") as tmp:
        staged = Path(tmp) / MODEL_DIR
        staged.mkdir()
        for path in files.model_files:
            shutil.copyfile(path, staged / path.name)
        yield staged
