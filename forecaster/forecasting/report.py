"""Write what a run produced: metrics.json, predictions.csv, forecast.csv, plots, the model."""

from __future__ import annotations

import json
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
