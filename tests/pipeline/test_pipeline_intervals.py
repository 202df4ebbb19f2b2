"""Prediction intervals in batch jobs: `evaluation.levels` (default 80 and 95), the bounds in
forecasts.csv for every series (per-series and global models), the coverage in the manifest,
and a bad level refused with exit 2 naming the key and the file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.errors import ConfigError
from forecaster.pipeline import load_pipeline

ROOT = Path(__file__).resolve().parents[2]
GAFA = ROOT / "datasets" / "gafa_stock.csv"
TICKERS = ["AAPL", "GOOG"]

SMALL = """\
name: nightly
data:
  path: {data}
  id_column: Symbol
  series: [AAPL, GOOG]
  date_column: Date
  targets: [Close]
mode: {mode}
split: {{test_size: 0.1, val_size: 0.1}}
preprocessing: {{lookback: 10, horizon: 2}}
model: {{cell: gru, hidden_size: 8, num_layers: 1}}
training: {{epochs: 2, patience: 0, batch_size: 64, seed: 0, device: cpu}}
evaluation: {evaluation}
tracking: {{enabled: false}}
output: {{dir: {out}}}
"""


def write_pipeline(tmp_path: Path, *, mode: str = "per-series", evaluation: str = "{}") -> Path:
    path = tmp_path / "nightly.yaml"
    path.write_text(SMALL.format(data=GAFA, mode=mode, evaluation=evaluation,
                                 out=tmp_path / "out"), encoding="utf-8")
    return path


def run_cli(*args: str):
    return CliRunner().invoke(main, ["run", *args])


def assert_bounds_hold_the_forecast(table: pd.DataFrame, levels: list[str]) -> None:
    for level in levels:
        lower, upper = table[f"lower_{level}"], table[f"upper_{level}"]
        assert lower.notna().all() and upper.notna().all()
        assert (lower <= table["forecast"]).all() and (table["forecast"] <= upper).all()
        assert (lower < upper).all()
    if len(levels) == 2:  # the wider level holds the narrower one
        assert (table[f"lower_{levels[1]}"] <= table[f"lower_{levels[0]}"]).all()
        assert (table[f"upper_{levels[0]}"] <= table[f"upper_{levels[1]}"]).all()


@pytest.mark.parametrize("mode", ["per-series", "global"])
def test_forecasts_csv_carries_the_default_bounds_per_series(tmp_path, mode):
    result = run_cli(str(write_pipeline(tmp_path, mode=mode)))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert list(forecasts.columns) == ["series", "date", "step", "forecast", "lower_80",
                                       "upper_80", "lower_95", "upper_95"]
    assert sorted(set(forecasts["series"])) == TICKERS
    assert len(forecasts) == 2 * len(TICKERS)  # horizon 2
    assert_bounds_hold_the_forecast(forecasts, ["80", "95"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for ticker in TICKERS:
        metrics = manifest["series"][ticker]["metrics"]
        assert 0 <= metrics["coverage_80"] <= metrics["coverage_95"] <= 1
        run = json.loads((out / "series" / ticker / "metrics.json").read_text())
        assert run["intervals"]["levels"] == ["80", "95"]
        assert metrics["coverage_80"] == run["intervals"]["metrics"]["model"]["80"]["coverage"]
        held = {level: 100 * metrics[f"coverage_{level}"] for level in ("80", "95")}
        assert (f"intervals: 80 % held {held['80']:.0f} %, 95 % held {held['95']:.0f} %"
                in result.output)  # the summary line says it


def test_levels_from_the_file_reach_forecasts_and_predictions(tmp_path):
    pipeline = write_pipeline(tmp_path, evaluation="{levels: [90]}")
    result = run_cli(str(pipeline), "--set", "data.series=[GOOG]")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert [c for c in forecasts.columns if c.startswith(("lower", "upper"))] == \
        ["lower_90", "upper_90"]
    assert_bounds_hold_the_forecast(forecasts, ["90"])
    predictions = pd.read_csv(out / "series" / "GOOG" / "predictions.csv")
    assert {"lower_90", "upper_90"} <= set(predictions.columns)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["series"]["GOOG"]["metrics"]) >= {"coverage_90"}
    assert "coverage_80" not in manifest["series"]["GOOG"]["metrics"]


def test_levels_default_to_80_and_95_and_read_as_the_cli_takes_them(tmp_path):
    assert load_pipeline(write_pipeline(tmp_path)).evaluation.levels == (80.0, 95.0)
    pipeline = load_pipeline(write_pipeline(tmp_path, evaluation="{levels: [95, 50, 97.5]}"))
    assert pipeline.evaluation.levels == (50.0, 95.0, 97.5)
    assert load_pipeline(write_pipeline(tmp_path, evaluation="{levels: 90}")
                         ).evaluation.levels == (90.0,)
    assert pipeline.to_dict()["evaluation"]["levels"] == [50.0, 95.0, 97.5]


@pytest.mark.parametrize(("levels", "said"), [
    ("[0]", "strictly between 0 and 100"),
    ("[100]", "strictly between 0 and 100"),
    ("[80, -5]", "got -5"),
    ("[.nan]", "strictly between 0 and 100"),
    ("[abc]", "must list numbers"),
    ("[80, 80.0]", "lists the level 80 more than once"),
    ("[]", "at least one coverage level"),
    ("{a: 1}", "must be a list of coverage levels"),
])
def test_a_bad_level_is_refused_naming_the_key_and_the_file(tmp_path, levels, said):
    path = write_pipeline(tmp_path, evaluation=f"{{levels: {levels}}}")
    with pytest.raises(ConfigError) as refused:
        load_pipeline(path)
    text = str(refused.value)
    assert text.startswith(f"{path}: 'evaluation.levels' ")
    assert said in text


def test_a_bad_level_given_with_set_is_exit_2_and_runs_nothing(tmp_path):
    path = write_pipeline(tmp_path)
    result = run_cli(str(path), "--set", "evaluation.levels=[95, 100]")
    assert result.exit_code == 2, result.output
    assert "'evaluation.levels'" in result.output and "got 100" in result.output
    assert "--set evaluation.levels=[95, 100]" in result.output
    assert not (tmp_path / "out").exists()
    assert math.isclose(load_pipeline(path, ["evaluation.levels=[99]"]).evaluation.levels[0], 99)
