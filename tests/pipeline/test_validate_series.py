"""`data.series` naming a series the data does not have: `validate` refuses it with exit 2 and
the available ids, as `run` does, so a scheduled job never learns it from a failed run."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main

ROOT = Path(__file__).resolve().parents[2]
GAFA = ROOT / "pipelines" / "gafa_nightly.yaml"


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def pipeline_naming(tmp_path: Path, series: str) -> Path:
    """A copy of the shipped GAFA pipeline whose own file names `series`."""
    text = GAFA.read_text(encoding="utf-8")
    text = text.replace("../datasets/gafa_stock.csv", str(ROOT / "datasets" / "gafa_stock.csv"))
    text = text.replace("  series: null", f"  series: {series}")
    path = tmp_path / "gafa.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("series", ["[MSFT]", "[AAPL, msft]", "aapl"])
def test_validate_refuses_an_unknown_series_listing_the_available_ids(tmp_path, series):
    path = pipeline_naming(tmp_path, series)
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    assert "valid pipeline" not in result.output
    assert f"{path}: data.series names" in result.output
    assert "which the data does not have. Available: AAPL, AMZN, FB, GOOG." in result.output


def test_validate_and_run_agree_on_an_unknown_series(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    validated = invoke("validate", GAFA, "--set", "data.series=[MSFT]")
    ran = invoke("run", GAFA, "--set", "data.series=[MSFT]", "--no-tracking")
    assert validated.exit_code == ran.exit_code == 2
    message = "data.series names ['MSFT'], which the data does not have."
    assert message in validated.output and message in ran.output
    assert not (tmp_path / "runs").exists()  # refused before anything was written


def test_validate_accepts_a_known_series(tmp_path):
    result = invoke("validate", pipeline_naming(tmp_path, "[GOOG]"))
    assert result.exit_code == 0, result.output
    assert "ids          1: GOOG" in result.output
