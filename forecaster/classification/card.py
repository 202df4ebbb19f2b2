"""The model card of a classification run (Markdown, in the run directory and in MLflow)."""

from __future__ import annotations

from typing import Any


def _describe_data(data: dict[str, Any]) -> list[str]:
    lines = [f"- train `{data['train']}`: {data['train_cases']} cases; test `{data['test']}`: "
             f"{data['test_cases']} cases; {len(data['classes'])} classes "
             f"({', '.join(map(str, data['classes'][:10]))}"
             f"{', …' if len(data['classes']) > 10 else ''})"]
    if data["kind"] == "sequence":
        lines.append(f"- sequences of {data.get('shortest')}–{data.get('longest')} steps, "
                     f"{data.get('channels')} channel(s); channels standardised with training "
                     f"statistics")
    for role, facts in data.get("files", {}).items():
        lines.append(f"- {role} file `{facts['path']}` (SHA-256 `{facts['sha256'][:16]}…`)")
    return lines


def classification_card(summary: dict[str, Any]) -> str:
    """Data, configuration, the model against its baselines, per-class scores, the verdict."""
    data, model, training = summary["data"], summary["model"], summary["training"]
    labels = {"model": model["label"], **summary.get("baselines", {})}
    lines = [f"# {model['label']} — {data['train']}", "", f"**Verdict.** {summary['verdict']}",
             "", "## Data", *_describe_data(data), "", "## Configuration",
             "- " + ", ".join(f"{key} {value}" for key, value in model.items() if key != "label"),
             f"- {training['optimizer']} lr {training['learning_rate']}, batch "
             f"{training['batch_size']}, {training['epochs_run']} epochs run, best epoch "
             f"{training['best_epoch']} kept (by validation "
             f"{training.get('monitored', 'loss')}), device {training['device']}, seed "
             f"{training['seed']}, {training['samples_per_second']:.0f} samples/s",
             "", f"## Test set: the model beside the baselines ({data['test_cases']} cases)", "",
             "| classifier | accuracy | macro-F1 |", "|---|---:|---:|"]
    for name, scores in summary["metrics"].items():
        mark = "**" if name == "model" else ""
        lines.append(f"| {mark}{labels.get(name, name)}{mark} | {scores['accuracy']:.4f} | "
                     f"{scores['macro_f1']:.4f} |")
    if summary.get("calibration"):
        from forecaster.classification.calibration import calibration_line

        lines += ["", "## Calibration", "", calibration_line(summary["calibration"])]
    lines += ["", "## Per class (model)", "", "| class | precision | recall | support |",
              "|---|---:|---:|---:|"]
    for label, scores in summary["per_class"].items():
        lines.append(f"| {label} | {scores['precision']:.3f} | {scores['recall']:.3f} | "
                     f"{scores['support']} |")
    lines += ["", "![confusion matrix](confusion.png)", "", "![loss](loss.png)", ""]
    return "\n".join(lines)
