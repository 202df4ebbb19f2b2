"""Load whichever classifier a model directory holds, and classify raw tables with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecaster.data.printable import printable, printable_list
from forecaster.errors import ConfigError, ModelFileError


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


ID_NAMES = ("id",)  # a column with this name (any case) is carried to the output by default


def classify_frame(model: Any, frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Labels and class probabilities for raw cases in a table (see raw_input), with the
    table's index and its id column (and, for text, the text) carried, so the output joins back
    to the input."""
    from forecaster.classification.raw_input import sequences_from_frame, texts_from_frame

    keys = pd.DataFrame(index=frame.index)
    id_column = default_id_column([str(name) for name in frame.columns])
    if id_column is not None:
        keys[id_column] = frame[id_column].to_numpy()
    if is_text_model(model):
        from forecaster.classification.text_data import TextSet

        texts = texts_from_frame(frame, source)
        keys["text"] = texts
        cases = TextSet(texts, None, source)
    else:
        values = frame.drop(columns=[id_column]) if id_column is not None else frame
        cases = sequences_from_frame(values, len(model.mean_), source)
    table = probabilities_table(model, model.predict_proba(cases))
    table.index = frame.index
    return pd.concat([keys, table], axis=1)


def default_id_column(columns: list[str]) -> str | None:
    """The column named `id` (in any case), if the input has one."""
    return next((name for name in columns if name.strip().casefold() in ID_NAMES), None)


def case_keys(path: Path, cases: Any, *, id_column: str | None = None,
              text_column: str = "text", encoding: str = "utf-8") -> pd.DataFrame:
    """What joins a prediction back to its input row: the file's id column (`id_column`, or a
    column named `id`), else `row`, the case's number in the file counting from 1; then, for
    texts, the text itself."""
    from forecaster.classification.text_data import TextSet

    keys = pd.DataFrame(index=range(len(cases)))
    texts = isinstance(cases, TextSet)
    columns = _header(path, encoding) if texts else []
    if id_column is None:
        id_column = default_id_column(columns)
    elif id_column not in columns:
        what = "a text CSV's columns" if texts else "sequence files, which have no id column"
        raise ConfigError(f"--id-column '{printable(id_column)}' is not in "
                          f"'{printable(path)}' (--id-column names one of {what}"
                          + (f": {printable_list(columns)}" if texts else "") + ").")
    if id_column is not None and id_column != text_column:
        ids = _column_values(path, id_column, encoding)
        if len(ids) != len(cases):  # two CSV readers disagree: a bug, not the user's data
            raise RuntimeError(f"read {len(ids)} ids but {len(cases)} texts from {path}")
        keys[id_column] = ids
    else:
        keys["row"] = np.arange(1, len(cases) + 1)
    if texts:
        keys[text_column] = cases.texts
    clash = [name for name in keys.columns if name == "label" or name.startswith("probability_")]
    if clash:
        raise ConfigError(f"The input's column '{printable(clash[0])}' would collide with the "
                          f"predicted columns (label, probability_<class>); rename it.")
    return keys


def _header(path: Path, encoding: str) -> list[str]:
    """Column names as `_column_values` reads them (blank lines before the header skipped);
    read_text_csv has already checked that the file is a readable CSV."""
    names = pd.read_csv(path, nrows=0, encoding=encoding, encoding_errors="strict").columns
    return [str(name).strip() for name in names]


def _column_values(path: Path, column: str, encoding: str) -> list[str]:
    """One column of a CSV as text, exactly as written (no NaN for an empty cell)."""
    frame = pd.read_csv(path, usecols=lambda name: name.strip() == column, dtype=str,
                        keep_default_na=False, encoding=encoding, encoding_errors="strict")
    return frame.iloc[:, 0].tolist()


def probabilities_table(model: Any, proba: np.ndarray) -> pd.DataFrame:
    labels = [model.classes_[i] for i in proba.argmax(axis=1)]
    return pd.DataFrame({"label": labels, **{f"probability_{label}": proba[:, i]
                                              for i, label in enumerate(model.classes_)}})
