"""Inputs known in advance on the command line: train with --future-features, --calendar,
--holidays and --exchange; predict with the future rows in a separate file (--future) or after
the history with the target empty; every wrong way of giving them refused naming the dates; what
the run directory says about them; stock forecasts dated on trading sessions."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster import Forecaster
from forecaster.cli import main
from forecaster.data.exchange import BUSINESS_DAY_NOTE

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
EPF_FUTURE = DATASETS / "epf_fr_future.csv"
HOURS = 24
SMALL = ["--cell", "gru", "--epochs", "2", "--hidden-size", "8", "--num-layers", "1",
         "--lookback", "48", "--patience", "0", "--quiet"]
EPF = ["-t", "y", "--horizon", str(HOURS), "--future-features", "gen_forecast",
       "--calendar", "auto", *SMALL]


def run(*args: object):
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def epf_csv(tmp_path_factory) -> Path:
    """EPF FR's last 60 days (to 2016-10-31 23:00): epf_fr_future.csv holds the next 24 h."""
    path = tmp_path_factory.mktemp("epf") / "epf_fr_tail.csv"
    pd.read_csv(DATASETS / "epf_fr.csv").iloc[-60 * HOURS:].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def epf_run(epf_csv, tmp_path_factory) -> tuple[Path, object]:
    """Trained without the future rows: no forecast after the last row, the rest written."""
    out = tmp_path_factory.mktemp("runs") / "epf"
    result = run("train", epf_csv, *EPF, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result


@pytest.fixture(scope="module")
def predicted(epf_run, epf_csv) -> pd.DataFrame:
    result = run("predict", epf_run[0] / "model", epf_csv, "--future", EPF_FUTURE, "--json")
    assert result.exit_code == 0, result.output
    return pd.DataFrame(json.loads(result.stdout)["forecast"])


def with_future_rows(epf_csv: Path, path: Path, future: pd.DataFrame | None = None) -> Path:
    """The history with the future rows appended, the target left empty."""
    history = pd.read_csv(epf_csv)
    rows = pd.read_csv(EPF_FUTURE) if future is None else future
    pd.concat([history, rows], ignore_index=True).to_csv(path, index=False)
    return path


def test_train_says_what_the_model_reads_ahead_and_why_it_made_no_forecast(epf_run):
    out, result = epf_run
    assert ("Known ahead at each step: gen_forecast; calendar hour, day_of_week, day_of_year."
            in result.stdout)
    assert "no forecast after the last row: the model reads gen_forecast at each of the 24 " \
           "steps after 2016-10-31 23:00:00" in result.stdout
    assert "--future FILE" in result.stdout
    assert len(pd.read_csv(out / "forecast.csv")) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["data"]["future_features"] == ["gen_forecast"]
    assert metrics["model"]["calendar"] == ["hour", "day_of_week", "day_of_year"]
    assert metrics["model"]["holidays"] is None and metrics["model"]["exchange"] is None
    assert metrics["model"]["known_inputs"][0] == "gen_forecast"
    assert "forecast_note" in metrics
    card = (out / "model_card.md").read_text()
    assert "- known ahead at each forecast step: future-known columns `gen_forecast`" in card
    assert "calendar hour, day_of_week, day_of_year" in card
    tail = pd.read_csv(out / "model" / "history_tail.csv")
    assert list(tail.columns) == ["ds", "y", "gen_forecast"] and tail["y"].notna().all()


def test_predict_reads_the_future_rows_from_a_separate_file(predicted):
    assert len(predicted) == HOURS
    assert predicted["date"].iloc[0] == "2016-11-01T00:00:00"
    assert predicted["date"].iloc[-1] == "2016-11-01T23:00:00"
    assert {"lower_80", "upper_95"} <= set(predicted.columns)


def test_predict_reads_the_future_rows_after_the_history(epf_run, epf_csv, predicted,
                                                         tmp_path):
    csv = with_future_rows(epf_csv, tmp_path / "with_future.csv")
    result = run("predict", epf_run[0] / "model", csv, "--json")
    assert result.exit_code == 0, result.output
    forecast = pd.DataFrame(json.loads(result.stdout)["forecast"])
    assert forecast["date"].tolist() == predicted["date"].tolist()
    assert forecast["forecast"].tolist() == pytest.approx(predicted["forecast"].tolist())


def _future(**change) -> pd.DataFrame:
    return pd.read_csv(EPF_FUTURE).assign(**change)


WRONG_FUTURES = {
    "missing rows": (lambda: pd.read_csv(EPF_FUTURE).iloc[:20],
                     "missing 4 forecast date(s): 2016-11-01 20:00:00"),
    "shifted dates": (lambda: _future(ds=pd.to_datetime(pd.read_csv(EPF_FUTURE)["ds"])
                                      + pd.Timedelta(hours=1)),
                      "missing 1 forecast date(s): 2016-11-01 00:00:00; 1 date(s) that are "
                      "not forecast dates: 2016-11-02 00:00:00"),
    "an empty value": (lambda: pd.read_csv(EPF_FUTURE).assign(
        gen_forecast=lambda f: f["gen_forecast"].where(f.index != 5)),
        "column 'gen_forecast' of the future rows is empty or not a number at 1 forecast "
        "date(s): 2016-11-01 05:00:00"),
    "a missing column": (lambda: pd.read_csv(EPF_FUTURE).drop(columns="gen_forecast"),
                         "the future rows have no column(s) gen_forecast"),
}


@pytest.mark.parametrize("way", sorted(WRONG_FUTURES))
def test_each_wrong_future_file_is_refused_naming_the_dates(epf_run, epf_csv, tmp_path, way):
    make, message = WRONG_FUTURES[way]
    future = tmp_path / "future.csv"
    make().to_csv(future, index=False)
    result = run("predict", epf_run[0] / "model", epf_csv, "--future", future)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_future_rows_after_the_history_that_are_short_are_refused(epf_run, epf_csv, tmp_path):
    csv = with_future_rows(epf_csv, tmp_path / "short.csv", pd.read_csv(EPF_FUTURE).iloc[:23])
    result = run("predict", epf_run[0] / "model", csv)
    assert result.exit_code == 2, result.output
    assert "missing 1 forecast date(s): 2016-11-01 23:00:00" in " ".join(result.output.split())


def test_no_future_rows_at_all_is_refused_saying_how_to_give_them(epf_run, epf_csv):
    result = run("predict", epf_run[0] / "model", epf_csv)
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "needs their values for the 24 forecast date(s) 2016-11-01 00:00:00" in text
    assert "passed with --future" in text


def test_future_rows_given_both_ways_are_refused(epf_run, epf_csv, tmp_path):
    csv = with_future_rows(epf_csv, tmp_path / "both.csv")
    result = run("predict", epf_run[0] / "model", csv, "--future", EPF_FUTURE)
    assert result.exit_code == 2, result.output
    assert "give the future rows one way only" in " ".join(result.output.split())


def test_predict_reads_the_date_column_named_by_date_column(epf_run, epf_csv, predicted,
                                                           tmp_path):
    """An earlier column of dates a day behind would be found first without --date-column."""
    history = pd.read_csv(epf_csv).rename(columns={"ds": "when"})
    history.insert(0, "issued", (pd.to_datetime(history["when"]) - pd.Timedelta(days=1))
                   .dt.strftime("%Y-%m-%d %H:%M:%S"))
    history.to_csv(csv := tmp_path / "when.csv", index=False)
    pd.read_csv(EPF_FUTURE).rename(columns={"ds": "when"}).to_csv(
        future := tmp_path / "when_future.csv", index=False)
    result = run("predict", epf_run[0] / "model", csv, "--future", future,
                 "--date-column", "when", "--json")
    assert result.exit_code == 0, result.output
    forecast = pd.DataFrame(json.loads(result.stdout)["forecast"])
    assert forecast["date"].tolist() == predicted["date"].tolist()
    assert forecast["forecast"].tolist() == pytest.approx(predicted["forecast"].tolist())


def test_predict_reads_history_and_future_rows_in_the_encoding_given(epf_run, epf_csv,
                                                                    predicted, tmp_path):
    csv = with_future_rows(epf_csv, tmp_path / "utf8.csv")
    frame = pd.read_csv(csv).assign(**{"région": "Île-de-France"})
    frame.to_csv(csv := tmp_path / "latin1.csv", index=False, encoding="latin-1")
    result = run("predict", epf_run[0] / "model", csv, "--encoding", "latin-1", "--json")
    assert result.exit_code == 0, result.output
    forecast = pd.DataFrame(json.loads(result.stdout)["forecast"])
    assert forecast["forecast"].tolist() == pytest.approx(predicted["forecast"].tolist())
    frame.iloc[:-HOURS].to_csv(history := tmp_path / "latin1_history.csv", index=False,
                               encoding="latin-1")
    frame.iloc[-HOURS:].drop(columns="y").to_csv(future := tmp_path / "latin1_future.csv",
                                                 index=False, encoding="latin-1")
    result = run("predict", epf_run[0] / "model", history, "--future", future,
                 "--encoding", "latin-1", "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["forecast"]) == HOURS


def test_predict_fills_a_gap_in_the_history_with_fill(epf_run, epf_csv, predicted, tmp_path):
    history = pd.read_csv(epf_csv)
    history.loc[300, "y"] = None
    history.drop(index=[500, 501, 502]).to_csv(csv := tmp_path / "gap.csv", index=False)
    refused = run("predict", epf_run[0] / "model", csv, "--future", EPF_FUTURE)
    assert refused.exit_code == 2, refused.output
    assert "Pass --fill ffill" in " ".join(refused.output.split())
    result = run("predict", epf_run[0] / "model", csv, "--future", EPF_FUTURE, "--fill", "ffill",
                 "--json")
    assert result.exit_code == 0, result.output
    assert "inserted 3 missing date(s)" in " ".join(result.stderr.split())
    forecast = pd.DataFrame(json.loads(result.stdout)["forecast"])
    assert forecast["date"].tolist() == predicted["date"].tolist()


def test_train_with_the_future_rows_forecasts_and_writes_them_into_the_input_example(
        epf_csv, tmp_path):
    out = tmp_path / "run"
    result = run("train", epf_csv, *EPF, "--future", EPF_FUTURE, "--out", out)
    assert result.exit_code == 0, result.output
    forecast = pd.read_csv(out / "forecast.csv")
    assert len(forecast) == HOURS and forecast["date"].iloc[0].startswith("2016-11-01 00:00")
    tail = pd.read_csv(out / "model" / "history_tail.csv")
    assert tail["y"].iloc[-HOURS:].isna().all() and tail["y"].iloc[:-HOURS].notna().all()
    assert tail["gen_forecast"].iloc[-HOURS:].tolist() == \
        pd.read_csv(EPF_FUTURE)["gen_forecast"].tolist()
    again = run("predict", out / "model", out / "model" / "history_tail.csv", "--json")
    assert again.exit_code == 0, again.output
    assert len(json.loads(again.stdout)["forecast"]) == HOURS


def test_train_refuses_a_wrong_future_file_before_training(epf_csv, tmp_path):
    future = tmp_path / "future.csv"
    pd.read_csv(EPF_FUTURE).iloc[1:].to_csv(future, index=False)
    result = run("train", epf_csv, *EPF, "--future", future, "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert "missing 1 forecast date(s): 2016-11-01 00:00:00" in " ".join(result.output.split())
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def goog_csv_tail(tmp_path_factory) -> Path:
    """GOOG's last 250 business days, to 2018-12-31 (a Monday; 2019-01-01 is a holiday)."""
    path = tmp_path_factory.mktemp("goog") / "goog_tail.csv"
    pd.read_csv(DATASETS / "GOOG.csv").iloc[-250:].to_csv(path, index=False)
    return path


def test_an_exchange_dates_the_forecast_on_its_trading_sessions(goog_csv_tail, tmp_path):
    out = tmp_path / "run"
    result = run("train", goog_csv_tail, "-t", "Close", "--horizon", "2", "--exchange", "XNYS",
                 *SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    assert BUSINESS_DAY_NOTE not in " ".join(result.output.split())
    assert pd.read_csv(out / "forecast.csv")["date"].tolist() == ["2019-01-02", "2019-01-03"]
    assert json.loads((out / "metrics.json").read_text())["model"]["exchange"] == "XNYS"
    assert "- forecast dates: the trading sessions of XNYS" in \
        (out / "model_card.md").read_text()
    predicted = run("predict", out / "model", goog_csv_tail, "--json")
    assert predicted.exit_code == 0, predicted.output
    assert [row["date"] for row in json.loads(predicted.stdout)["forecast"]] == \
        ["2019-01-02", "2019-01-03"]


def test_business_days_without_an_exchange_get_the_note_in_train_and_predict(goog_csv_tail,
                                                                             tmp_path):
    out = tmp_path / "run"
    result = run("train", goog_csv_tail, "-t", "Close", *SMALL, "--out", out)
    assert result.exit_code == 0, result.output
    assert " ".join(result.output.split()).count(BUSINESS_DAY_NOTE) == 1
    predicted = run("predict", out / "model", goog_csv_tail)
    assert predicted.exit_code == 0, predicted.output
    assert " ".join(predicted.output.split()).count(BUSINESS_DAY_NOTE) == 1
    assert "2019-01-01" in predicted.stdout  # what the note warns of
    refused = run("predict", out / "model", goog_csv_tail, "--future", EPF_FUTURE)
    assert refused.exit_code == 2, refused.output
    assert "this model has none: train it with --future-features" in \
        " ".join(refused.output.split())


@pytest.mark.parametrize("option, value, message", [
    ("--calendar", "hours", "calendar feature 'hours' is unknown"),
    ("--holidays", "Narnia", "'NARNIA' is not a country the holidays package knows"),
    ("--exchange", "XXXX", "exchange 'XXXX' is not an exchange_calendars code"),
])
def test_bad_known_input_settings_are_refused_naming_them(goog_csv_tail, tmp_path, option,
                                                          value, message):
    result = run("train", goog_csv_tail, "-t", "Close", *SMALL, option, value,
                 "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "run").exists()


def test_the_calendar_option_defaults_to_the_api_default():
    from forecaster.cli.train import train

    option = next(param for param in train.params if param.name == "calendar")
    assert option.default == inspect.signature(Forecaster.__init__).parameters["calendar"].default
