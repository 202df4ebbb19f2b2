"""Bad input on the command line: exit code 2, a message naming the file / column / line, and
nothing left behind (no run directory, no hidden temporary directory)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
GOOG = DATASETS / "GOOG.csv"
GOOG_LINES = GOOG.read_text(encoding="utf-8").splitlines()  # [0] is the header (file line 1)
CLOSE = GOOG_LINES[0].split(",").index("Close")
TINY = ["--lookback", "10", "--num-layers", "1", "--hidden-size", "8", "--epochs", "1",
        "--device", "cpu", "--quiet"]


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def goog_with(path: Path, changes: dict[int, str], column: int = CLOSE,
              rows: int = 120) -> Path:
    """The first `rows` data rows of GOOG.csv with field `column` replaced on 1-based lines."""
    lines = list(GOOG_LINES[: rows + 1])
    for line, value in changes.items():
        fields = lines[line - 1].split(",")
        fields[column] = value
        lines[line - 1] = ",".join(fields)
    return write_lines(path, lines)


def assert_user_error(result, *texts: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "Error:" in result.output
    for text in texts:
        assert text in result.output, f"{text!r} not in {result.output!r}"


# Each case writes its input (if any) into tmp_path and returns (csv, extra args, texts the
# message must contain). "{csv}" in a text is replaced by the path.
def _missing(tmp: Path):
    return tmp / "nope.csv", [], ["{csv}", "does not exist"]


def _empty(tmp: Path):
    path = tmp / "empty.csv"
    path.write_bytes(b"")
    return path, [], ["{csv}", "is empty"]


def _whitespace(tmp: Path):
    path = tmp / "blank.csv"
    path.write_text(" \n\n\t\n", encoding="utf-8")
    return path, [], ["{csv}", "is empty"]


def _png(tmp: Path):
    path = tmp / "chart.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08")
    return path, [], ["{csv}", "not valid utf-8", "--encoding"]


def _one_column(tmp: Path):
    path = write_lines(tmp / "notes.csv", ["Meeting notes", "buy GOOG", "sell later"])
    return path, [], ["{csv}", "does not look like a CSV series", "1 column(s)"]


def _unknown_target(tmp: Path):
    path = write_lines(tmp / "goog.csv", GOOG_LINES[:121])
    return path, ["--target", "Price"], [
        "{csv}", "'Price'", "Symbol, Open, High, Low, Close, Adj_Close, Volume"]


def _unknown_feature(tmp: Path):
    path = write_lines(tmp / "goog.csv", GOOG_LINES[:121])
    return path, ["--features", "Open,Volumes"], ["{csv}", "'Volumes'", "Columns there"]


def _non_numeric(tmp: Path):
    return goog_with(tmp / "typo.csv", {5: "abc"}), [], [
        "{csv}", "Column 'Close'", "non-numeric", "line 5: 'abc'"]


def _n_a(tmp: Path):
    return goog_with(tmp / "na.csv", {5: "n/a"}), [], [
        "{csv}", "missing value(s) in column(s) Close (lines 5)", "--fill"]


def _bad_date(tmp: Path):
    return goog_with(tmp / "dates.csv", {7: "31/31/2014"}, column=1), [], [
        "{csv}", "Column 'Date'", "line 7: '31/31/2014'"]


def _duplicates(tmp: Path):
    return DATASETS / "gafa_stock.csv", [], [
        "{csv}", "repeated dates", "lines 2, 3, 4, 5, 6", "keep one of them"]


def _missing_values(tmp: Path):
    return DATASETS / "co2_weekly.csv", ["--target", "co2"], [
        "{csv}", "59 missing value(s)", "lines 8, 11, 12, 13, 14", "--fill"]


def _constant(tmp: Path):
    return goog_with(tmp / "flat.csv", {line: "7.5" for line in range(2, 122)}), [], [
        "{csv}", "'Close'", "is constant (7.5)"]


def _latin1(tmp: Path):
    path = tmp / "latin1.csv"
    text = "\n".join(GOOG_LINES[:121]).replace("GOOG", "Société") + "\n"
    path.write_bytes(text.encode("latin-1"))
    return path, [], ["{csv}", "not valid utf-8", "--encoding latin-1"]


def _too_short(tmp: Path):  # default --lookback 100 on 50 rows
    path = write_lines(tmp / "short.csv", GOOG_LINES[:51])
    return path, ["--lookback", "100"], ["50 rows", "lookback 100", "--lookback"]


CASES: dict[str, Callable[[Path], tuple[Path, list[str], list[str]]]] = {
    "missing file": _missing, "empty file": _empty, "whitespace only": _whitespace,
    "binary png": _png, "one column text": _one_column, "unknown target": _unknown_target,
    "unknown feature": _unknown_feature, "non-numeric": _non_numeric, "n/a value": _n_a,
    "bad date": _bad_date, "duplicate dates": _duplicates, "missing values": _missing_values,
    "constant": _constant, "latin-1": _latin1, "too short": _too_short,
}


@pytest.mark.parametrize("case", list(CASES))
def test_train_bad_input_exits_2_and_leaves_nothing(tmp_path, case):
    csv, extra, texts = CASES[case](tmp_path)
    before = sorted(os.listdir(tmp_path))
    args = ["--target", "Close", "--epochs", "1", *extra, "--out", tmp_path / "run"]
    if "--lookback" not in extra:
        args += ["--lookback", "10"]
    result = invoke("train", csv, *args)
    assert_user_error(result, *(t.replace("{csv}", str(csv)) for t in texts))
    # no run directory and no hidden temporary directory next to it
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.parametrize("option", [["--cell", "transformer"], ["--fill", "mean"],
                                    ["--window-norm", "zscore"]])
def test_unknown_choice_is_a_usage_error(tmp_path, option):
    result = invoke("train", GOOG, "--target", "Close", *option, "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert "Invalid value for" in result.output
    assert option[0] in result.output and option[1] in result.output
    assert os.listdir(tmp_path) == []


def test_existing_non_empty_out_is_left_untouched(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "notes.md").write_text("more", encoding="utf-8")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    result = invoke("train", GOOG, "--target", "Close", *TINY, "--out", out)
    assert_user_error(result, str(out), "already exists and is not empty", "--overwrite")
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert (out / "keep.txt").read_text(encoding="utf-8") == "precious"
    assert (out / "sub" / "notes.md").read_text(encoding="utf-8") == "more"
    assert os.listdir(tmp_path) == ["run"]  # no hidden temporary directory beside it


@pytest.mark.parametrize(("error", "exit_code"), [("user", 2), ("bug", 1)])
def test_failure_while_writing_leaves_no_directory(tmp_path, monkeypatch, error, exit_code):
    """A failure inside the atomic write (here: the loss plot) removes the hidden directory."""
    import forecaster.forecasting.plots as plots
    from forecaster.errors import ForecasterError

    def broken_plot(*args, **kwargs):
        raise ForecasterError("plotting failed") if error == "user" else RuntimeError("boom")

    monkeypatch.setattr(plots, "plot_loss", broken_plot)
    csv = write_lines(tmp_path / "goog.csv", GOOG_LINES[:201])
    result = invoke("train", csv, "--target", "Close", *TINY, "--out", tmp_path / "run")
    assert result.exit_code == exit_code, result.output
    assert os.listdir(tmp_path) == ["goog.csv"]


# --------------------------------------------------------------------------- saved models


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bad_input_runs") / "goog"
    result = invoke("train", GOOG, "--target", "Close", *TINY, "--out", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("command", ["predict", "evaluate", "backtest"])
def test_missing_model_dir(tmp_path, command):
    model = tmp_path / "no_model"
    result = invoke(command, model, GOOG)
    assert_user_error(result, str(model), "does not exist")


def test_run_dir_instead_of_model_dir(run_dir):
    result = invoke("predict", run_dir, GOOG)
    assert_user_error(result, str(run_dir), "config.json", "missing", "model")


def test_predict_works_on_the_training_file(run_dir):
    result = invoke("predict", run_dir / "model", GOOG)
    assert result.exit_code == 0, result.output
    assert "2019-01-01" in result.output


def test_predict_csv_without_the_target_lists_columns(run_dir, tmp_path):
    csv = tmp_path / "air.csv"
    csv.write_bytes((DATASETS / "airpassengers.csv").read_bytes())
    result = invoke("predict", run_dir / "model", csv)
    assert_user_error(result, str(csv), "'Close'", "Columns there: y", "dates in 'ds'")


def test_predict_on_bad_csv(run_dir, tmp_path):
    csv = goog_with(tmp_path / "typo.csv", {12: "twelve"})
    out = tmp_path / "forecast.csv"
    result = invoke("predict", run_dir / "model", csv, "--out", out)
    assert_user_error(result, str(csv), "line 12: 'twelve'")
    assert sorted(os.listdir(tmp_path)) == ["typo.csv"]


def test_run_dir_permissions_follow_the_umask(run_dir):
    umask = os.umask(0)
    os.umask(umask)
    if umask & 0o077 == 0o077:
        pytest.skip("umask already makes directories private")
    assert stat.S_IMODE(run_dir.stat().st_mode) == 0o777 & ~umask


# --------------------------------------------------------------------------- help, subprocess


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "backtest"])
def test_help_has_examples(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


@pytest.mark.slow
def test_exit_code_as_a_user_sees_it(tmp_path):
    csv = goog_with(tmp_path / "typo.csv", {5: "abc"})
    completed = subprocess.run(
        [sys.executable, "-m", "forecaster", "train", str(csv), "--target", "Close",
         "--epochs", "1", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.startswith("Error: ")
    assert "line 5: 'abc'" in completed.stderr and str(csv) in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""
    assert sorted(os.listdir(tmp_path)) == ["typo.csv"]


@pytest.mark.slow
def test_console_script_usage_error(tmp_path):
    script = Path(sys.executable).parent / "forecaster"
    if not script.exists():
        pytest.skip("the forecaster console script is not installed beside this Python")
    completed = subprocess.run(
        [str(script), "train", str(GOOG), "--target", "Close", "--cell", "transformer",
         "--out", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert completed.returncode == 2
    assert "Invalid value for '--cell'" in completed.stderr
    assert os.listdir(tmp_path) == []
