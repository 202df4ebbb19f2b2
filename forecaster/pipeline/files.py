"""Small file helpers for batch jobs: whole-or-nothing writes, streaming hashes, timestamps."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path


def utc_now() -> str:
    """The time as ISO 8601 in UTC, to the second: comparable across hosts and sortable."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_temporary(directory: Path, prefix: str, text: str) -> Path:
    """A new file in `directory` holding `text`, flushed to disk; the caller renames or links
    it into place (same directory, so the rename is atomic)."""
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes it private; these files are not
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader (or a crash) sees the old file or the new
    one, never half of one: temporary file in the same folder, fsync, os.replace."""
    tmp = write_temporary(path.parent, f".{path.name}.", text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every OS opens directories)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@functools.cache
def _umask() -> int:
    """The process umask, read once; from /proc where possible, because setting it to read it
    back briefly changes it for every thread (workers may be writing files meanwhile)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0)
    os.umask(mask)
    return mask
