"""Timestamps for batch jobs, and the whole-or-nothing writers they use (which live in
`forecaster.output`, the one module that writes files; re-exported for existing callers)."""

from __future__ import annotations

from datetime import UTC, datetime

from forecaster.output import atomic_write_text, remove_leftovers, write_temporary

__all__ = ["atomic_write_text", "remove_leftovers", "utc_now", "write_temporary"]


def utc_now() -> str:
    """The time as ISO 8601 in UTC, to the second: comparable across hosts and sortable."""
    return datetime.now(UTC).isoformat(timespec="seconds")
