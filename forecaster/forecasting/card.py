"""The model card: the one page a reviewer reads first (Markdown, written into the run dir)."""

from __future__ import annotations

from typing import Any

from forecaster.forecasting.metrics import METRICS
from forecaster.forecasting.report import header, metric_table


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
              "![forecast](plot.png)", "", "![loss](loss.png)", ""]
    return "\n".join(lines)


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
