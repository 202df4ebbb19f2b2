"""Where runs go, and how a tracking URI is shown without its secrets. No mlflow import here."""

from __future__ import annotations

import os
import re

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"  # MLflow's own embedded default: no server needed


def resolve_tracking_uri(uri: str | None) -> str:
    """--tracking-uri, else MLFLOW_TRACKING_URI, else the local SQLite store."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def redact(uri: str) -> str:
    """The URI with any user:password@ and secret-looking query values replaced by ***."""
    uri = re.sub(r"(//)[^/@]+@", r"\1***@", uri)
    return re.sub(r"((?:token|password|secret|key)=)[^&]+", r"\1***", uri, flags=re.IGNORECASE)


def is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "databricks"))
