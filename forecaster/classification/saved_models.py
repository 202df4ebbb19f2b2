"""Load whichever classifier a model directory holds, and classify raw tables with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ModelFileError


def model_kind(path: str | Path) -> str | None:
    """The `kind` in a model directory's config.json (None when unreadable: load says why)."""
    try:
        return json.loads((Path(path) / "config.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None


def load_classifier(path: str | Path) -> Any:
    """A SequenceClassifier or TextClassifier from its saved directory."""
    kind = model_kind(path)
    if kind == "text_classifier":
        from forecaster.classification.text_classifier import TextClassifier

        return TextClassifier.load(path)
    if kind == "sequence_classifier" or kind is None:  # None: let load name the problem
        from forecaster.classification.sequence_classifier import SequenceClassifier

        return SequenceClassifier.load(path)
    raise ModelFileError(f"'{path}' holds a {kind!r} model, not a classifier; use "
                         f"`forecaster predict` for forecasting models.")


def is_text_model(model: Any) -> bool:
    return hasattr(model, "vocabulary_")


def classify_frame(model: Any, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Labels and class probabilities for raw cases in a table (see raw_input)."""
    from forecaster.classification.raw_input import sequences_from_frame, texts_from_frame

    if is_text_model(model):
        from forecaster.classification.text_data import TextSet

        cases = TextSet(texts_from_frame(frame, source), None, source)
    else:
        cases = sequences_from_frame(frame, len(model.mean_), source)
    return probabilities_table(model, model.predict_proba(cases))


def probabilities_table(model: Any, proba: np.ndarray) -> pd.DataFrame:
    labels = [model.classes_[i] for i in proba.argmax(axis=1)]
    return pd.DataFrame({"label": labels, **{f"probability_{label}": proba[:, i]
                                              for i, label in enumerate(model.classes_)}})
