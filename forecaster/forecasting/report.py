"""Write what a run produced: metrics.json, predictions.csv, forecast.csv, plots, the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from forecaster.forecasting.evaluation import Evaluation

_COLUMNS = ("rmse", "mae", "mape", "smape", "mase")


def format_table(evaluation: Evaluation) -> str:
    """The model-vs-baselines table, model first, as aligned plain text."""
    names = evaluation.labels()
    width = max(len(v) for v in names.values()) + 2
    lines = [f"{'forecaster':<{width}}" + "".join(f"{c.upper():>11}" for c in _COLUMNS)]
    for name, metrics in evaluation.metrics.items():
        lines.append(f"{names[name]:<{width}}" + "".join(f"{metric_cell(metrics[c]):>11}"
                                                         for c in _COLUMNS))
    for metric, why in evaluation.notes.items():
        lines.append(f"{metric.upper()} {why}.")
    return "\n".join(lines)


def metric_cell(value: float | None) -> str:
    """A metric for a table: 4 significant digits, or 'n/a' where it was not computable."""
    return "n/a" if value is None else f"{value:.4g}"


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")


def write_evaluation(directory: Path, evaluation: Evaluation, extra: dict[str, Any]) -> None:
    """metrics.json (run facts + evaluation) and predictions.csv in `directory`."""
    write_json(directory / "metrics.json", {**extra, **evaluation.to_dict()})
    evaluation.predictions.to_csv(directory / "predictions.csv", index=False)


def write_forecast(directory: Path, forecast: pd.DataFrame) -> None:
    forecast.to_csv(directory / "forecast.csv", index=False)
