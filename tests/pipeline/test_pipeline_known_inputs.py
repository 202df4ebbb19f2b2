"""Inputs known in advance in batch jobs: `data.future_features` with the future rows either
after each series' history (target empty) or in `data.future_path`, forecasts.csv with the
forecast of each series that has them, a series without them failed with the reason while the
others finish, and bad `preprocessing.calendar/holidays/exchange` values refused with exit 2
naming the key and the file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main
from forecaster.errors import ConfigError
from forecaster.pipeline import load_pipeline
from forecaster.pipeline.work import settings_of

ROOT = Path(__file__).resolve().parents[2]
EPF = ROOT / "datasets" / "epf_fr.csv"
EPF_FUTURE = ROOT / "datasets" / "epf_fr_future.csv"  # the 24 hours after epf_fr.csv
ROWS = 400  # the last hours of the file: enough for lookback 48, horizon 24
FIRST_FORECAST = "2016-11-01 00:00:00"

PIPELINE = """\
name: epf
data:
  path: {data}
  {ids}
  date_column: ds
  targets: [y]
  future_features: [gen_forecast, week_day]
  {future}
split: {{test_size: 0.1, val_size: 0.15}}
preprocessing: {{lookback: 48, horizon: 24, calendar: {calendar}}}
model: {{cell: gru, hidden_size: 8, num_layers: 1, combine: none}}
training: {{epochs: 2, patience: 0, seed: 0, device: cpu}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
"""


def history() -> pd.DataFrame:
    return pd.read_csv(EPF).iloc[-ROWS:]


def with_future_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The history followed by the 24 future rows, target (and system_load) empty."""
    return pd.concat([frame, pd.read_csv(EPF_FUTURE)], ignore_index=True)


def write(tmp_path: Path, data: pd.DataFrame, *, ids: str = "", future: str = "",
          calendar: str = "none") -> Path:
    data_file = tmp_path / "epf.csv"
    data.to_csv(data_file, index=False)
    path = tmp_path / "epf.yaml"
    path.write_text(PIPELINE.format(data=data_file, ids=ids, future=future, calendar=calendar,
                                    out=tmp_path / "out"), encoding="utf-8")
    return path


def run(path: Path, *args: str):
    return CliRunner().invoke(main, ["run", str(path), *args])


def test_future_path_gives_the_forecast_of_the_24_hours_after(tmp_path):
    path = write(tmp_path, history(), future=f"future_path: {EPF_FUTURE}", calendar="auto")
    result = run(path)
    assert result.exit_code == 0, result.output
    forecasts = pd.read_csv(tmp_path / "out" / "forecasts.csv")
    assert len(forecasts) == 24
    assert forecasts["date"].iloc[0].replace("T", " ") == FIRST_FORECAST
    assert forecasts["step"].tolist() == list(range(1, 25))
    assert forecasts["forecast"].notna().all()
    assert {"lower_80", "upper_80"} <= set(forecasts.columns)
    run_metrics = json.loads((tmp_path / "out" / "series" / "y" / "metrics.json").read_text())
    config = json.loads((tmp_path / "out" / "series" / "y" / "model" / "config.json")
                        .read_text())
    assert config["known_inputs"]["future_features"] == ["gen_forecast", "week_day"]
    assert config["known_inputs"]["calendar"] == ["hour", "day_of_week", "day_of_year"]
    assert run_metrics["model"]["calendar"] == ["hour", "day_of_week", "day_of_year"]


@pytest.mark.parametrize("mode", ["per-series", "global"])
def test_trailing_rows_forecast_one_series_and_a_series_without_them_fails(tmp_path, mode):
    """A long file: FR ends with its future rows (target empty), BE has none. FR's forecast
    is in forecasts.csv; BE fails, before training, with the engine's message."""
    fr = with_future_rows(history()).assign(market="FR")
    be = history().assign(market="BE")
    path = write(tmp_path, pd.concat([fr, be], ignore_index=True), ids="id_column: market")
    path.write_text(path.read_text() + f"mode: {mode}\n")
    result = run(path)
    assert result.exit_code == 3, result.output
    out = tmp_path / "out"
    forecasts = pd.read_csv(out / "forecasts.csv")
    assert set(forecasts["series"]) == {"FR"} and len(forecasts) == 24
    assert forecasts["date"].iloc[0].replace("T", " ") == FIRST_FORECAST
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["series"]["FR"]["status"] == "done"
    failed = manifest["series"]["BE"]
    assert failed["status"] == "failed"
    assert ("this model uses known-ahead column(s) gen_forecast, week_day and needs their "
            "values for the 24 forecast date(s) 2016-11-01 00:00:00") in failed["reason"]
    assert "data.future_path" in failed["reason"]
    assert failed["attempts"] == 1 and not (out / "series" / "BE").exists()


def test_new_future_rows_redo_the_series(tmp_path):
    path = write(tmp_path, history(), future=f"future_path: {tmp_path / 'next.csv'}")
    future = pd.read_csv(EPF_FUTURE)
    future.to_csv(tmp_path / "next.csv", index=False)
    assert run(path).exit_code == 0
    first = pd.read_csv(tmp_path / "out" / "forecasts.csv")["forecast"]
    assert "skipped" in run(path, "--log-format", "json").output  # same inputs: skipped
    future.assign(gen_forecast=future["gen_forecast"] * 1.5).to_csv(tmp_path / "next.csv",
                                                                    index=False)
    result = run(path, "--log-format", "json")
    assert result.exit_code == 0 and "series_done" in result.output
    assert not pd.read_csv(tmp_path / "out" / "forecasts.csv")["forecast"].equals(first)


@pytest.mark.parametrize("key, value, said", [
    ("calendar", "[hourz]", "'preprocessing.calendar' is refused: calendar feature 'hourz' is "
                            "unknown (did you mean hour?)"),
    ("holidays", "XX-YY", "'preprocessing.holidays' is refused: holidays 'XX-YY': 'XX' is not "
                          "a country the holidays package knows"),
    ("exchange", "NOPE", "'preprocessing.exchange' is refused: exchange 'NOPE' is not an "
                         "exchange_calendars code"),
])
def test_bad_calendar_holidays_or_exchange_exit_2_naming_the_key(tmp_path, key, value, said):
    path = write(tmp_path, history())
    text = path.read_text().replace("calendar: none", f"{key}: {value}")
    path.write_text(text)
    result = run(path)
    assert result.exit_code == 2, result.output
    assert str(path) in result.output and said in result.output
    assert not (tmp_path / "out").exists()


def test_known_settings_reach_the_estimator(tmp_path):
    path = write(tmp_path, history())
    pipeline = load_pipeline(path, ["preprocessing.holidays=fr", "preprocessing.exchange=nyse",
                                    "preprocessing.calendar=[hour, month]"])
    settings = settings_of(pipeline)
    assert (settings["calendar"], settings["holidays"], settings["exchange"]) == (
        ["hour", "month"], "FR", "XNYS")  # codes as the engine spells them
    assert load_pipeline(path).preprocessing.calendar == "none"  # the API's default


def test_the_pipeline_default_calendar_is_the_api_default(tmp_path):
    import inspect

    from forecaster import Forecaster

    default = inspect.signature(Forecaster.__init__).parameters["calendar"].default
    path = write(tmp_path, history())
    path.write_text(path.read_text(encoding="utf-8").replace(", calendar: none", ""),
                    encoding="utf-8")  # the key left out
    assert load_pipeline(path).preprocessing.calendar == default == "auto"


@pytest.mark.parametrize("change, said", [
    ({"future_features: [gen_forecast, week_day]": "future_features: [y]"},
     "'data.future_features' must not name a target column (y): its future values are what "
     "is forecast"),
    ({"future_features: [gen_forecast, week_day]": ""},
     "'data.future_path' is only used with data.future_features"),
])
def test_future_keys_that_cannot_work_are_refused(tmp_path, change, said):
    path = write(tmp_path, history(), future=f"future_path: {EPF_FUTURE}")
    text = path.read_text()
    for old, new in change.items():
        text = text.replace(old, new)
    path.write_text(text)
    with pytest.raises(ConfigError, match="epf.yaml") as error:
        load_pipeline(path)
    assert said in str(error.value)


def test_validate_names_a_future_column_missing_from_either_file(tmp_path):
    path = write(tmp_path, history(), future=f"future_path: {EPF_FUTURE}")
    path.write_text(path.read_text().replace("week_day]", "system_load]"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "'data.future_features' names column 'system_load', which is not in " \
           "data.future_path" in " ".join(result.output.split())
