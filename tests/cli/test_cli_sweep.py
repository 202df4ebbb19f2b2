"""Cases found by an adversarial sweep of every command (issue 9, "the rest of their kind"):
each was a traceback (exit 1) or a silent wrong result, and is now an exit-2 message that names
the option, file or line, or a file that is read correctly."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.errors import ConfigError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
AIR = DATASETS / "airpassengers.csv"
AIR_LINES = AIR.read_text(encoding="utf-8").splitlines()
TINY = ["--lookback", "10", "--num-layers", "1", "--hidden-size", "4", "--epochs", "1",
        "--device", "cpu", "--quiet", "--no-tracking", "--threads", "1"]


def invoke(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_user_error(result, *texts: str) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for text in texts:
        assert text in result.output, f"{text!r} not in {result.output!r}"


def train_args(csv: Path, out: Path, *extra: object) -> list[object]:
    return ["train", csv, "--target", "y", *TINY, "--out", out, *extra]


@pytest.mark.parametrize(("option", "value", "message"), [
    # a RuntimeError from torch's allocator (160 PB asked for): the bound a saved model has
    ("--hidden-size", "100000000", "hidden_size=100000000 is too large: at most 8,192."),
    ("--num-layers", "1000", "num_layers=1000 is too large: at most 64."),
    ("--lookback", "2000000", "lookback=2000000 is too large: at most 1,000,000."),
    # "could not create a primitive" from oneDNN in the middle of the first epoch
    ("--threads", "100000", "threads=100000 is too many: at most 1024."),
])
def test_sizes_past_what_a_model_may_hold_are_refused(tmp_path, option, value, message):
    result = invoke(*train_args(AIR, tmp_path / "run", option, value))
    assert_user_error(result, message)
    assert not (tmp_path / "run").exists()


def test_too_many_threads_from_the_environment_is_a_config_error(monkeypatch):
    from forecaster.training.threads import fixed_threads

    monkeypatch.setenv("OMP_NUM_THREADS", "100000")
    with pytest.raises(ConfigError, match="OMP_NUM_THREADS=100000 is too many threads: at most "
                                          "1024. Unset it"):
        fixed_threads()


def test_register_without_tracking_is_refused_not_dropped(tmp_path):
    """--register with --no-tracking trained and registered nothing, without a word."""
    result = invoke(*train_args(AIR, tmp_path / "run", "--register", "air"))
    assert_user_error(result, "--register air needs tracking, but --no-tracking (or "
                              "$FORECASTER_NO_TRACKING) turns it off: drop one of the two.")
    assert not (tmp_path / "run").exists()


def test_a_file_with_carriage_return_line_ends_is_read(tmp_path):
    """Old Mac line ends ("\\r" only) were a _csv.Error traceback in the repeated-name check."""
    csv = tmp_path / "cr.csv"
    csv.write_bytes(("\r".join(AIR_LINES) + "\r").encode())
    result = invoke(*train_args(csv, tmp_path / "run"))
    assert result.exit_code == 0, result.output
    assert "144 rows of 'y'" in result.output


def test_carriage_return_line_ends_still_show_a_repeated_name(tmp_path):
    csv = tmp_path / "cr.csv"
    csv.write_bytes(b"ds,y,y\r" + "\r".join(f"{line},1" for line in AIR_LINES[1:]).encode())
    assert_user_error(invoke(*train_args(csv, tmp_path / "run")),
                      "has two columns named 'y' (columns 2 and 3 of the header line)")


@pytest.mark.parametrize(("first_year", "shown"), [(1, "line 2: '0001-01-01'"),
                                                   (9001, "line 2: '9001-01-01'")])
def test_dates_outside_years_1000_to_9000_are_refused(tmp_path, first_year, shown):
    """Year 0001 trained, then the plot died (matplotlib ends at year 1): exit 1 after training."""
    csv = tmp_path / "years.csv"
    csv.write_text("ds,y\n" + "".join(f"{first_year + i:04d}-01-01,{i % 13}\n"
                                      for i in range(144)), encoding="utf-8")
    result = invoke(*train_args(csv, tmp_path / "run"))
    assert_user_error(result, f"Column 'ds' in '{csv}' has 144 date(s) outside the years 1000 "
                              f"to 9000 ({shown}", "Check the date column (--date-column)")
    assert not (tmp_path / "run").exists()


GUNPOINT = DATASETS / "ucr" / "GunPoint" / "GunPoint_TRAIN.ts"
CLASSIFY_TINY = ["--hidden-size", "4", "--epochs", "1", "--device", "cpu", "--quiet",
                 "--no-tracking", "--threads", "1"]


def test_classify_train_refuses_its_training_file_as_the_test_file(tmp_path):
    """It scored the training cases as a test (1-nearest neighbour: accuracy 1.000), exit 0."""
    result = invoke("classify", "train", GUNPOINT, "--test-path", GUNPOINT, *CLASSIFY_TINY,
                    "--out", tmp_path / "run")
    assert_user_error(result, f"The test file '{GUNPOINT}' (--test-path; data.test_path in a "
                              f"pipeline) is the training data '{GUNPOINT}' itself: its scores "
                              f"would be in-sample.")
    assert not (tmp_path / "run").exists()


def test_texts_that_are_all_conflicting_repeats_are_refused(tmp_path):
    """One text with two labels, 100 times: every copy dropped, then sklearn's split raised a
    ValueError on zero cases (exit 1)."""
    csv = tmp_path / "same.csv"
    csv.write_text("text,label\n" + "".join(f"!!! ???,{i % 2}\n" for i in range(100)),
                   encoding="utf-8")
    result = invoke("classify", "train", csv, *CLASSIFY_TINY, "--out", tmp_path / "run")
    assert_user_error(result, f"'{csv}': every one of its 100 texts is a repeat of another with "
                              f"a different label", "or pass --keep-repeats.")
    assert not (tmp_path / "run").exists()


GOOG = DATASETS / "GOOG.csv"
PIPELINE = (f"name: sweep\ndata:\n  path: {GOOG}\n  targets: [Close]\n"
            f"tracking: {{enabled: false}}\n")


@pytest.mark.parametrize(("section", "message"), [
    # validate said OK; forecaster run then failed every series (exit 3)
    ("model: {hidden_size: 100000000}",
     "'model.hidden_size' must be an integer <= 8,192, got 100000000."),
    ("preprocessing: {lookback: 10000000}",
     "'preprocessing.lookback' must be an integer <= 1,000,000, got 10000000."),
    ("training: {threads: 100000}", "'training.threads' must be an integer <= 1,024, got 100000."),
    # Python's int() refuses 4,301 digits: a ValueError traceback out of PyYAML
    ("model: {hidden_size: 1" + "0" * 5000 + "}",
     "a number with 5,001 characters (line 6); a setting needs at most 100"),
])
def test_validate_refuses_what_the_run_would_fail_on(tmp_path, section, message):
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(PIPELINE + section + "\n", encoding="utf-8")
    assert_user_error(invoke("validate", pipeline), message)


def test_a_huge_number_in_set_is_refused(tmp_path):
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(PIPELINE, encoding="utf-8")
    result = invoke("validate", pipeline, "--set", "model.num_layers=" + "9" * 5001)
    assert_user_error(result, "--set model.num_layers=999", "a number with 5,001 characters")


# (a vanishing --val-size is no longer refused: the validation part holds one horizon at least)
@pytest.mark.parametrize(("option", "value", "need"), [("--test-size", "1e-300", "5.0e+299")])
def test_a_vanishing_fraction_is_refused_at_once(tmp_path, option, value, need):
    """The rows needed were counted up one at a time: about 1e300 steps, a hang."""
    import signal

    def hang(*_):
        raise TimeoutError(f"{option} {value} still running after 60 s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(60)
    try:
        result = invoke(*train_args(AIR, tmp_path / "run", option, value))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert_user_error(result, "The series has 144 rows", f"It needs about {need} rows; or, "
                              f"keeping these 144 rows, change one setting: {option} 0.01.")


def test_predict_says_when_the_rows_are_spaced_unlike_the_training_data(tmp_path):
    """Daily rows given to a monthly model were forecast without a word (exit 0)."""
    run = tmp_path / "run"
    assert invoke(*train_args(AIR, run)).exit_code == 0
    daily = tmp_path / "daily.csv"
    daily.write_text("ds,y\n" + "".join(f"2020-01-{day:02d},{100 + day}\n"
                                        for day in range(1, 31)), encoding="utf-8")
    result = invoke("predict", run / "model", daily)
    assert result.exit_code == 0, result.output
    assert ("Note: the model was trained on rows spaced 'MS', but these rows are spaced 'D': "
            "each forecast step is one 'MS' step of the training data") in result.output
    same = invoke("predict", run / "model", AIR)
    assert same.exit_code == 0 and "spaced" not in same.output


def test_validate_refuses_a_pipeline_name_too_long_for_its_folder(tmp_path):
    """validate said OK; run then failed to lock runs/pipelines/<300 characters>."""
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(PIPELINE.replace("name: sweep", "name: " + "a" * 300), encoding="utf-8")
    assert_user_error(invoke("validate", pipeline),
                      "'name' must be at most 200 characters (it names the output folder), got "
                      "300.")


def test_a_control_code_in_out_is_printed_escaped(tmp_path):
    """`--out $'a\\nb'` put a raw newline (or any escape sequence) on the terminal."""
    out = tmp_path / "a\x1b[2Jb"
    result = CliRunner().invoke(main, ["train", str(DATASETS / "airpassengers.csv"),
                                       "--target", "y", "--epochs", "1", "--hidden-size", "4",
                                       "--num-layers", "1", "--lookback", "12", "--no-tracking",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "a\\x1b[2Jb/" in result.output
