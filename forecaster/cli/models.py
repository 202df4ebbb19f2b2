"""`forecaster models`: the MLflow model registry — list, register, promote (aliases), show."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from forecaster.cli.options import echo_json, handle_errors


@click.group()
def models() -> None:
    """Registered models in MLflow (uses --tracking-uri or $MLFLOW_TRACKING_URI, else the local
    store sqlite:///mlflow.db).

    \b
    Examples:
      forecaster models list
      forecaster models register runs/GOOG-Close-lstm-20261123-101500 goog-close
      forecaster models promote goog-close 3 --alias champion
      forecaster models show goog-close@champion
      forecaster predict models:/goog-close@champion datasets/GOOG.csv
    """


_uri = click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None, metavar="URI",
                    help="Tracking server or store (default: $MLFLOW_TRACKING_URI, else the "
                         "local store sqlite:///mlflow.db).")


@models.command("list")
@click.argument("name", required=False)
@_uri
@click.option("--json", "as_json", is_flag=True,
              help="Print the versions as JSON (numbers as numbers, for scripts).")
@handle_errors
def list_models(name: str | None, tracking_uri: str | None, as_json: bool) -> None:
    """Registered models, or the versions of NAME, with aliases and test scores beside a
    baseline (RMSE beside last-value for forecasters, accuracy beside the best baseline for
    classifiers)."""
    from forecaster.tracking.registry import list_versions

    rows = list_versions(tracking_uri, name)
    if as_json:
        echo_json({"models": rows})
        return
    if not rows:
        click.echo("No registered models." if name is None else f"No versions of '{name}'.")
        return
    click.echo(versions_table(rows))


def versions_table(rows: list[dict[str, Any]]) -> str:
    """One line per version, columns aligned; each metric's numbers with the same decimals
    (enough for four significant digits of the smallest), so they compare at a glance."""
    metric_of = {id(row): "accuracy" if "test_accuracy" in row else "rmse" for row in rows}
    baseline_key = {"accuracy": "best_baseline_accuracy", "rmse": "naive_rmse"}
    baseline_name = {"accuracy": "best baseline", "rmse": "naive"}
    shown: dict[int, tuple[str, str]] = {}
    for metric in ("rmse", "accuracy"):
        own = [row for row in rows if metric_of[id(row)] == metric]
        numbers = [row.get(f"test_{metric}") for row in own] + \
                  [row.get(baseline_key[metric]) for row in own]
        texts = iter(same_decimals(numbers))
        tests = [next(texts) for _ in own]
        for row, test in zip(own, tests, strict=True):
            shown[id(row)] = (test, next(texts))
    header = ["NAME", "VERSION", "ALIASES", "METRIC", "TEST", "BASELINE", "", "CREATED"]
    table = [header] + [
        [row["name"], str(row["version"]), ",".join(row["aliases"]) or "-",
         metric_of[id(row)].upper() if metric_of[id(row)] == "rmse" else "accuracy",
         shown[id(row)][0], shown[id(row)][1], baseline_name[metric_of[id(row)]],
         row["created"]] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    right = {1, 4, 5}  # numbers are right-aligned
    return "\n".join("  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                               for i, cell in enumerate(line)).rstrip() for line in table)


def same_decimals(values: list[float | None], digits: int = 4, most: int = 6) -> list[str]:
    """The values with one number of decimals: four significant digits for the smallest
    non-zero one (at most `most` decimals); None (not computed) as 'n/a'."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v) and v != 0]
    smallest = min(finite, default=1.0)
    decimals = min(most, max(0, digits - 1 - math.floor(math.log10(smallest))))
    return ["n/a" if v is None or not math.isfinite(v) else f"{v:.{decimals}f}" for v in values]


@models.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.argument("name")
@_uri
@click.option("--experiment", default=None,
              help="Experiment, if RUN_DIR has to be logged first (default: <file>-<target>).")
@handle_errors
def register(run_dir: Path, name: str, tracking_uri: str | None,
             experiment: str | None) -> None:
    """Register the model of RUN_DIR (written by `forecaster train` or `forecaster classify
    train`) as a new version of NAME.

    The run's model in MLflow is registered as it is; a run directory not yet in MLflow (trained
    with --no-tracking, or while the server was down) is logged first, as `forecaster track`
    would. Registering the same run under NAME again names the version it already has."""
    from forecaster.cli.track import describe
    from forecaster.tracking.mlflow_run import check_reachable
    from forecaster.tracking.track_run import track_run_directory

    check_reachable(tracking_uri)
    tracked = track_run_directory(run_dir, tracking_uri=tracking_uri, experiment=experiment,
                                  register=name)
    click.echo(describe(tracked))


@models.command()
@click.argument("name")
@click.argument("version")
@click.option("--alias", default="champion", show_default=True,
              help="The alias to point at VERSION; models:/NAME@ALIAS then loads it.")
@_uri
@handle_errors
def promote(name: str, version: str, alias: str, tracking_uri: str | None) -> None:
    """Point ALIAS of NAME at VERSION (aliases replace the deprecated stages)."""
    from forecaster.tracking.registry import set_alias

    set_alias(tracking_uri, name, version, alias)
    click.echo(f"{name}@{alias} -> version {version}. Use it as models:/{name}@{alias}.")


@models.command()
@click.argument("reference", metavar="NAME@ALIAS|NAME/VERSION")
@_uri
@click.option("--json", "as_json", is_flag=True,
              help="Print the facts as JSON (numbers as numbers, for scripts).")
@handle_errors
def show(reference: str, tracking_uri: str | None, as_json: bool) -> None:
    """Metrics beside baselines, the verdict, the data (file, rows, dates, fingerprint), who
    registered it and when."""
    from forecaster.tracking.registry import describe_version

    facts = describe_version(tracking_uri, reference)
    if as_json:
        echo_json(facts)
        return
    click.echo(version_view(facts))


def version_view(facts: dict[str, Any]) -> str:
    """`models show` for a person: one fact per line, scores with the same decimals."""
    from forecaster.data.printable import printable

    metric = "accuracy" if "test_accuracy" in facts else "rmse"
    label = "accuracy" if metric == "accuracy" else "RMSE"
    baselines = facts.get(f"baseline_{metric}") or {}
    numbers = same_decimals([facts.get(f"test_{metric}"), *baselines.values()])
    skill_key = "skill_vs_best_baseline" if metric == "accuracy" else "skill_vs_naive"
    skill = facts.get(skill_key)
    data = facts.get("data") or {}
    aliases = ", ".join(facts.get("aliases") or []) or "none"
    lines = [
        f"{printable(facts['name'])} version {facts['version']} (aliases: {aliases})",
        ("registered", f"{facts['registered_at']} by {facts.get('registered_by') or 'unknown'}"),
        ("run", str(facts["run_id"])),
        ("kind", str(facts.get("kind") or "unknown")),
        (f"test {label}", numbers[0] + ("" if skill is None else
                                        f"  ({skill_key.replace('_', ' ')} {skill:+.3f})")),
        *[(f"  {name.replace('_', ' ')}", text)
          for name, text in zip(baselines, numbers[1:], strict=True)],
        ("verdict", printable(str(facts.get("verdict") or "none recorded"))),
        *[(f"data {key.replace('_', ' ')}", printable(str(value)))
          for key, value in data.items() if value is not None],
    ]
    width = max(len(line[0]) for line in lines[1:]) + 2
    return "\n".join([lines[0], *(f"  {key:<{width}}{value}" for key, value in lines[1:])])
