"""The one place that opens data files: compressed formats, damaged archives, pipes read once,
devices refused, and names from files made safe to print.

Inputs are the shipped real files (airpassengers.csv, rotten_tomatoes.csv), compressed or piped
here in tmp_path.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import threading
import zipfile
from pathlib import Path

import pytest

from forecaster.classification.case_files import read_cases, resolve_kind
from forecaster.data import load_series
from forecaster.data.input_files import first_line, sha256_of
from forecaster.data.printable import printable
from forecaster.errors import DataError
from forecaster.pipeline.columns import header

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = DATASETS / "airpassengers.csv"
AIR_BYTES = AIR.read_bytes()
TOMATOES = DATASETS / "rotten_tomatoes.csv"


def _zip(raw: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("airpassengers.csv", raw)
    return buffer.getvalue()


@pytest.mark.parametrize(("suffix", "pack"), [(".gz", gzip.compress), (".bz2", bz2.compress),
                                              (".xz", lzma.compress), (".zip", _zip)])
def test_every_compressed_format_reads_like_the_plain_file(tmp_path, suffix, pack):
    path = tmp_path / f"air.csv{suffix}"
    stored = pack(AIR_BYTES)
    path.write_bytes(stored)
    series = load_series(path)
    plain = load_series(AIR)
    assert series.frame.equals(plain.frame)
    assert series.file_sha256 == hashlib.sha256(stored).hexdigest()  # the file as stored
    assert header(path, "utf-8") == ["ds", "y"]  # pipeline validation reads the same header


@pytest.mark.parametrize(("suffix", "pack", "form"), [(".gz", gzip.compress, "gzip"),
                                                      (".bz2", bz2.compress, "bzip2"),
                                                      (".xz", lzma.compress, "xz"),
                                                      (".zip", _zip, "zip")])
def test_truncated_archive_is_a_data_error_naming_the_file(tmp_path, suffix, pack, form):
    path = tmp_path / f"air.csv{suffix}"
    whole = pack(AIR_BYTES)
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError) as info:
        load_series(path)
    message = str(info.value)
    assert str(path) in message
    assert f"cannot be decompressed as {form}" in message
    assert "truncated" in message


def test_zip_with_two_files_names_them(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", AIR_BYTES)
        archive.writestr("b.csv", AIR_BYTES)
    with pytest.raises(DataError, match=r"must hold exactly one file; it holds 2 \(a.csv, b.csv\)"):
        load_series(path)


def test_zstandard_file_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "air.csv.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + AIR_BYTES)
    with pytest.raises(DataError, match="zstandard archive, which this reader does not open. "
                                        "Decompress it first"):
        load_series(path)


def test_gzip_bytes_under_a_csv_name_say_so(tmp_path):
    path = tmp_path / "air.csv"
    path.write_bytes(gzip.compress(AIR_BYTES))
    with pytest.raises(DataError, match="looks gzip-compressed but its name does not say so"):
        load_series(path)


def _fifo_with(tmp_path: Path, raw: bytes, name: str = "pipe.csv") -> tuple[Path, threading.Thread]:
    """A named pipe that a writer fills once, like `<(cat file.csv)` does."""
    path = tmp_path / name
    os.mkfifo(path)

    def write() -> None:
        with open(path, "wb") as stream:
            stream.write(raw)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return path, writer


def test_a_pipe_is_read_once_and_hashed_from_the_kept_bytes(tmp_path):
    path, writer = _fifo_with(tmp_path, AIR_BYTES)
    series = load_series(path)
    writer.join(timeout=10)
    assert len(series.frame) == 144
    assert series.file_sha256 == hashlib.sha256(AIR_BYTES).hexdigest()
    # a second look (the manifest hash) would block on a pipe with no writer; it is kept
    assert sha256_of(path) == series.file_sha256
    assert load_series(path).frame.equals(series.frame)


def test_classify_reads_a_pipe_twice_header_then_rows(tmp_path):
    raw = b"\n".join(TOMATOES.read_bytes().splitlines()[:41]) + b"\n"
    path, writer = _fifo_with(tmp_path, raw)
    kind = resolve_kind("auto", path, None)  # reads the first line
    cases = read_cases(path, kind)  # then all of it
    writer.join(timeout=10)
    assert kind == "text"
    assert len(cases.texts) == 40


def test_a_device_is_refused(tmp_path):
    with pytest.raises(DataError, match="'/dev/zero' is a device, not a CSV file"):
        load_series("/dev/zero")


def test_first_line_of_a_damaged_gzip_is_a_data_error(tmp_path):
    path = tmp_path / "notgzip.csv.gz"
    path.write_bytes(b"this is not gzip at all\n")
    with pytest.raises(DataError, match="Cannot read the first line of .* as gzip"):
        first_line(path, "utf-8")


# --------------------------------------------------------------------------- printable names


@pytest.mark.parametrize(("name", "shown"), [
    ("Close", "Close"),
    ("Température", "Température"),
    ("\x1b[2J", "\\x1b[2J"),
    ("a\nb", "a\\nb"),
    ("evil\u202etxt.csv", "evil\\u202etxt.csv"),
    (Path("dir/\x07bell.csv"), "dir/\\x07bell.csv"),
])
def test_printable_escapes_control_characters_only(name, shown):
    assert printable(name) == shown


def test_escape_sequences_in_a_header_are_not_echoed(tmp_path):
    path = tmp_path / "evil.csv"
    path.write_bytes(AIR_BYTES.replace(b"ds,y", b"ds,\x1b[2Jy\x1b]0;owned\x07"))
    with pytest.raises(DataError) as info:
        load_series(path, target="Close")
    message = str(info.value)
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b[2Jy\\x1b]0;owned\\x07" in message


def test_two_process_substitutions_at_the_same_fd_path_are_read_apart():
    """`<(...)` is /dev/fd/N: the number is reused, the pipe behind it is new."""
    lengths = []
    for rows in (60, 100):
        read_end, write_end = os.pipe()
        raw = b"\n".join(AIR_BYTES.splitlines()[: rows + 1]) + b"\n"
        writer = threading.Thread(target=lambda w=write_end, r=raw: (os.write(w, r),
                                                                    os.close(w)), daemon=True)
        writer.start()
        try:
            lengths.append(len(load_series(f"/dev/fd/{read_end}").frame))
        finally:
            writer.join(timeout=10)
            os.close(read_end)
    assert lengths == [60, 100]
