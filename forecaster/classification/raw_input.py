"""Raw model input as a table (what an MLflow pyfunc model receives) -> the sets classifiers read.

Text: a `text` column, one review per row. Numeric sequences: one case per row, its values
flattened step by step (step 1's channels first), empty (NaN) cells after a shorter case's end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecaster.classification.sequence_data import SequenceSet
from forecaster.errors import DataError

TEXT_COLUMN = "text"


def flatten_sequences(data: SequenceSet, rows: int | None = None) -> pd.DataFrame:
    """The first `rows` cases as a flat table (the inverse of `sequences_from_frame`)."""
    count = len(data) if rows is None else min(rows, len(data))
    steps, channels = data.values.shape[1:]
    flat = data.values[:count].reshape(count, steps * channels).astype(np.float64)
    for row, length in enumerate(data.lengths[:count]):
        flat[row, int(length) * channels:] = np.nan
    columns = [f"s{step}_c{channel}" for step in range(steps) for channel in range(channels)]
    return pd.DataFrame(flat, columns=columns)


def sequences_from_frame(frame: pd.DataFrame, channels: int, source: str) -> SequenceSet:
    """Cases from a flat table; a case ends where its row's values end (trailing NaN)."""
    if len(frame) == 0:
        raise DataError(f"{source} has no rows.")
    try:
        flat = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{source} must hold numbers only: one case per row, its values "
                        f"flattened step by step.") from None
    width = flat.shape[1]
    if width % channels:
        raise DataError(f"{source} has {width} columns, which is not a whole number of steps "
                        f"of {channels} channel(s) (the model's input).")
    present = np.isfinite(flat)
    # a case's length: the steps up to its last filled cell; gaps before that are an error
    filled = np.where(present.any(axis=1), width - np.argmax(present[:, ::-1], axis=1), 0)
    lengths = (filled + channels - 1) // channels
    inside = np.arange(width)[None, :] < (lengths * channels)[:, None]
    missing = inside & ~present
    if (lengths == 0).any() or missing.any():
        row = int(np.flatnonzero((lengths == 0) | missing.any(axis=1))[0])
        raise DataError(f"{source}, row {row}: a case needs numbers from its first step to its "
                        f"last, with empty cells only after its end.")
    steps = width // channels
    values = np.where(inside, flat, 0.0).reshape(len(flat), steps, channels).astype(np.float32)
    labels = np.array([""] * len(flat), dtype=str)
    return SequenceSet(values, lengths.astype(np.int64), labels, source)


def texts_from_frame(frame: pd.DataFrame, source: str, column: str = TEXT_COLUMN) -> list[str]:
    """The texts of `column`, refusing blank ones (they would carry no words to classify)."""
    if column not in frame.columns:
        raise DataError(f"{source} has no '{column}' column (columns: "
                        f"{', '.join(map(str, frame.columns))}). Pass the texts in a "
                        f"'{column}' column.")
    texts = frame[column].astype("string").fillna("").tolist()
    blank = [i for i, text in enumerate(texts) if not str(text).strip()]
    if blank:
        raise DataError(f"{source}: {len(blank)} empty text(s), first at row(s) "
                        f"{', '.join(map(str, blank[:5]))}. Remove them or fill them in.")
    return [str(text) for text in texts]
