"""Load whichever classifier a model directory holds, and classify raw tables with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.errors import ConfigError, ModelFileError

KINDS = ("sequence_classifier", "text_classifier")


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


TEXT_ONLY = ("embedding_dim", "max_words", "max_length", "word_dropout")


def make_classifier(kind: str, training: Any, **given: Any) -> Any:
    """The estimator for `kind` with the settings given (None: the estimator's default, which
    differs by kind)."""
    settings = {key: value for key, value in given.items() if value is not None}
    if kind == "text":
        from forecaster.classification.text_classifier import TextClassifier

        return TextClassifier(training=training, **settings)
    from forecaster.classification.sequence_classifier import SequenceClassifier

    text_only = [key for key in TEXT_ONLY if key in settings]
    if text_only:
        raise ConfigError(f"{text_only[0]} (--{text_only[0].replace('_', '-')}) is for text "
                          f"classification only; this data holds numeric sequences.")
    return SequenceClassifier(training=training, **settings)


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
