"""The MLflow model registry: versions, aliases, and the facts a reviewer wants about one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from forecaster.errors import ConfigError
from forecaster.tracking.mlflow_run import (
    SERVER_ADVICE,
    TrackingError,
    _quiet_http,
    check_reachable,
    reason,
    using_tracking_uri,
)
from forecaster.tracking.uri import redact, resolve_tracking_uri


@contextmanager
def _registry(uri: str | None) -> Iterator[Any]:
    """A client of the registry at `uri`, once the server has answered one cheap call. A server
    that fails after that (it went away, refused a call) is a TrackingError too: one line with
    the redacted URI, the cause and what to do, never MLflow's chained traceback."""
    import requests
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    resolved = check_reachable(uri, SERVER_ADVICE)
    try:
        yield MlflowClient(tracking_uri=resolved)
    except (MlflowException, requests.exceptions.RequestException, OSError) as exc:
        raise TrackingError(f"The MLflow model registry at {redact(resolved)} failed "
                            f"({reason(exc, resolved)}). {SERVER_ADVICE}") from None


def _when(ms: int | None) -> str:
    return datetime.fromtimestamp((ms or 0) / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def list_versions(uri: str | None, name: str | None = None) -> list[dict[str, Any]]:
    with _registry(uri) as client:
        return _versions(client, name)


def _versions(client: Any, name: str | None) -> list[dict[str, Any]]:
    query = f"name='{name}'" if name else ""
    rows = []
    aliases: dict[str, dict[str, list[str]]] = {}
    for version in client.search_model_versions(query):
        if version.name not in aliases:  # search results come without their aliases
            by_version: dict[str, list[str]] = {}
            for alias, number in client.get_registered_model(version.name).aliases.items():
                by_version.setdefault(str(number), []).append(alias)
            aliases[version.name] = by_version
        metrics = client.get_run(version.run_id).data.metrics if version.run_id else {}
        rows.append({"name": version.name, "version": int(version.version),
                     "aliases": sorted(aliases[version.name].get(str(version.version), [])),
                     **_headline(metrics),
                     "created": _when(version.creation_timestamp), "run_id": version.run_id})
    return sorted(rows, key=lambda r: (r["name"], r["version"]))


def _baseline_scores(metrics: dict[str, float], metric: str) -> dict[str, float]:
    """The baselines' scores: every <name>_<metric> but the model's (test_) and the per-epoch
    series of training (train_, val_: a classifier logs val_accuracy each epoch)."""
    return {name.removesuffix(f"_{metric}"): value for name, value in metrics.items()
            if name.endswith(f"_{metric}")
            and not name.startswith(("test_", "train_", "val_"))}


def _headline(metrics: dict[str, float]) -> dict[str, float | None]:
    """The figures a version list shows: RMSE beside naive for a forecaster, accuracy beside
    the best baseline for a classifier."""
    if "test_accuracy" in metrics:
        baselines = _baseline_scores(metrics, "accuracy")
        return {"test_accuracy": _round(metrics["test_accuracy"]),
                "best_baseline_accuracy": _round(max(baselines.values(), default=None))}
    return {"test_rmse": _round(metrics.get("test_rmse")),
            "naive_rmse": _round(metrics.get("naive_rmse"))}


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def set_alias(uri: str | None, name: str, version: str, alias: str) -> None:
    from mlflow.exceptions import MlflowException

    with _registry(uri) as client:
        try:
            client.get_model_version(name, str(version))
        except MlflowException as exc:
            if not _not_found(exc):
                raise
            raise ConfigError(f"Model '{name}' has no version {version}; see `forecaster models "
                              f"list {name}`.") from None
        client.set_registered_model_alias(name, alias, str(version))


def _not_found(exc: Any) -> bool:
    """MLflow's answer for a missing name, version or alias (not a server failure)."""
    return getattr(exc, "error_code", "") in ("RESOURCE_DOES_NOT_EXIST",
                                              "INVALID_PARAMETER_VALUE")


def _resolve(client: Any, reference: str) -> Any:
    from mlflow.exceptions import MlflowException

    reference = reference.removeprefix("models:/")
    try:
        if "@" in reference:
            name, alias = reference.split("@", 1)
            return client.get_model_version_by_alias(name, alias)
        name, version = reference.rsplit("/", 1)
        return client.get_model_version(name, version)
    except ValueError:
        raise ConfigError(f"'{reference}' is not NAME@ALIAS or NAME/VERSION.") from None
    except MlflowException as exc:
        if not _not_found(exc):
            raise
        raise ConfigError(f"No registered model version '{reference}' ({reason(exc)}). See "
                          f"`forecaster models list`.") from None


def describe_version(uri: str | None, reference: str) -> dict[str, Any]:
    with _registry(uri) as client:
        return _description(client, reference)


def _description(client: Any, reference: str) -> dict[str, Any]:
    version = _resolve(client, reference)
    run = client.get_run(version.run_id)
    metrics = run.data.metrics
    tags = run.data.tags
    metric = "accuracy" if "test_accuracy" in metrics else "rmse"
    skill = "skill_vs_best_baseline" if metric == "accuracy" else "skill_vs_naive"
    return {
        "name": version.name, "version": int(version.version),
        "aliases": list(getattr(version, "aliases", []) or []),
        "registered_by": version.user_id or tags.get("mlflow.user"),
        "registered_at": _when(version.creation_timestamp), "run_id": version.run_id,
        "kind": tags.get("forecaster.kind"), f"test_{metric}": metrics.get(f"test_{metric}"),
        f"baseline_{metric}": _baseline_scores(metrics, metric),
        skill: metrics.get(skill),
        "verdict": tags.get("verdict"),
        "data": {key.removeprefix("data."): _typed(key, value) for key, value in tags.items()
                 if key.startswith("data.")},
    }


_COUNT_TAGS = ("data.rows", "data.train_cases", "data.test_cases")


def _typed(key: str, value: str) -> Any:
    """A data tag as the value it stands for: MLflow keeps tags as text ('1258', 'None')."""
    if value in ("None", ""):
        return None
    if key in _COUNT_TAGS and value.isdigit():
        return int(value)
    return value


def load_registered(reference: str, uri: str | None):
    """The Forecaster or classifier behind `models:/NAME@ALIAS` (or any pyfunc model URI this
    toolkit logged)."""
    _quiet_http()
    import mlflow

    resolved = resolve_tracking_uri(uri)
    try:
        with using_tracking_uri(resolved):
            model = mlflow.pyfunc.load_model(reference)
    except Exception as exc:  # a missing model, a lost server, a broken artefact alike
        raise ConfigError(f"Cannot load '{reference}' from MLflow at {redact(resolved)} "
                          f"({reason(exc, resolved)}).") from None
    return model.unwrap_python_model().model
