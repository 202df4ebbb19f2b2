"""A pipeline records per series whether the kept model barely trained (manifest.json), as its
run directory's metrics.json says."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from forecaster.cli import main

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"
PIPELINE = """\
name: air
data: {{path: {data}, targets: [y]}}
model: {{cell: gru, hidden_size: 8, num_layers: 1}}
training: {{epochs: {epochs}, patience: 0, seed: 0, device: cpu, threads: 1}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
"""


def run(tmp_path: Path, epochs: int) -> tuple[dict, dict]:
    path = tmp_path / f"air{epochs}.yaml"
    out = tmp_path / f"out{epochs}"
    path.write_text(PIPELINE.format(data=AIR, epochs=epochs, out=out), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (record,) = manifest["series"].values()
    run_dir = next((out / "series").iterdir())
    return record["metrics"], json.loads((run_dir / "metrics.json").read_text())["training"]


def test_the_manifest_says_which_series_barely_trained(tmp_path):
    one, training = run(tmp_path, epochs=1)
    assert one["barely_trained"] is True and training["barely_trained"] is True
    assert "epoch 1 kept" in one["verdict_short"]
    ten, training = run(tmp_path, epochs=10)
    assert ten["barely_trained"] is False and training["barely_trained"] is False


def test_the_printed_summary_flags_a_model_that_barely_trained(tmp_path):
    """At lr 1e-6 a later epoch is kept, but it is under 1 % better than the first: the
    verdict's "epoch 1 kept" does not apply, so the summary line says it."""
    path = tmp_path / "slow.yaml"
    out = tmp_path / "out"
    text = PIPELINE.format(data=AIR, epochs=4, out=out).replace(
        "patience: 0,", "patience: 0, learning_rate: 0.000001,")
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (record,) = manifest["series"].values()
    assert record["metrics"]["barely_trained"] is True
    assert "epoch 1 kept" not in record["metrics"]["verdict_short"]
    assert "; barely trained)" in result.output
