"""Every shipped data file is listed in datasets/SHA256SUMS with its current checksum, and in
datasets/README.md, so a copy that changed (or was added without its provenance) is caught."""

from __future__ import annotations

import hashlib
from pathlib import Path

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
NOT_DATA = {"README.md", "SHA256SUMS"}


def _listed() -> dict[str, str]:
    lines = (DATASETS / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines if line)}


def test_every_data_file_is_listed_with_its_checksum():
    listed = _listed()
    on_disk = sorted(str(path.relative_to(DATASETS)) for path in DATASETS.rglob("*")
                     if path.is_file() and path.name not in NOT_DATA)
    assert sorted(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((DATASETS / name).read_bytes()).hexdigest() == digest, name


def test_every_data_file_has_a_readme_row_with_its_checksum():
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    for name, digest in _listed().items():
        assert f"`{name}`" in readme and f"`{digest}`" in readme, name
