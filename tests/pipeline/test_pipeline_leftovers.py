"""What killed writes leave in a job's output folder is cleared by the next run: temporary and
moved-aside run directories, temporary manifest, forecasts and checkpoint files, and the lock
files a killed job was about to link."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from click.testing import CliRunner

from forecaster.cli import main
from forecaster.output import OLD_MARK, TMP_MARK, atomic_directory, atomic_file

GAFA = Path(__file__).resolve().parents[2] / "datasets" / "gafa_stock.csv"

PIPELINE = """\
data: {{path: {data}, id_column: Symbol, date_column: Date, targets: [Close], series: [FB]}}
preprocessing: {{lookback: 10, horizon: 1}}
training: {{epochs: 1, patience: 0, seed: 0, device: cpu}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
"""


def killed_writes(out: Path) -> list:
    """Start the package's own atomic writes and never finish them, as a SIGKILL inside the
    write would (the context managers are kept alive so nothing cleans up behind them)."""
    pending = [atomic_directory(out / "series" / "FB"), atomic_file(out / "manifest.json"),
               atomic_file(out / "forecasts.csv"),
               atomic_file(out / ".work" / "FB" / "checkpoint.pt"),
               atomic_file(out / ".work" / "_global" / "checkpoint.pt")]
    for writer in pending:
        target = writer.__enter__()
        if target.is_dir():
            (target / "metrics.json").write_text("{}", encoding="utf-8")
        else:
            target.write_bytes(b"half a file")
    aside = out / "series" / f".AAPL{OLD_MARK}4242-0a1b2c3d"  # a run dir moved aside
    (aside / "model").mkdir(parents=True)
    return pending


def leftovers(out: Path) -> list[str]:
    return sorted(str(path.relative_to(out)) for path in out.rglob(".*")
                  if TMP_MARK in path.name or OLD_MARK in path.name
                  or path.name.startswith(".lock.new-"))


def test_the_next_run_clears_what_killed_writes_left(tmp_path):
    out = tmp_path / "out"
    pending = killed_writes(out)
    stale_link = out / ".lock.new-deadbeef.tmp"  # a killed job was about to link it as .lock
    stale_link.write_text("{}", encoding="utf-8")
    os.utime(stale_link, (time.time() - 120, time.time() - 120))
    fresh_link = out / ".lock.new-cafe.tmp"  # a job starting right now may still link it
    fresh_link.write_text("{}", encoding="utf-8")
    before = leftovers(out)
    assert len(before) == 8, before  # every kind of leftover is there to clear
    pipeline = tmp_path / "job.yaml"
    pipeline.write_text(PIPELINE.format(data=GAFA, out=out), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(pipeline), "--log-format", "json"])
    assert result.exit_code == 0, result.output
    assert leftovers(out) == [".lock.new-cafe.tmp"]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    cleared = next(e for e in events if e["event"] == "leftovers_removed")
    assert sorted(Path(p).name for p in cleared["paths"]) == sorted(
        Path(p).name for p in before if "cafe" not in p)
    assert json.loads((out / "series" / "FB" / "metrics.json").read_text())["pipeline"]
    del pending
