"""The model card: the one page a reviewer reads first (Markdown, written into the run dir)."""

from __future__ import annotations

from typing import Any

from forecaster.forecasting.metrics import METRICS
from forecaster.forecasting.report import (
    header,
    interval_cells,
    interval_labels,
    interval_notes,
    metric_table,
)

GUARANTEE = ("If the errors on the calibration rows and the future errors are exchangeable, "
             "an L % interval holds at least L % of the actual values on average; the "
             "adaptive updates keep the long-run coverage near L % when the series' "
             "volatility changes.")


def model_card(summary: dict[str, Any]) -> str:
    """Data, configuration, model against baselines in one table, the plot, the verdict."""
    data, model, training = summary["data"], summary["model"], summary["training"]
    labels = {"model": model["label"], **summary.get("baselines", {})}
    lines = [
        f"# {model['label']} forecasting {data['target']} — {data['source']}",
        "",
        f"**Verdict.** {summary['verdict']}",
        "",
        *_barely_trained_lines(training),
        "## Data",
        f"- file `{data['source']}` (SHA-256 `{data.get('file_sha256') or 'n/a'}`), "
        f"{data['rows']} rows, {data['first_date'][:10]} to {summary['last_date'][:10]}, "
        f"frequency {data.get('frequency') or 'irregular'}",
        f"- target `{data['target']}`, inputs {', '.join(data['features']) or 'none'}; "
        f"fingerprint of the values used `{data['fingerprint'][:16]}…`",
        f"- split in time order: train {data['train_rows']}, validation "
        f"{data['validation_rows']}, test {data['test_rows']} rows (test from "
        f"{data['test_first_date'][:10]}); MinMax scaling fitted on the training rows only",
        *_known_lines(data, model),
        "",
        "## Configuration",
        f"- {model['cell']} encoder, {model['num_layers']} layer(s) of {model['hidden_size']}, "
        f"lookback {model['lookback']}, horizon {model['horizon']}, window normalisation "
        f"`{model['window_norm']}`, pooling {model['pooling']}",
        *([f"- {model['combination']['sentence']}"] if model.get("combination") else []),
        f"- {training['optimizer']} lr {training['learning_rate']}, batch "
        f"{training['batch_size']}, "
        f"{training['epochs_run']} epochs run, best epoch {training['best_epoch']} kept, "
        f"device {training['device']}, seed {training['seed']}",
        "",
        f"## Test span: the model beside the baselines ({summary['points']} points, original "
        f"units)",
        "",
        "| forecaster | " + " | ".join(header(m) for m in METRICS) + " |",
        "|---|" + "---:|" * len(METRICS),
    ]
    table = metric_table(summary["metrics"], METRICS)
    for row, name in enumerate(summary["metrics"]):
        cells = " | ".join(table[m][row] for m in METRICS)
        lines.append(f"| {'**' if name == 'model' else ''}{labels.get(name, name)}"
                     f"{'**' if name == 'model' else ''} | {cells} |")
    skill = summary["skill_vs_naive"]
    lines += [""] + [f"{metric.upper()}: {why}." for metric, why in
                     summary.get("metrics_not_computed", {}).items()]
    lines += ["", "Skill over the last-value forecast (1 − RMSE/RMSE naive): "
                  + ("not computable" if skill is None else f"{skill:+.3f}") + ".", "",
              *_best_baseline_line(summary),
              *_interval_lines(summary.get("intervals"), labels),
              "![forecast](plot.png)", "", "![loss](loss.png)", ""]
    return "\n".join(lines)


def _known_lines(data: dict[str, Any], model: dict[str, Any]) -> list[str]:
    """What the model reads at each forecast step and how its steps are dated (nothing for a
    model without inputs known ahead, or a run written before them)."""
    future, calendar = data.get("future_features") or [], model.get("calendar") or []
    holidays, exchange = model.get("holidays"), model.get("exchange")
    lines = []
    if future or calendar or holidays:
        parts = ([f"future-known columns {', '.join(f'`{c}`' for c in future)} (their values "
                  f"at the forecast dates must be given to forecast)"] if future else []) + \
            ([f"calendar {', '.join(calendar)}"] if calendar else []) + \
            ([f"holidays of {holidays}"] if holidays else [])
        lines.append(f"- known ahead at each forecast step: {'; '.join(parts)}")
    static = data.get("static_features") or []
    if static:
        encoded = [name for name in model.get("known_inputs") or [] if name.split("=")[0]
                   in static]
        lines.append(f"- static features (one value per series, encoded across the global "
                     f"model's {data.get('global_model_series', 'many')} series): "
                     f"{', '.join(f'`{c}`' for c in static)} as {len(encoded)} column(s): "
                     f"{', '.join(encoded[:8])}{' …' if len(encoded) > 8 else ''}")
    if exchange:
        lines.append(f"- forecast dates: the trading sessions of {exchange}")
    return lines


def _interval_lines(block: dict[str, Any] | None, labels: dict[str, str]) -> list[str]:
    """The Intervals section: method, levels, calibration points, per forecaster and level
    coverage beside nominal, mean width and interval score, the guarantee, and why any level
    or forecaster has none (nothing for a run written before intervals)."""
    if not block:
        return []
    levels = list(block["levels"])
    points = block.get("calibration_points", {})
    lines = ["## Intervals", "",
             f"- method: {block['method']}; levels {', '.join(f'{v} %' for v in levels)}",
             f"- calibration: {points.get('model', 'no')} errors of the model on its "
             f"validation span (pooled over the horizon steps); each baseline calibrated on the "
             f"rows before the scored span"
             + (f" ({min(v for k, v in points.items() if k != 'model')} errors or more)"
                if len(points) > 1 else ""),
             f"- {GUARANTEE}", ""]
    if block["metrics"]:
        names = interval_labels(block, labels)
        cells = interval_cells(block, levels)
        parts = ("coverage", "width", "score")
        lines += ["| forecaster | " + " | ".join(f"{level} %: {part}" for level in levels
                                                 for part in parts) + " |",
                  "|---|" + "---:|" * (len(levels) * len(parts))]
        for row, name in enumerate(names):
            bold = "**" if name == "model" else ""
            lines.append(f"| {bold}{names[name]}{bold} | " + " | ".join(
                cells[f"{level} {part}"][row] for level in levels for part in parts) + " |")
        lines += ["", "Coverage: the share of actual values inside the interval, beside the "
                      "nominal level in the column title; width and interval score (width plus "
                      "2/α times each miss's distance outside it, α = 1 − level; lower is "
                      "better) in the "
                      "series' units. \"(no updates)\": the model's split-conformal intervals "
                      "without the adaptive updates.", ""]
    for note in interval_notes(block, labels):
        lines += [note, ""]
    return lines


def _best_baseline_line(summary: dict) -> list[str]:
    """The skill over the strongest baseline, the one the verdict judges against."""
    best, skill = summary.get("best_baseline"), summary.get("skill_vs_best_baseline")
    if not best or skill is None:
        return []
    metric = next(key for key in best if key != "name").upper()
    label = summary.get("baselines", {}).get(best["name"], best["name"])  # as in the table
    return [f"Skill over the strongest baseline, {label} (1 − {metric}/{metric} "
            f"{label}): {skill:+.3f}.", ""]


def _barely_trained_lines(training: dict) -> list[str]:
    """The barely-trained note, under the verdict it qualifies (nothing when the model
    trained, or for a run written before the note existed)."""
    note = training.get("barely_trained_note")
    return [f"**{note.replace(': ', ':** ', 1)}", ""] if note else []
