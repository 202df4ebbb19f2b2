"""`forecaster validate`: check a pipeline file, as a scheduled job would read it, without
running it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from forecaster.cli.options import echo_json, handle_errors
from forecaster.data.printable import printable, printable_list

SET_HELP = ("Override a setting of the file: KEY=VALUE with a dotted key, the value read as YAML, "
            "e.g. --set model.hidden_size=64 --set data.targets=[Close,Open]. Repeatable. Relative "
            "paths given here are taken from the current directory.")


def set_option(command: Any) -> Any:
    """--set KEY=VALUE, repeatable; shared with `forecaster run`."""
    return click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                        help=SET_HELP)(command)


@click.command()
@click.argument("pipeline_file", metavar="PIPELINE.yaml", type=click.Path(path_type=Path))
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def validate(pipeline_file: Path, overrides: tuple[str, ...], as_json: bool) -> None:
    """Check PIPELINE.yaml: every key, type and choice, that its input files exist and name
    the columns it uses; print the resolved settings. Exit code 2 if anything is wrong.

    \b
    Examples:
      forecaster validate pipelines/gafa_nightly.yaml
      forecaster validate pipelines/gafa_nightly.yaml --set model.hidden_size=64 --json
    """
    from forecaster.pipeline.columns import check_columns
    from forecaster.pipeline.schema import load_pipeline
    from forecaster.pipeline.series import expand_series

    pipeline = load_pipeline(pipeline_file, list(overrides))
    check_columns(pipeline, str(pipeline_file))
    ids = [spec.series_id for spec in expand_series(pipeline)]  # reads the id columns
    inputs = pipeline.input_files()
    summary = {
        "valid": True,
        "name": pipeline.name,
        "task": pipeline.task,
        "source_file": str(pipeline.source_file),
        "overrides": list(pipeline.overrides),
        "series": describe_series(pipeline),
        "series_ids": ids,
        "input_files": [str(path) for path in inputs],
        "output_dir": str(pipeline.output_dir),
        "config_hash": pipeline.config_hash(),
        "settings": pipeline.to_dict(),
    }
    if as_json:
        echo_json(summary)
        return
    import yaml

    rows = [("task", f"{pipeline.task}" + (f" ({pipeline.mode})" if pipeline.task == "forecast"
                                            else "")),
            ("series", summary["series"]),
            ("ids", f"{len(ids)}: {printable_list(ids[:10])}{' …' if len(ids) > 10 else ''}"),
            ("inputs", f"{len(inputs)} file{'s' if len(inputs) != 1 else ''} matched"),
            ("output", summary["output_dir"]),
            ("config hash", summary["config_hash"])]
    if pipeline.overrides:
        rows.append(("overrides", " ".join(f"--set {text}" for text in pipeline.overrides)))
    click.echo(f"{pipeline_file}: valid pipeline '{pipeline.name}'.")
    for label, value in rows:
        click.echo(f"  {label:<12} {value}")
    click.echo("Resolved settings (defaults included):")
    text = yaml.safe_dump(summary["settings"], sort_keys=False, default_flow_style=False)
    click.echo("  " + text.rstrip("\n").replace("\n", "\n  "))


def describe_series(pipeline: Any) -> str:
    """One line saying where the series (or the examples) come from."""
    from forecaster.pipeline.schema import has_glob

    data = pipeline.data
    if pipeline.task == "classify":
        test = (f"tested on {data.test_path}" if data.test_path is not None
                else f"a stratified {data.test_size:g} held out for testing")
        return f"{data.kind} examples in {data.path}, {test}"
    parts = [f"{data.path}"]
    if has_glob(data.path):
        parts.append("one series per file")
    if data.id_column is not None:
        parts.append(f"one series per value of '{data.id_column}'")
    if len(data.targets) > 1:
        parts.append(f"one series per target ({', '.join(data.targets)})")
    else:
        parts.append(f"target {data.targets[0]}")
    if data.series is not None:
        parts.append(f"only {', '.join(data.series)}")
    if data.static_features:
        parts.append(f"static features {', '.join(data.static_features)}"
                     + (f" from {data.static_path}" if data.static_path is not None else ""))
    model = "one model per series" if pipeline.mode == "per-series" else \
        "one model across all series"
    return ", ".join(parts) + f"; {model}"


RUN_EPILOG = """
\b
Examples:
  forecaster run pipelines/gafa_nightly.yaml
  forecaster run pipelines/gafa_nightly.yaml --set data.series=[AAPL] --set output.dir=/tmp/x
  forecaster run pipelines/gafa_nightly.yaml --workers 2 --log-format json
\b
Exit codes: 0 every series done (or done before), 3 some series failed or could not be logged
(the others are complete; the summary names them), 2 the pipeline or its data is invalid
(nothing run), 4 another run holds the output directory, 130/143 stopped by Ctrl-C/SIGTERM
(run it again to resume), 1 a bug.
"""


@click.command(epilog=RUN_EPILOG)
@click.argument("pipeline_file", metavar="PIPELINE.yaml", type=click.Path(path_type=Path))
@set_option
@click.option("--force", is_flag=True,
              help="Redo every series, even those already done with the same configuration "
                   "and data.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Series trained at once (default: execution.workers of the file). Torch "
                   "threads per worker are set so workers x threads fits the cores.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default=None,
              help="local processes, or a Ray cluster (pip install 'forecaster[ray]').")
@click.option("--ray-address", default=None, metavar="ADDRESS",
              help="Ray cluster to join, e.g. auto or ray://head:10001 (implies --executor "
                   "ray).")
@click.option("--no-tracking", is_flag=True, envvar="FORECASTER_NO_TRACKING",
              help="Do not log to MLflow, whatever the file's tracking section says.")
@click.option("--log-format", type=click.Choice(["human", "json"]), default="human",
              show_default=True,
              help="json: one JSON object per event on stdout, for schedulers; human: progress "
                   "lines on stderr and a summary table on stdout.")
@handle_errors
def run(pipeline_file: Path, overrides: tuple[str, ...], force: bool, workers: int | None,
        executor: str | None, ray_address: str | None, no_tracking: bool,
        log_format: str) -> None:
    """Run PIPELINE.yaml as a batch job: every series it names is trained, scored beside the
    baselines and written to the output directory, with a manifest of what happened.

    Safe to re-run: series already done with the same configuration and data are skipped
    (--force redoes them); a job stopped part-way resumes where it stopped, from the
    manifest, the finished series and per-epoch checkpoints.
    """
    from forecaster.pipeline.columns import check_columns
    from forecaster.pipeline.events import EventLog
    from forecaster.pipeline.job import EXIT_LOCKED, run_job
    from forecaster.pipeline.lock import LockedError
    from forecaster.pipeline.schema import load_pipeline

    pipeline = load_pipeline(pipeline_file, list(overrides))
    check_columns(pipeline, str(pipeline_file))
    events = EventLog(log_format)
    try:
        result = run_job(pipeline, force=force, workers=workers,
                         executor="ray" if ray_address else executor, ray_address=ray_address,
                         tracking=not no_tracking, events=events)
    except LockedError as exc:
        if events.json:
            events.emit("job_refused", reason=str(exc))
        else:
            click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_LOCKED) from None
    if not events.json:
        click.echo(summary_table(result))
    raise click.exceptions.Exit(result.exit_code)


def summary_table(result: Any) -> str:
    """One line per series: status, time, the headline score beside its baseline, or why."""
    from forecaster.classification.evaluation import BASELINE_LABELS
    from forecaster.forecasting.report import column_cells
    from forecaster.forecasting.verdict import short_verdict

    manifest = result.manifest
    width = max([len(name) for name in manifest.series] + [6]) + 2
    lines = [f"{'series':<{width}}{'status':<10}{'seconds':>9}  result"]
    for record in manifest.series.values():
        metrics = record.metrics
        if record.status in ("failed", "pending"):
            outcome = record.reason or ""
        elif "rmse" in metrics:
            model, naive = column_cells([metrics["rmse"], metrics.get("naive_rmse")])
            verdict = short_verdict(metrics)
            if metrics.get("barely_trained") and "epoch 1 kept" not in verdict:
                verdict += "; barely trained"  # the kept epoch gained under 1 % on the first
            held = [f"{key.removeprefix('coverage_')} % held {100 * value:.0f} %"
                    for key, value in metrics.items()
                    if key.startswith("coverage_") and value is not None]
            outcome = f"RMSE {model} vs naive {naive} ({verdict})" + (
                "; intervals: " + ", ".join(held) if held else "")
        elif "accuracy" in metrics:
            baseline = BASELINE_LABELS.get(metrics["best_baseline"], metrics["best_baseline"])
            outcome = (f"accuracy {metrics['accuracy']:.4f} vs {baseline} "
                       f"{metrics['best_baseline_accuracy']:.4f}")
        else:
            outcome = record.reason or ""
        seconds = f"{record.seconds:.1f}" if record.seconds is not None else "-"
        lines.append(f"{printable(record.series_id):<{width}}{record.status:<10}{seconds:>9}  "
                     f"{printable(outcome)}")
    counts = manifest.summary_counts()
    lines.append("")
    lines.append(f"{manifest.status.upper()}: " + ", ".join(
        f"{count} {name}" for name, count in counts.items() if count) +
        f". Outputs and manifest.json in {result.output_dir}/.")
    if result.failed:
        lines.append("Failed: " + "; ".join(f"{printable(name)} ({printable(reason[:200])})"
                                            for name, reason in result.failed.items()))
    if result.not_tracked:
        lines.append("Not logged to MLflow: " + ", ".join(result.not_tracked) + " (run the "
                     "job again to retry, or `forecaster track RUN_DIR`).")
    if result.interrupted_by:
        lines.append(f"Stopped by {result.interrupted_by}: run the same command again to "
                     f"resume.")
    return "\n".join(lines)
