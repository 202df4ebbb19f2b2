"""`forecaster models`: the MLflow model registry — list, promote (aliases), show."""

from __future__ import annotations

import click

from forecaster.cli.options import echo_json, handle_errors


@click.group()
def models() -> None:
    """Registered models in MLflow (uses --tracking-uri or $MLFLOW_TRACKING_URI, else the local
    store sqlite:///mlflow.db).

    \b
    Examples:
      forecaster models list
      forecaster models promote goog-close 3 --alias champion
      forecaster models show goog-close@champion
      forecaster predict models:/goog-close@champion datasets/GOOG.csv
    """


_uri = click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None, metavar="URI")


@models.command("list")
@click.argument("name", required=False)
@_uri
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def list_models(name: str | None, tracking_uri: str | None, as_json: bool) -> None:
    """Registered models, or the versions of NAME, with aliases and test scores beside a
    baseline (RMSE for forecasters, accuracy for classifiers)."""
    from forecaster.tracking.registry import list_versions

    rows = list_versions(tracking_uri, name)
    if as_json:
        echo_json({"models": rows})
        return
    if not rows:
        click.echo("No registered models." if name is None else f"No versions of '{name}'.")
        return
    for row in rows:
        aliases = ",".join(row["aliases"]) or "-"
        scores = "  ".join(f"{key} {value}" for key, value in row.items()
                           if key.startswith(("test_", "naive_", "best_baseline_")))
        click.echo(f"{row['name']:<24} v{row['version']:<4} aliases {aliases:<16} {scores}  "
                   f"created {row['created']}")


@models.command()
@click.argument("name")
@click.argument("version")
@click.option("--alias", default="champion", show_default=True)
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
@handle_errors
def show(reference: str, tracking_uri: str | None) -> None:
    """Metrics beside baselines, data fingerprint, who registered it and when."""
    from forecaster.tracking.registry import describe_version

    echo_json(describe_version(tracking_uri, reference))
