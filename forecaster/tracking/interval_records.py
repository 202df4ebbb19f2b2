"""What MLflow holds of a forecasting run's prediction intervals: a metric per forecaster,
score and level (`model_coverage_80`, `naive_interval_score_95`, `model_pinball_loss`), the
levels as a parameter (`evaluation.levels`, the pipeline key), the method as a tag, and the
bound columns and the `levels` parameter of the pyfunc model's output.

Kept beside `records` (no mlflow import here either), so the record of a run reads top to
bottom and everything about intervals is found in one place.

Examples
--------
>>> interval_metrics({"intervals": {"metrics": {"model": {
...     "80": {"coverage": 0.8, "mean_width": 2.0, "interval_score": 3.0},
...     "pinball_loss": 0.4}}}})["model_coverage_80"]
0.8
"""

from __future__ import annotations

import re
from typing import Any

from forecaster.forecasting.interval_scores import bound_columns
from forecaster.forecasting.intervals import DEFAULT_LEVELS, needed_points

INTERVAL_SCORES = ("coverage", "mean_width", "interval_score")
LEVELS_PARAM = "evaluation.levels"
METHOD_TAG = "intervals.method"
NOTES_TAG = "intervals.notes"
# MLflow metric names: letters, digits, '_', '-', '.', ' ', '/' and ':'
_NOT_IN_A_NAME = re.compile(r"[^\w.\- /:]")


def metric_key(*parts: str) -> str:
    """The parts joined by '_', any character MLflow refuses in a metric name made '_'."""
    return _NOT_IN_A_NAME.sub("_", "_".join(str(part) for part in parts))


def _block(metrics: dict[str, Any]) -> dict[str, Any]:
    block = metrics.get("intervals")
    return block if isinstance(block, dict) else {}  # none: a run from before intervals


def interval_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """<forecaster>_<score>_<level> and <forecaster>_pinball_loss for the model (`model`, and
    `model_split` without adaptive updates) and each baseline of metrics.json's intervals
    block; values as written (null kept: `records.finite` leaves it out)."""
    out: dict[str, Any] = {}
    by_name = _block(metrics).get("metrics")
    for name, levels in (by_name.items() if isinstance(by_name, dict) else ()):
        if not isinstance(levels, dict):
            continue
        for level, values in levels.items():
            if isinstance(values, dict):
                out.update({metric_key(name, score, level): values.get(score)
                            for score in INTERVAL_SCORES})
            elif level == "pinball_loss":
                out[metric_key(name, "pinball_loss")] = values
    return out


def interval_params(metrics: dict[str, Any]) -> dict[str, str]:
    """{"evaluation.levels": "80,95"}: the levels the run's intervals were scored at."""
    block = _block(metrics)
    if not block:
        return {}
    levels = block.get("levels")
    return {LEVELS_PARAM: ",".join(str(level) for level in levels)
            if isinstance(levels, list) and levels else "none"}


def interval_tags(metrics: dict[str, Any]) -> dict[str, str]:
    """The interval method, and why a forecaster or level has no interval (if any)."""
    block = _block(metrics)
    tags = {METHOD_TAG: str(block["method"])} if block.get("method") else {}
    notes = block.get("notes")
    if isinstance(notes, dict) and notes:
        tags[NOTES_TAG] = "; ".join(f"{name}: {text}" for name, text in notes.items())[:5000]
    return tags


def pyfunc_bound_columns(model_config: dict[str, Any]) -> list[str]:
    """The bound columns the pyfunc model's forecast carries with no `levels` given: those of
    the default levels its calibration holds enough errors for (none for a model saved
    before intervals), as `Forecaster.forecast` decides."""
    block = model_config.get("intervals")
    count = block.get("count") if isinstance(block, dict) else None
    if not isinstance(count, int) or isinstance(count, bool):
        return []
    return bound_columns([level for level in DEFAULT_LEVELS
                          if count >= needed_points(level / 100)])


def pyfunc_params(model_config: dict[str, Any]) -> dict[str, list[float]]:
    """The parameters the pyfunc model takes, with their defaults: `levels` (percent) for a
    model with intervals."""
    return {"levels": list(DEFAULT_LEVELS)} if pyfunc_bound_columns(model_config) else {}
