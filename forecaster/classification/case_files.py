"""Read labelled cases from a file, text or numeric sequences, as the caller says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from forecaster.data.input_files import first_line
from forecaster.errors import DataError

# What labelled cases can be; `auto` (the CLI's default) picks one from the file.
DATA_KINDS: tuple[str, ...] = ("text", "sequence")


def resolve_kind(kind: str, path: Path, steps: int | None, text_column: str = "text") -> str:
    """'auto': a .ts file, or a CSV given `steps` or without a header line (all numbers), holds
    sequences; a CSV whose header has the text column, or any other, holds texts."""
    if kind != "auto":
        return kind
    if path.suffix.lower() == ".ts" or steps is not None:
        return "sequence"
    from forecaster.classification.sequence_data import is_number

    header = first_line(path, "utf-8", errors="replace")
    names = [name.strip().strip('"') for name in header.split(",")]
    if text_column not in names and all(is_number(name) for name in names):
        return "sequence"
    return "text"


def read_cases(path: Path, kind: str, *, steps: int | None = None, text_column: str = "text",
               label_column: str | None = None, encoding: str = "utf-8",
               require_labels: bool = True) -> Any:
    """A TextSet (kind "text") or a SequenceSet (kind "sequence") from `path`."""
    path = Path(path)
    if kind == "text":
        from forecaster.classification.text_data import read_text_csv

        return read_text_csv(path, text_column=text_column, label_column=label_column or "label",
                             encoding=encoding, require_labels=require_labels)
    from forecaster.classification.sequence_data import read_flat_csv, read_ts

    if path.suffix.lower() == ".ts":
        return read_ts(path, encoding=encoding)
    if steps is None:
        raise DataError(f"'{path}' is a CSV of flattened sequences: say how many time steps "
                        f"each row holds with --steps (e.g. --steps 28 for MNIST).")
    return read_flat_csv(path, steps=steps, label_column=label_column or "last",
                         encoding=encoding)
