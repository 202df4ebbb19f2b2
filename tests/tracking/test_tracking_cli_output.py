"""What the user sees of MLflow (a local SQLite store, no server): a refused input opens no
MLflow run (no store at all), a tracked train shows only our lines on stderr (none of MLflow's
INFO or registration lines), `models list` is an aligned table with one precision per metric,
`models show` reads as text (`--json`: numbers as numbers), and every registry option says
what it does."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
GOOG = ROOT / "datasets" / "GOOG.csv"
AIR = ROOT / "datasets" / "airpassengers.csv"
ITALY = ROOT / "datasets" / "ucr" / "ItalyPowerDemand" / "ItalyPowerDemand_TRAIN.ts"
TINY = ["--target", "Close", "--cell", "gru", "--num-layers", "1", "--hidden-size", "8",
        "--lookback", "20", "--epochs", "2", "--patience", "0", "--device", "cpu", "--quiet"]


@pytest.fixture(scope="module")
def registered(tmp_path_factory, cli):
    """A tracked `forecaster train --register goog` into a new store: (work dir, result)."""
    work = tmp_path_factory.mktemp("output")
    cwd = Path.cwd()
    os.chdir(work)
    try:
        result = cli("train", GOOG, *TINY, "--out", "run", "--register", "goog",
                     "--tracking-uri", f"sqlite:///{work / 'mlflow.db'}")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return work, result


# --- a refusal opens nothing --------------------------------------------------------------


def test_a_refused_train_leaves_no_experiment_and_no_run(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("train", AIR, "--lookback", "200", "--epochs", "1",
                 "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert result.exit_code == 2, result.output
    assert "Error: The series has 144 rows: too short for lookback 200" in result.output
    assert not (tmp_path / "mlflow.db").exists()  # the store was never even opened
    assert not (tmp_path / "mlruns").exists()


def test_a_refused_classify_train_leaves_no_experiment_and_no_run(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("classify", "train", ITALY, "--hidden-size", "0", "--epochs", "1",
                 "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert result.exit_code == 2, result.output
    assert "Error: hidden_size=0 must be a positive whole number." in result.output
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize("command", [("train", AIR, "--target", "y", "--lookback", "12"),
                                     ("classify", "train", ITALY)])
def test_a_refused_out_leaves_no_store_and_trains_nothing(cli, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.txt").write_text("x")
    result = cli(*command, "--epochs", "1", "--out", "precious",
                 "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert result.exit_code == 2, result.output
    assert "Error: Output directory 'precious' already exists and is not empty." in result.output
    assert "Training " not in result.output  # refused before the training line
    assert not (tmp_path / "mlflow.db").exists()
    assert (tmp_path / "precious" / "thesis.txt").read_text() == "x"


# --- only our lines on the terminal --------------------------------------------------------


def test_a_tracked_train_shows_none_of_mlflows_own_lines(registered):
    _, result = registered
    stderr = result.stderr
    for line in ("Successfully registered model", "Created version",
                 "Creating initial MLflow database tables", "INFO", "WARNING", "Warning"):
        assert line not in stderr, stderr
    assert "Registered as goog version 1" in stderr  # our own line says it once
    ours = ("datasets/GOOG.csv: 1258 rows", "epoch ", "Logged to MLflow at ",
            "Note: exchange holidays are not known")
    assert all(line.startswith(ours) or "GOOG.csv" in line
               for line in stderr.splitlines() if line.strip()), stderr


def test_mlflows_registration_lines_go_to_the_log(caplog, tmp_path, monkeypatch):
    from forecaster.tracking.mlflow_run import mlflow_prints_logged

    with caplog.at_level("INFO", logger="forecaster.mlflow"), mlflow_prints_logged():
        import sys

        print("Successfully registered model 'x'.", file=sys.stderr)
    assert caplog.messages == ["Successfully registered model 'x'."]


# --- models list | show ---------------------------------------------------------------------


def test_same_decimals_give_four_digits_to_the_smallest():
    from forecaster.cli.models import same_decimals

    assert same_decimals([163.0648, 17.8307]) == ["163.06", "17.83"]
    assert same_decimals([0.8571, 0.956]) == ["0.8571", "0.9560"]
    assert same_decimals([1234.6, None]) == ["1235", "n/a"]


def test_models_list_is_an_aligned_table(registered, cli, monkeypatch):
    work, _ = registered
    monkeypatch.chdir(work)
    result = cli("models", "list", "--tracking-uri", f"sqlite:///{work / 'mlflow.db'}")
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()
    assert header.split() == ["NAME", "VERSION", "ALIASES", "METRIC", "TEST", "BASELINE",
                              "CREATED"]
    metrics = json.loads((work / "run" / "metrics.json").read_text(encoding="utf-8"))
    naive = metrics["metrics"]["naive"]["rmse"]
    assert row.startswith("goog ")
    assert f" {naive:.2f}  naive " in row  # 17.83: four digits, both numbers two decimals
    test = re.search(r"RMSE\s+(\S+)\s", row).group(1)
    assert re.fullmatch(r"\d+\.\d\d", test), row
    assert header.index("TEST") + len("TEST") == row.index(test) + len(test)  # right-aligned


def test_models_show_reads_as_text_and_json_has_numbers(registered, cli, monkeypatch):
    work, _ = registered
    monkeypatch.chdir(work)
    uri = f"sqlite:///{work / 'mlflow.db'}"
    result = cli("models", "show", "goog/1", "--tracking-uri", uri)
    assert result.exit_code == 0, result.output
    assert not result.stdout.lstrip().startswith("{")
    lines = result.stdout.splitlines()
    assert lines[0] == "goog version 1 (aliases: none)"
    assert re.search(r"^  data rows +1258$", result.stdout, re.MULTILINE)
    assert re.search(r"^  test RMSE +\d+\.\d\d  \(skill vs naive [+-]\d\.\d{3}\)$",
                     result.stdout, re.MULTILINE)
    as_json = cli("models", "show", "goog/1", "--tracking-uri", uri, "--json")
    assert as_json.exit_code == 0, as_json.output
    shown = json.loads(as_json.stdout)
    assert shown["data"]["rows"] == 1258
    assert isinstance(shown["test_rmse"], float)


@pytest.mark.parametrize("command", ["list", "promote", "show", "register"])
def test_every_registry_option_has_a_help_text(command):
    import click

    from forecaster.cli.models import models

    options = [param for param in models.commands[command].params
               if isinstance(param, click.Option)]
    assert options
    assert all(option.help for option in options), [o.name for o in options if not o.help]


def test_mlflows_deprecation_notices_are_not_shown_but_real_warnings_are(recwarn):
    import warnings

    from forecaster.tracking.mlflow_run import _quiet_http

    _quiet_http()
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.warn_explicit(category.__name__, category, "store.py", 1,
                               module="mlflow.store.tracking.sqlalchemy_store")
    warnings.warn_explicit("ours", FutureWarning, "x.py", 1, module="forecaster.forecasting.x")
    assert sorted(str(w.message) for w in recwarn) == ["UserWarning", "ours"]
