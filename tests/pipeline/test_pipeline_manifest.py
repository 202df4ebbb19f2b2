"""The job manifest: round trip, atomic writes (no temporary files left, the old file intact if
a write fails), a clear error for a corrupt one, and the streaming file hash."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from forecaster.errors import ConfigError
from forecaster.pipeline import Manifest, SeriesRecord, sha256_file
from forecaster.pipeline.manifest import MANIFEST_NAME, SERIES_STATUSES

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"


def sample() -> Manifest:
    manifest = Manifest("pipelines/gafa_nightly.yaml", "a" * 64, "b" * 64,
                        inputs={str(GOOG): "c" * 64})
    done = manifest.record("AAPL")
    done.status, done.key, done.metrics, done.seconds = "done", "k1", {"mae": 1.5}, 12.25
    done.started, done.finished, done.run_dir, done.attempts = \
        "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:12+00:00", "runs/AAPL", 1
    failed = manifest.record("FB")
    failed.status, failed.reason, failed.attempts = "failed", "DataError: too short", 2
    manifest.record("GOOG")
    return manifest


def test_round_trip(tmp_path):
    manifest = sample()
    path = manifest.save(tmp_path)
    assert path == tmp_path / MANIFEST_NAME
    loaded = Manifest.load(tmp_path)
    assert loaded == manifest
    assert loaded.series["AAPL"] == SeriesRecord("AAPL", "done", "k1", None, {"mae": 1.5}, 12.25,
                                                 "2024-01-01T00:00:00+00:00",
                                                 "2024-01-01T00:00:12+00:00", "runs/AAPL", 1)
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


def test_no_manifest_is_none(tmp_path):
    assert Manifest.load(tmp_path) is None


def test_summary_counts_every_status():
    counts = sample().summary_counts()
    assert list(counts) == list(SERIES_STATUSES)
    assert counts == {"pending": 1, "running": 0, "done": 1, "failed": 1, "skipped": 0}


def test_record_returns_the_existing_record():
    manifest = sample()
    assert manifest.record("AAPL").status == "done"
    assert manifest.record("NEW").status == "pending" and "NEW" in manifest.series


def test_save_leaves_no_temporary_files(tmp_path):
    manifest = sample()
    for _ in range(3):
        manifest.save(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST_NAME]


def test_a_failed_write_keeps_the_old_manifest(tmp_path, monkeypatch):
    sample().save(tmp_path)
    before = (tmp_path / MANIFEST_NAME).read_bytes()
    changed = sample()
    changed.status = "done"

    def broken_replace(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        changed.save(tmp_path)
    assert (tmp_path / MANIFEST_NAME).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [MANIFEST_NAME]


@pytest.mark.parametrize("content, reason", [
    ('{"version": 1, "pipeline_file": "x"', "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"version": 7}', "format version 7"),
    ('{"version": 1, "pipeline_file": "x", "pipeline_sha256": "a"}', "lacks keys: config_hash"),
    ('{"version": 1, "pipeline_file": "x", "pipeline_sha256": "a", "config_hash": "b", '
     '"series": {"A": {"series_id": "A", "status": "exploded"}}}', "status must be one of"),
])
def test_corrupt_manifest_is_a_config_error_naming_it(tmp_path, content, reason):
    (tmp_path / MANIFEST_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Manifest.load(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"Manifest '{tmp_path / MANIFEST_NAME}' cannot be read (")
    assert reason in message
    assert "delete it" in message and "--force" in message


def test_sha256_file_streams_the_same_digest_as_reading_it_whole(tmp_path):
    assert sha256_file(GOOG) == hashlib.sha256(GOOG.read_bytes()).hexdigest()
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * (1 << 20) + 5))  # several 1 MiB chunks and a remainder
    assert sha256_file(big) == hashlib.sha256(big.read_bytes()).hexdigest()
