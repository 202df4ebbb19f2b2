"""Reading a data file's bytes and text with the errors every reader gives: missing, a
directory, empty, not decodable (naming the line and the --encoding option)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from forecaster.errors import DataError


def file_bytes(path: Path, kind: str, decompress: bool = False,
               expect: str = "data in it") -> bytes:
    """The bytes of an existing, non-empty file; with `decompress`, a .gz file is unpacked.
    `expect` says, in an error, what a good file holds."""
    if not path.exists():
        raise DataError(f"File '{path}' does not exist. Check the path (relative paths are taken "
                        f"from the current directory, {Path.cwd()}).")
    if path.is_dir():
        raise DataError(f"'{path}' is a directory, not a {kind} file. Pass the path of a "
                        f"{kind} file.")
    raw = path.read_bytes()
    if decompress and path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(f"File '{path}' ends in .gz but cannot be decompressed ({exc}). "
                            f"Pass an intact gzip file, or rename it if it is not compressed.") \
                from None
    if not raw.strip():
        raise DataError(f"File '{path}' is empty. Pass a {kind} file with {expect}.")
    return raw


def decode_text(path: Path, raw: bytes, encoding: str) -> str:
    """`raw` as text; the error names the line of the first byte that cannot be decoded."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"File '{path}' is not valid {encoding} text: line {line} has a byte that cannot be "
            f"decoded (byte {exc.start} of the file). Save it as UTF-8, or pass its encoding "
            f"with --encoding (e.g. --encoding latin-1)."
        ) from None
    except LookupError:
        raise DataError(f"Unknown text encoding '{encoding}' for '{path}'; use a name such as "
                        f"utf-8 or latin-1.") from None


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (recorded with runs and job manifests)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
