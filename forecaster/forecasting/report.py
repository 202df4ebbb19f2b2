"""Write what a run produced: metrics.json, predictions.csv, forecast.csv, plots, the model."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.forecasting.evaluation import Evaluation
from forecaster.forecasting.metrics import METRICS
from forecaster.forecasting.numbers import column_cells

UNITS = {"mape": "%", "smape": "%"}  # the others are in the series' units (MASE: none)


def header(metric: str) -> str:
    """'RMSE', 'MAPE %': the column title with its unit."""
    unit = UNITS.get(metric)
    return metric.upper() + (f" {unit}" if unit else "")


def metric_table(rows: dict[str, dict[str, float | None]], metrics: tuple[str, ...] = METRICS
                 ) -> dict[str, list[str]]:
    """Cells by metric (a column each, one decimals per column), rows in the order given."""
    return {metric: column_cells([row[metric] for row in rows.values()]) for metric in metrics}


def format_table(evaluation: Evaluation) -> str:
    """The model-vs-baselines table, model first, as aligned plain text."""
    names = evaluation.labels()
    width = max(len(v) for v in names.values()) + 2
    cells = metric_table(evaluation.metrics)
    widths = {c: max(len(header(c)), *(len(cell) for cell in cells[c])) + 3 for c in METRICS}
    lines = [f"{'forecaster':<{width}}" + "".join(f"{header(c):>{widths[c]}}" for c in METRICS)]
    for row, name in enumerate(evaluation.metrics):
        lines.append(f"{names[name]:<{width}}" + "".join(f"{cells[c][row]:>{widths[c]}}"
                                                         for c in METRICS))
    for metric, why in evaluation.notes.items():
        lines.append(f"{metric.upper()} {why}.")
    return "\n".join(lines)


INTERVALS_TITLE = ("Intervals (adaptive conformal): coverage of the actual values beside the "
                   "nominal level;\nmean width and interval score (lower is better) in the "
                   "series' units.")
MAX_COLUMNS = 100  # the terminal width the interval table keeps within


def interval_labels(block: dict[str, Any], labels: dict[str, str]) -> dict[str, str]:
    """Row labels of the interval table by forecaster name, in the block's order: the
    model's split intervals are the model's "(no updates)"."""
    names = {**labels, "model_split": f"{labels.get('model', 'model')} (no updates)"}
    return {name: names.get(name, name) for name in block["metrics"]}


def interval_cells(block: dict[str, Any], levels: list[str]) -> dict[str, list[str]]:
    """Cells by column ("80 coverage", "80 width", "80 score", ...), rows in the block's
    order: coverage in percent with one decimal, width and score with one decimals per
    column."""
    rows = list(block["metrics"].values())
    cells: dict[str, list[str]] = {}
    for level in levels:
        cover = [row.get(level, {}).get("coverage") for row in rows]
        cells[f"{level} coverage"] = ["n/a" if v is None else f"{100 * v:.1f} %" for v in cover]
        for key, short in (("mean_width", "width"), ("interval_score", "score")):
            cells[f"{level} {short}"] = column_cells([row.get(level, {}).get(key)
                                                      for row in rows])
    return cells


def _level_groups(levels: list[str], label_width: int, level_width: int) -> list[list[str]]:
    """Levels split into tables that each fit in `MAX_COLUMNS`."""
    per_table = max(1, (MAX_COLUMNS - label_width) // level_width)
    return [levels[k:k + per_table] for k in range(0, len(levels), per_table)]


def format_interval_block(block: dict[str, Any] | None, labels: dict[str, str]) -> str:
    """The interval table of an evaluation's "intervals" block (`to_dict`), as aligned plain
    text: a row per forecaster (the model, the model without adaptive updates, the
    baselines), per level its coverage, mean width and interval score; then why any
    forecaster or level has none. Empty when there are no intervals at all."""
    if not block:
        return ""
    notes = interval_notes(block, labels)
    if not block["metrics"]:
        return "\n".join(f"Intervals: {note}" for note in notes)  # none scored
    names = interval_labels(block, labels)
    levels = list(block["levels"])
    cells = interval_cells(block, levels)
    width = max(len("forecaster"), *(len(v) for v in names.values())) + 2
    col = {key: max(len(key.split(" ", 1)[1]), *(len(c) for c in column)) + 3
           for key, column in cells.items()}
    lines = [INTERVALS_TITLE]
    level_width = max(sum(col[f"{level} {part}"] for part in ("coverage", "width", "score"))
                      for level in levels)
    for group in _level_groups(levels, width, level_width):
        keys = [f"{level} {part}" for level in group for part in ("coverage", "width", "score")]
        spans = ""
        for level in group:
            span = sum(col[f"{level} {part}"] for part in ("coverage", "width", "score"))
            spans += "   " + f" {level} % ".center(span - 3, "-")
        lines += ["", " " * width + spans.rstrip(),
                  f"{'forecaster':<{width}}" + "".join(f"{key.split(' ', 1)[1]:>{col[key]}}"
                                                       for key in keys)]
        for row, name in enumerate(names):
            lines.append(f"{names[name]:<{width}}" + "".join(f"{cells[key][row]:>{col[key]}}"
                                                             for key in keys))
    return "\n".join(lines + [textwrap.fill(note, MAX_COLUMNS) for note in notes])


def interval_notes(block: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """Why a level or a forecaster has no interval, one sentence each: the left-out levels'
    sentence as it is, the others after the forecaster's label."""
    notes = []
    for name, why in block.get("notes", {}).items():
        text = why if name == "levels" else f"{labels.get(name, name)}: {why}"
        notes.append(text if text.endswith(".") else f"{text}.")
    return notes


def format_intervals(evaluation: Evaluation) -> str:
    """`format_interval_block` of an evaluation (empty when it scored no intervals)."""
    if evaluation.intervals is None:
        return ""
    return format_interval_block(evaluation.intervals.to_dict(), evaluation.labels())


def coverage_by_step(predictions: pd.DataFrame, levels: list[str]) -> dict[str, list[float]]:
    """The model's coverage (0-1) per level and step ahead, from the predictions table's
    lower_L/upper_L columns (levels without them are left out)."""
    by_level: dict[str, list[float]] = {}
    for level in levels:
        low, high = f"lower_{level}", f"upper_{level}"
        if low not in predictions or high not in predictions:
            continue
        inside = (predictions["actual"] >= predictions[low]) & (
            predictions["actual"] <= predictions[high])
        by_level[level] = [float(v) for v in inside.groupby(predictions["step"]).mean()]
    return by_level


def scope_line(evaluation: Evaluation) -> str:
    """What was scored: how many points, their dates, and how many the model had seen."""
    payload = evaluation.to_dict()
    points, seen = payload["points"], payload["in_sample_points"]
    dates = f"{payload['first_date']} to {payload['last_date']}"
    if seen == 0:
        return f"{points} test points, {dates}, none of them seen in training."
    return (f"{points} points, {dates}: {seen} IN-SAMPLE (rows the model trained or validated "
            f"on), {points - seen} unseen.")


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")


def write_evaluation(directory: Path, evaluation: Evaluation, extra: dict[str, Any]) -> None:
    """metrics.json (run facts + evaluation) and predictions.csv in `directory`."""
    write_json(directory / "metrics.json", {**extra, **evaluation.to_dict()})
    evaluation.predictions.to_csv(directory / "predictions.csv", index=False)


def write_forecast(directory: Path, forecast: pd.DataFrame) -> None:
    forecast.to_csv(directory / "forecast.csv", index=False)
