"""Classification scores beside the majority-class and 1-nearest-neighbour baselines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

BASELINE_LABELS = {"majority": "majority class",
                   "nearest_neighbour": "1-nearest neighbour (Euclidean)",
                   "nearest_neighbour_dtw": "1-NN DTW",
                   "tfidf_logistic": "TF-IDF + logistic regression"}


@dataclass
class ClassificationEvaluation:
    """Accuracy and macro-F1 by classifier ("model" first), per-class scores, a verdict."""

    metrics: dict[str, dict[str, float]]
    per_class: dict[str, dict[str, float]]  # class -> precision, recall, support (model)
    confusion: list[list[int]]  # rows: true class, columns: predicted (model)
    classes: list[str]
    verdict: str
    # the model's temperature and its expected calibration error on these cases before and
    # after it (calibration.calibration_summary); None where no probabilities were scored
    calibration: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "per_class": self.per_class,
                "confusion": self.confusion, "classes": self.classes, "verdict": self.verdict,
                **({"calibration": self.calibration} if self.calibration is not None else {})}


def scores(true: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": float(accuracy_score(true, predicted)),
            "macro_f1": float(f1_score(true, predicted, average="macro", zero_division=0))}


def evaluate_classifier(true: np.ndarray, predictions: dict[str, np.ndarray],
                        classes: list[str], model_label: str,
                        calibration: dict[str, Any] | None = None) -> ClassificationEvaluation:
    """`predictions` maps "model" and each baseline to predicted labels for the same cases;
    `calibration` is the model's (see `ClassificationEvaluation.calibration`)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    metrics = {name: scores(true, predicted) for name, predicted in predictions.items()}
    precision, recall, _, support = precision_recall_fscore_support(
        true, predictions["model"], labels=classes, zero_division=0)
    per_class = {label: {"precision": float(p), "recall": float(r), "support": int(s)}
                 for label, p, r, s in zip(classes, precision, recall, support, strict=True)}
    confusion = confusion_matrix(true, predictions["model"], labels=classes).tolist()
    return ClassificationEvaluation(metrics, per_class, confusion, classes,
                                    classification_verdict(metrics, model_label), calibration)


def classification_verdict(metrics: dict[str, dict[str, float]], model_label: str,
                           span: str = "test", note: str | None = None) -> str:
    """The model against its best baseline; `span` says what the cases are ("test", or
    "in-sample" for cases the model trained on), `note` is added after."""
    model = metrics["model"]["accuracy"]
    best_name = max((n for n in metrics if n != "model"), key=lambda n: metrics[n]["accuracy"])
    best = metrics[best_name]["accuracy"]
    best_label = BASELINE_LABELS.get(best_name, best_name.replace("_", " "))
    if model > best:
        verdict = (f"The {model_label} beats every baseline: {span} accuracy {model:.3f} "
                   f"against {best:.3f} for the {best_label} baseline.")
    else:
        verdict = (f"The {model_label} does NOT beat the {best_label} baseline: "
                   f"{span} accuracy {model:.3f} against {best:.3f}.")
    return verdict + (f" {note}" if note else "")


def in_sample(evaluation: ClassificationEvaluation, model_label: str, seen: int,
              cases: int) -> ClassificationEvaluation:
    """The same scores with the verdict labelled in-sample: `seen` of the `cases` were in the
    training data the model and the baselines were fitted on."""
    note = (f"In-sample: {seen} of the {cases} scored cases were in the training data the "
            f"model and the baselines were fitted on; only {cases - seen} are unseen, so this "
            f"flatters them. Leave out --in-sample to score the unseen cases only.")
    span = "in-sample" if seen >= cases else "partly in-sample"
    return replace(evaluation, verdict=classification_verdict(evaluation.metrics, model_label,
                                                              span, note))


def _case_keys(data: Any) -> list[Any]:
    """A comparable key per case: the stripped text, or a sequence's length and values."""
    if hasattr(data, "texts"):
        return [text.strip() for text in data.texts]
    return [(int(length), values[:length].tobytes())
            for values, length in zip(data.values, data.lengths, strict=True)]


def seen_in_training(data: Any, train: Any) -> np.ndarray:
    """(n,) bool: which cases of `data` also occur in `train` (same text after stripping
    spaces at both ends, or the same sequence values), i.e. were seen in training."""
    known = set(_case_keys(train))
    return np.array([key in known for key in _case_keys(data)], dtype=bool)
