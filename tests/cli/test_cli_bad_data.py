"""Bad data files through the command line: exit code 2 and a message naming the file, the line
or column and the fix; usable but uneven data trains with a warning; a pipe is read once.

Each file is a shipped real series (airpassengers.csv, GOOG.csv) rewritten in tmp_path.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = DATASETS / "airpassengers.csv"
AIR_LINES = AIR.read_text(encoding="utf-8").splitlines()
GOOG_LINES = (DATASETS / "GOOG.csv").read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train(csv: Path, tmp: Path, *args: str):
    return CliRunner().invoke(main, ["train", str(csv), "--no-tracking", "--out",
                                     str(tmp / "run"), "--epochs", "1", *args])


def assert_exit_2(result, *texts: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in texts:
        assert text in result.output, f"{text!r} not in {result.output!r}"


def _truncated_gz(tmp: Path):
    path = tmp / "air.csv.gz"
    whole = gzip.compress(AIR.read_bytes())
    path.write_bytes(whole[:-20])
    return path, ["cannot be decompressed as gzip", "truncated"]


def _inf_target(tmp: Path):
    lines = list(AIR_LINES)
    lines[10] = lines[10].split(",")[0] + ",inf"
    return write_lines(tmp / "inf.csv", lines), ["Column 'y'", "infinite or too large",
                                                 "line 11: inf"]


def _huge_target(tmp: Path):
    lines = list(AIR_LINES)
    lines[20] = lines[20].split(",")[0] + ",1e200"
    return write_lines(tmp / "huge.csv", lines), ["infinite or too large", "line 21"]


def _same_header_twice(tmp: Path):
    lines = [line + "," + line.split(",")[1] for line in AIR_LINES]
    lines[0] = "ds,y,y"
    return write_lines(tmp / "twice.csv", lines), ["two columns named 'y' (columns 2 and 3"]


def _offset_and_no_offset(tmp: Path):
    lines = [AIR_LINES[0]] + [f"{line.split(',')[0]}T00:00:00+01:00,{line.split(',')[1]}"
                              for line in AIR_LINES[1:]]
    lines[5] = AIR_LINES[5]  # file line 6 without time or offset
    return write_lines(tmp / "tz.csv", lines), ["mixes times with a UTC offset",
                                                "line 6: '1949-05-01'"]


def _empty_date(tmp: Path):
    lines = list(AIR_LINES)
    lines[7] = "," + lines[7].split(",")[1]
    return write_lines(tmp / "nodate.csv", lines), ["without a date", "line(s) 8"]


def _plain_numbers_as_dates(tmp: Path):
    lines = ["ds,y"] + [f"{i},{line.split(',')[1]}" for i, line in enumerate(AIR_LINES[1:])]
    return write_lines(tmp / "index.csv", lines), ["Column 'ds'", "no kind of date",
                                                   "ISO dates"]


def _zstandard(tmp: Path):
    path = tmp / "air.csv.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd\x00")
    return path, ["zstandard archive", "Decompress it first"]


CASES = [_truncated_gz, _inf_target, _huge_target, _same_header_twice, _offset_and_no_offset,
         _empty_date, _plain_numbers_as_dates, _zstandard]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__.strip("_"))
def test_bad_data_exits_2_with_a_pinned_message(tmp_path, case):
    path, texts = case(tmp_path)
    result = train(path, tmp_path, "--target", "y")
    assert_exit_2(result, str(path), *texts)
    assert not (tmp_path / "run").exists()


def test_escape_sequences_in_a_header_do_not_reach_the_terminal(tmp_path):
    lines = list(AIR_LINES)
    lines[0] = "ds,\x1b[2J\x1b]0;pwned\x07"
    path = write_lines(tmp_path / "evil.csv", lines)
    result = train(path, tmp_path, "--target", "Close")
    assert_exit_2(result, "\\x1b[2J\\x1b]0;pwned\\x07")
    assert "\x1b" not in result.output and "\x07" not in result.output


@pytest.mark.slow
def test_a_process_substitution_is_read_once_and_uneven_dates_are_warned(tmp_path):
    frame = pd.read_csv(AIR).drop(index=[2, 30])  # two months missing
    gaps = tmp_path / "gaps.csv"
    frame.to_csv(gaps, index=False)
    forecaster = Path(sys.executable).with_name("forecaster")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    command = (f"'{forecaster}' train <(cat '{gaps}') --target y --no-tracking --epochs 1 "
               f"--lookback 12 --num-layers 1 --hidden-size 8 --device cpu --quiet "
               f"--out '{tmp_path / 'run'}'")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                          timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "142 rows of 'y'" in done.stderr  # the whole pipe, read once
    assert "2 date(s) are missing from the usual step 'MS' (first: 1949-03-01" in done.stderr
    assert (tmp_path / "run" / "metrics.json").is_file()
