"""Every command that writes (`train`, `classify train`, `evaluate`, `predict`, `classify
predict`): --overwrite replaces only a run directory forecaster wrote, never the user's files,
and every place that cannot be written is exit 2 with a message naming the path, with nothing
half-written left behind."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = DATASETS / "airpassengers.csv"
ITALY = DATASETS / "ucr" / "ItalyPowerDemand"
TINY = ["--target", "y", "--lookback", "10", "--num-layers", "1", "--hidden-size", "8",
        "--epochs", "1", "--device", "cpu", "--quiet"]


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_user_error(result, *texts: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in texts:
        assert text in result.output, f"{text!r} not in {result.output!r}"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) with its content."""
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def precious(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("four years of work", encoding="utf-8")
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return folder


def hidden_leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


@pytest.fixture(scope="module")
def air_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("writes") / "air"
    result = invoke("train", AIR, *TINY, "--out", out)
    assert result.exit_code == 0, result.output
    return out


# --------------------------------------------------------------------------- --overwrite


def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path):
    """The issue's reproduction: `--out precious --overwrite` used to delete thesis.txt."""
    folder = precious(tmp_path / "precious")
    before = snapshot(folder)
    result = invoke("train", AIR, *TINY, "--out", folder, "--overwrite")
    assert_user_error(result, f"Refusing to replace '{folder}'", "metrics.json",
                      "model/config.json", "Nothing was changed")
    assert snapshot(folder) == before
    assert hidden_leftovers(tmp_path) == []


def test_overwrite_refuses_a_folder_with_a_foreign_metrics_json(tmp_path):
    folder = precious(tmp_path / "project")
    (folder / "metrics.json").write_text('{"accuracy": 0.9}', encoding="utf-8")
    (folder / "model").mkdir()
    (folder / "model" / "config.json").write_text("{}", encoding="utf-8")
    before = snapshot(folder)
    result = invoke("train", AIR, *TINY, "--out", folder, "--overwrite")
    assert_user_error(result, "Refusing to replace")
    assert snapshot(folder) == before


def test_overwrite_replaces_a_run_directory(air_run, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(air_run, out)
    (out / "stale.txt").write_text("from the old run", encoding="utf-8")
    result = invoke("train", AIR, *TINY, "--seed", "1", "--out", out, "--overwrite")
    assert result.exit_code == 0, result.output
    assert not (out / "stale.txt").exists()
    assert json.loads((out / "metrics.json").read_text())["training"]["seed"] == 1
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.parametrize("place", ["root", "home", "cwd", "above_cwd"])
def test_overwrite_refuses_root_home_and_the_current_folder(tmp_path, monkeypatch, place):
    home = precious(tmp_path / "home")
    work = precious(home / "projects" / "work")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    out, text = {"root": ("/", "the root of the file system"),
                 "home": (home, "your home folder"),
                 "cwd": (".", "the current folder"),
                 "above_cwd": ("..", "the current folder (or a folder above it)")}[place]
    before = snapshot(home)
    result = invoke("train", AIR, *TINY, "--out", out, "--overwrite")
    assert_user_error(result, f"Refusing to write a run into '{out}'", text)
    assert snapshot(home) == before


def test_the_current_folder_is_refused_even_when_it_is_a_run(air_run, tmp_path, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(air_run, run)
    monkeypatch.chdir(run)
    result = invoke("train", AIR, *TINY, "--out", ".", "--overwrite")
    assert_user_error(result, "the current folder")
    assert (run / "model" / "config.json").is_file()


def test_a_folder_holding_the_input_is_refused(air_run, tmp_path):
    """Even a real run directory: replacing it would delete the data being trained on."""
    run = tmp_path / "run"
    shutil.copytree(air_run, run)
    data = run / "data" / "air.csv"
    data.parent.mkdir()
    shutil.copy(AIR, data)
    before = snapshot(run)
    result = invoke("train", data, *TINY, "--out", run, "--overwrite")
    assert_user_error(result, f"the folder holding the input '{data}'")
    assert snapshot(run) == before


def test_out_that_is_a_file_is_refused_even_with_overwrite(tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("mine", encoding="utf-8")
    result = invoke("train", AIR, *TINY, "--out", out, "--overwrite")
    assert_user_error(result, f"'{out}' already exists and is a file")
    assert out.read_text(encoding="utf-8") == "mine"


def test_a_symbolic_link_is_never_replaced(air_run, tmp_path):
    target = tmp_path / "real"
    shutil.copytree(air_run, target)
    link = tmp_path / "latest"
    link.symlink_to(target)
    result = invoke("train", AIR, *TINY, "--out", link, "--overwrite")
    assert_user_error(result, f"'{link}' is a symbolic link")
    assert link.is_symlink() and (target / "model" / "config.json").is_file()


def test_an_empty_folder_is_used_without_overwrite(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    result = invoke("train", AIR, *TINY, "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "model" / "config.json").is_file()


def test_classify_train_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path):
    folder = precious(tmp_path / "precious")
    before = snapshot(folder)
    result = invoke("classify", "train", ITALY / "ItalyPowerDemand_TRAIN.ts", "--test-path",
                    ITALY / "ItalyPowerDemand_TEST.ts", "--hidden-size", "8", "--epochs", "1",
                    "--quiet", "--out", folder, "--overwrite")
    assert_user_error(result, f"Refusing to replace '{folder}'")
    assert snapshot(folder) == before


def test_evaluate_overwrite_refuses_the_run_holding_the_model(air_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(air_run, run)
    result = invoke("evaluate", run / "model", AIR, "--out", run, "--overwrite")
    assert_user_error(result, f"the folder holding the input '{run / 'model'}'")
    assert (run / "model" / "config.json").is_file()


def test_evaluate_overwrite_replaces_its_own_evaluation(air_run, tmp_path):
    out = tmp_path / "scores"
    for _ in range(2):
        result = invoke("evaluate", air_run / "model", AIR, "--out", out, "--overwrite")
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "predictions.csv"]
    assert hidden_leftovers(tmp_path) == []


# --------------------------------------------------------------------------- unwritable places


def test_out_under_a_file_is_refused_before_training(tmp_path):
    blocker = tmp_path / "report.pdf"
    blocker.write_text("not a folder", encoding="utf-8")
    result = invoke("train", AIR, *TINY, "--out", blocker / "run")
    assert_user_error(result, f"Cannot write '{blocker / 'run'}'",
                      f"'{blocker}' is a file, not a folder")
    assert "epoch" not in result.output  # refused before any training
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_name_too_long_is_refused_before_training(tmp_path):
    out = tmp_path / ("r" * 300)
    result = invoke("train", AIR, *TINY, "--out", out)
    assert_user_error(result, "is 300 bytes long", "Choose a shorter name")
    assert "epoch" not in result.output
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_an_unwritable_place_is_refused_before_training():
    """sysfs refuses new entries to everyone, root included: a real unwritable place."""
    out = Path("/sys/kernel/forecaster-run")
    result = invoke("train", AIR, *TINY, "--out", out)
    assert_user_error(result, f"Cannot write '{out}'", "Choose a place this user can write to")
    assert "epoch" not in result.output


# --------------------------------------------------------------------------- predict --out


def test_predict_out_writes_whole_and_leaves_no_temporary_file(air_run, tmp_path):
    out = tmp_path / "new" / "forecast.csv"
    result = invoke("predict", air_run / "model", AIR, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("date,step,forecast")
    assert os.listdir(out.parent) == ["forecast.csv"]


def test_predict_out_over_a_symlink_replaces_the_file_it_names(air_run, tmp_path):
    target = tmp_path / "forecast.csv"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    result = invoke("predict", air_run / "model", AIR, "--out", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("date,step,forecast")


def test_predict_out_never_overwrites_its_input(air_run, tmp_path):
    data = tmp_path / "air.csv"
    shutil.copy(AIR, data)
    result = invoke("predict", air_run / "model", data, "--out", data)
    assert_user_error(result, f"Refusing to write '{data}'", "the input")
    assert data.read_bytes() == AIR.read_bytes()


def test_predict_out_never_writes_into_the_model(air_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(air_run, run)
    config = run / "model" / "config.json"
    before = config.read_bytes()
    result = invoke("predict", run / "model", AIR, "--out", config)
    assert_user_error(result, "Refusing to write", f"the input '{run / 'model'}'")
    assert config.read_bytes() == before


def test_predict_out_that_is_a_folder_is_refused(air_run, tmp_path):
    result = invoke("predict", air_run / "model", AIR, "--out", tmp_path)
    assert_user_error(result, f"Cannot write '{tmp_path}': it is a directory")


def test_predict_out_under_a_file_is_refused(air_run, tmp_path):
    blocker = tmp_path / "x.csv"
    blocker.write_text("mine", encoding="utf-8")
    result = invoke("predict", air_run / "model", AIR, "--out", blocker / "f.csv")
    assert_user_error(result, f"'{blocker}' is a file, not a folder")
    assert blocker.read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_predict_out_on_a_full_disk_is_exit_2(air_run):
    """/dev/full answers every write with ENOSPC: a real full disk, no mount needed (a device
    is written in place, never replaced)."""
    result = invoke("predict", air_run / "model", AIR, "--out", "/dev/full")
    assert_user_error(result, "Cannot write '/dev/full': the disk is full")
    assert Path("/dev/full").is_char_device()


@pytest.fixture(scope="module")
def italy_model(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("classify_writes") / "italy"
    result = invoke("classify", "train", ITALY / "ItalyPowerDemand_TRAIN.ts", "--test-path",
                    ITALY / "ItalyPowerDemand_TEST.ts", "--hidden-size", "8", "--epochs", "1",
                    "--quiet", "--out", out)
    assert result.exit_code == 0, result.output
    return out / "model"


def test_classify_predict_out_writes_and_refuses_its_input(italy_model, tmp_path):
    data = tmp_path / "test.ts"
    shutil.copy(ITALY / "ItalyPowerDemand_TEST.ts", data)
    out = tmp_path / "labels.csv"
    result = invoke("classify", "predict", italy_model, data, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("row,label,")
    assert sorted(os.listdir(tmp_path)) == ["labels.csv", "test.ts"]
    result = invoke("classify", "predict", italy_model, data, "--out", data)
    assert_user_error(result, f"Refusing to write '{data}'")
    assert data.read_bytes() == (ITALY / "ItalyPowerDemand_TEST.ts").read_bytes()
    result = invoke("classify", "predict", italy_model, data, "--out", tmp_path)
    assert_user_error(result, "it is a directory")


# --------------------------------------------------------------------------- a real small disk


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (a run needs about 130 KiB); skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, check=False) if os.geteuid() == 0 else None
    if made is None or made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_during_the_run_is_exit_2_and_leaves_nothing(small_disk):
    out = small_disk / "run"
    result = invoke("train", AIR, *TINY, "--out", out)
    assert_user_error(result, f"Cannot write '{out}': the disk is full", "Nothing was written")
    assert os.listdir(small_disk) == []


@pytest.mark.slow
def test_a_read_only_disk_is_refused_before_training(small_disk):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    out = small_disk / "run"
    result = invoke("train", AIR, *TINY, "--out", out)
    assert_user_error(result, f"Cannot write '{out}': the file system is read-only")
    assert "epoch" not in result.output
