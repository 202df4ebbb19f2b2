"""Calibrated class probabilities: temperature scaling (Guo et al., 2017) and the expected
calibration error that measures it.

A network trained with cross-entropy until its validation accuracy peaks is usually
over-confident: its softmax says 0.95 where it is right 80 % of the time. Dividing the logits
by one scalar temperature T > 0, fitted on the validation cases after training, brings the
probabilities in line with how often the model is right, and changes no predicted label (the
largest logit stays the largest).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from forecaster.classification.validation import MIN_VALIDATION_CASES

ECE_BINS = 15  # equal-width confidence bins, as in Guo et al.
# log T is searched in [-LOG_T_BOUND, LOG_T_BOUND]: T from 0.02 to 55, far beyond what a
# trained classifier needs, so the bound never decides, and a degenerate validation set (every
# case right, where the NLL falls as T shrinks) cannot drive T towards 0
LOG_T_BOUND = 4.0


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """(n, classes) probabilities of `logits / temperature`, computed stably in float64."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, targets: np.ndarray,
                            temperature: float = 1.0) -> float:
    """Mean cross-entropy of `logits / temperature` against the class indices `targets`."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    top = scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled - top).sum(axis=1)) + top[:, 0]
    return float(np.mean(log_norm - scaled[np.arange(len(targets)), targets]))


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The T > 0 that minimises the NLL of `logits / T` on these (validation) cases.

    A bounded one-dimensional search on log T (Brent's method): deterministic, a few dozen
    evaluations. T = 1 is kept unless the search beats it, so the fitted T never raises the
    NLL on the cases it was fitted on. No cases: T = 1.
    """
    from scipy.optimize import minimize_scalar

    if len(targets) == 0:
        return 1.0
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets)
    found = minimize_scalar(lambda log_t: negative_log_likelihood(logits, targets,
                                                                  math.exp(log_t)),
                            bounds=(-LOG_T_BOUND, LOG_T_BOUND), method="bounded",
                            options={"xatol": 1e-5})
    temperature = math.exp(float(found.x))
    if negative_log_likelihood(logits, targets, temperature) >= negative_log_likelihood(
            logits, targets):
        return 1.0
    return temperature


def expected_calibration_error(probabilities: np.ndarray, targets: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """Top-label ECE: the cases are binned by their largest probability (`bins` equal-width
    bins over (0, 1]); the gap |accuracy - mean confidence| of each bin, weighted by its share
    of the cases, summed. 0 is perfectly calibrated; 0 cases give 0.

    >>> import numpy as np
    >>> expected_calibration_error(np.array([[0.9, 0.1], [0.9, 0.1]]), np.array([0, 1]))
    0.4
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if len(probabilities) == 0:
        return 0.0
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(targets)
    # bin b holds confidences in (b/bins, (b+1)/bins]; a confidence of exactly 0 joins bin 0
    which = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in np.unique(which):
        inside = which == b
        total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return round(float(total), 12)


def calibration_summary(logits: np.ndarray, targets: np.ndarray, temperature: float,
                        validation_cases: int) -> dict[str, Any]:
    """What metrics.json and the model card say: T, and the ECE on these (test) cases before
    and after dividing the logits by it."""
    return {"method": "temperature scaling", "temperature": temperature,
            "validation_cases": validation_cases, "bins": ECE_BINS,
            "ece_before": expected_calibration_error(softmax(logits), targets),
            "ece_after": expected_calibration_error(softmax(logits, temperature), targets)}


def calibration_config(temperature: float, validation_cases: int) -> dict[str, Any]:
    """The `calibration` block of a classifier's config.json."""
    return {"temperature": temperature, "validation_cases": validation_cases}


class UncalibratedModelWarning(UserWarning):
    """A classifier saved before calibration existed was loaded: its probabilities are the
    network's own softmax (temperature 1)."""


def saved_calibration(config: dict[str, Any], path: str | Path) -> tuple[float, int]:
    """(T, validation cases) from a classifier's config.json (checked by its schema in
    `forecaster.forecasting.model_schema`); (1.0, 0) for a file saved before calibration
    existed (said once per file, as a warning: its probabilities are the network's own)."""
    block = config.get("calibration")
    if block is None:
        warnings.warn(f"'{path}' was saved before classifiers calibrated their probabilities: "
                      f"it loads with temperature 1 (the network's own softmax, often "
                      f"over-confident); its labels are unaffected. Train it again for "
                      f"calibrated probabilities.", UncalibratedModelWarning, stacklevel=3)
        return 1.0, 0
    return float(block["temperature"]), int(block.get("validation_cases", 0))


def calibration_line(calibration: dict[str, Any], cases: str = "the test set") -> str:
    """One sentence for the printed report and the model card; `cases` names what the ECE was
    measured on."""
    ece = (f"expected calibration error on {cases} ({calibration['bins']} bins, top "
           f"label) {calibration['ece_before']:.4f} before, {calibration['ece_after']:.4f} "
           f"after")
    if not calibration["validation_cases"]:
        return (f"Probabilities not calibrated (no validation cases to fit a temperature on: "
                f"none are held out when fewer than {MIN_VALIDATION_CASES} would be, or with "
                f"val_size=0; T = 1): {ece}.")
    return (f"Probabilities calibrated by temperature scaling: T = "
            f"{calibration['temperature']:.3f}, fitted on the {calibration['validation_cases']} "
            f"validation cases; {ece}.")
