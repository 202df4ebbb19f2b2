"""Timestamps for batch jobs' manifests, locks and events."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> str:
    """The time as ISO 8601 in UTC, to the second: comparable across hosts and sortable."""
    return datetime.now(UTC).isoformat(timespec="seconds")
