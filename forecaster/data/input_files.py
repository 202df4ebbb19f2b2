"""Reading a data file's bytes and text, the one place that opens compressed files.

Every reader goes through here, so every reader gives the same errors: missing, a directory, a
device, empty, a damaged archive, not decodable (naming the line and the --encoding option).
A pipe or process substitution (`<(cat file.csv)`) can be read only once, so its bytes are kept
and a second look at the same path (the header, then the rows) sees the same data.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from forecaster.data.printable import printable
from forecaster.errors import DataError

# suffix -> format name; one table for every reader (data files, texts, sequences, headers)
COMPRESSED = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".lzma": "xz", ".zip": "zip"}
_UNSUPPORTED = {".zst": "zstandard", ".zstd": "zstandard", ".7z": "7-Zip", ".rar": "RAR",
                ".tar": "tar", ".tgz": "tar"}
_MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz", b"PK\x03\x04": "zip",
          b"\x28\xb5\x2f\xfd": "zstandard"}
_DAMAGED = (OSError, EOFError, lzma.LZMAError, zlib.error, zipfile.BadZipFile)

# bytes of the last pipe read, by path and inode (a pipe is read only once); a named FIFO
# refilled in the same process is seen as its first content
_kept: dict[str, bytes] = {}


def compression_of(path: Path) -> str | None:
    """The compression a file's name says it has (None for a plain file)."""
    return COMPRESSED.get(path.suffix.lower())


def _check_path(path: Path, kind: str) -> None:
    shown = printable(path)
    if not path.exists():
        raise DataError(f"File '{shown}' does not exist. Check the path (relative paths are "
                        f"taken from the current directory, {printable(Path.cwd())}).")
    if path.is_dir():
        raise DataError(f"'{shown}' is a directory, not a {kind} file. Pass the path of a "
                        f"{kind} file.")
    mode = path.stat().st_mode
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise DataError(f"'{shown}' is a device, not a {kind} file. Pass the path of a {kind} "
                        f"file (a pipe such as <(cat file.csv) works too).")
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED:
        raise DataError(f"'{shown}' is a {_UNSUPPORTED[suffix]} archive, which this reader "
                        f"does not open. Decompress it first, or compress it with gzip, bzip2, "
                        f"xz or zip (.gz, .bz2, .xz, .zip).")


def stored_bytes(path: Path, kind: str = "data") -> bytes:
    """The bytes of `path` as stored (still compressed); a pipe is read once and kept."""
    path = Path(path)
    _check_path(path, kind)
    if path.is_file():
        return path.read_bytes()
    status = path.stat()  # a new process substitution is a new pipe: a new key
    key = f"{path}:{status.st_dev}:{status.st_ino}"
    if key not in _kept:
        _kept.clear()  # keep one pipe's bytes at a time
        with open(path, "rb") as stream:
            _kept[key] = stream.read()
    return _kept[key]


def decompress(path: Path, raw: bytes) -> bytes:
    """`raw` unpacked as the file's suffix says; a damaged or truncated archive is a DataError."""
    form = compression_of(path)
    if form is None:
        return raw
    try:
        if form == "gzip":
            return gzip.decompress(raw)
        if form == "bzip2":
            return _streams(bz2.BZ2Decompressor, raw)
        if form == "xz":
            return _streams(lzma.LZMADecompressor, raw)
        return _zip_member(path, raw)
    except _DAMAGED as exc:
        raise DataError(
            f"File '{printable(path)}' ends in {path.suffix} but cannot be decompressed as "
            f"{form} ({exc or type(exc).__name__}); it may be truncated or not {form} at all. "
            f"Pass an intact {form} file, or rename it if it is not compressed."
        ) from None


def _streams(make: Callable[[], Any], raw: bytes) -> bytes:
    """Every stream in `raw` (files may be concatenated); one that ends early is an EOFError
    (the library's own one-shot functions raise a bare ValueError for that)."""
    parts = []
    while raw:
        decompressor = make()
        parts.append(decompressor.decompress(raw))
        if not decompressor.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")
        raw = decompressor.unused_data
    return b"".join(parts)


def _zip_member(path: Path, raw: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        if len(names) != 1:
            listed = ", ".join(printable(name) for name in names[:5]) or "none"
            raise DataError(f"Zip file '{printable(path)}' must hold exactly one file; it holds "
                            f"{len(names)} ({listed}). Zip one CSV per archive, or unpack it.")
        return archive.read(names[0])


def read_input(path: Path, kind: str, expect: str = "data in it") -> tuple[bytes, str]:
    """The decompressed bytes of an existing, non-empty file and the SHA-256 of the file as
    stored. `expect` says, in an error, what a good file holds."""
    path = Path(path)
    raw = stored_bytes(path, kind)
    sha = hashlib.sha256(raw).hexdigest()
    data = decompress(path, raw)
    if not data.strip():
        raise DataError(f"File '{printable(path)}' is empty. Pass a {kind} file with {expect}.")
    return data, sha


def file_bytes(path: Path, kind: str, decompress: bool = True,
               expect: str = "data in it") -> bytes:
    """The bytes of an existing, non-empty file, unpacked when its suffix says it is compressed
    (`decompress=False` keeps them as stored)."""
    if not decompress:
        raw = stored_bytes(Path(path), kind)
        if not raw.strip():
            raise DataError(f"File '{printable(path)}' is empty. Pass a {kind} file with "
                            f"{expect}.")
        return raw
    return read_input(path, kind, expect)[0]


def open_binary(path: Path, kind: str = "data") -> IO[bytes]:
    """A stream of the decompressed bytes, for reading the start of a large file (a header)
    without unpacking all of it. Errors from a damaged archive surface when it is read."""
    path = Path(path)
    _check_path(path, kind)
    if not path.is_file():
        return io.BytesIO(decompress(path, stored_bytes(path, kind)))
    form = compression_of(path)
    if form == "gzip":
        return gzip.open(path, "rb")
    if form == "bzip2":
        return bz2.open(path, "rb")
    if form == "xz":
        return lzma.open(path, "rb")
    if form == "zip":
        return io.BytesIO(decompress(path, path.read_bytes()))
    return open(path, "rb")


def first_line(path: Path, encoding: str, kind: str = "CSV", errors: str = "strict") -> str:
    """The first line of a (possibly compressed) text file, a BOM removed."""
    try:
        with open_binary(path, kind) as binary, \
                io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline="") as text:
            return text.readline().removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise DataError(f"The first line of '{printable(path)}' is not valid {encoding} text. "
                        f"Save it as UTF-8, or pass its encoding (e.g. latin-1).") from None
    except LookupError:
        raise DataError(f"Unknown text encoding '{printable(encoding)}' for "
                        f"'{printable(path)}'; use a name such as utf-8 or latin-1.") from None
    except _DAMAGED as exc:
        form = compression_of(path) or "a plain file"
        raise DataError(f"Cannot read the first line of '{printable(path)}' as {form} "
                        f"({exc or type(exc).__name__}). Pass an intact file.") from None


def decode_text(path: Path, raw: bytes, encoding: str) -> str:
    """`raw` as text; the error names the line of the first byte that cannot be decoded."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        packed = next((name for magic, name in _MAGIC.items() if raw.startswith(magic)), None)
        if packed is not None and compression_of(Path(path)) is None:
            raise DataError(f"File '{printable(path)}' looks {packed}-compressed but its name "
                            f"does not say so. Give it the matching suffix (e.g. .gz) or "
                            f"decompress it.") from None
        raise DataError(
            f"File '{printable(path)}' is not valid {encoding} text: line {line} has a byte "
            f"that cannot be decoded (byte {exc.start} of the file). Save it as UTF-8, or pass "
            f"its encoding with --encoding (e.g. --encoding latin-1)."
        ) from None
    except LookupError:
        raise DataError(f"Unknown text encoding '{printable(encoding)}' for "
                        f"'{printable(path)}'; use a name such as utf-8 or latin-1.") from None


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (recorded with runs and job manifests); a
    pipe already read is hashed from its kept bytes, not read again."""
    path = Path(path)
    if not path.is_file():
        return hashlib.sha256(stored_bytes(path)).hexdigest()
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
