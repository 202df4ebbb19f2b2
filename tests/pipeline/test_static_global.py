"""Static features in a global pipeline: tourism series with their State and Purpose (constant
columns of each series' rows), EPF markets with a static file keyed by the id column, the id
column itself as a learned per-series embedding; each series' run directory and model record
them, a saved series model forecasts without the static file, and what cannot work is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster import Forecaster
from forecaster.cli import main
from forecaster.errors import ConfigError
from forecaster.pipeline import load_pipeline

ROOT = Path(__file__).resolve().parents[2]
TOURISM = ROOT / "datasets" / "tourism.csv"
EPF = ROOT / "datasets" / "epf_fr_be.csv"
EPF_STATIC = ROOT / "datasets" / "epf_fr_be_static.csv"
KEYS = [("Sydney", "Business"), ("Sydney", "Holiday"), ("Melbourne", "Business"),
        ("Melbourne", "Holiday")]

PIPELINE = """\
name: static
data:
  path: {data}
  id_column: {id_column}
  date_column: {date}
  targets: [{target}]
  static_features: {static}
  {extra}
mode: global
split: {{test_size: 0.25, val_size: 0.15}}
preprocessing: {{lookback: {lookback}, horizon: {horizon}}}
model: {{cell: gru, hidden_size: 8, num_layers: 1, combine: none}}
training: {{epochs: 2, patience: 0, seed: 0, device: cpu}}
evaluation: {{season: {season}}}
tracking: {{enabled: false}}
output: {{dir: {out}}}
"""


def tourism_file(tmp_path: Path) -> Path:
    """Four tourism series in one long file with a one-column id (Region-Purpose), State and
    Purpose kept as columns."""
    frame = pd.read_csv(TOURISM)
    parts = [frame[(frame["Region"] == region) & (frame["Purpose"] == purpose)]
             .assign(Series=f"{region}-{purpose}") for region, purpose in KEYS]
    path = tmp_path / "tourism4.csv"
    pd.concat(parts)[["Quarter", "Series", "State", "Purpose", "Trips"]].to_csv(path,
                                                                                index=False)
    return path


def write_tourism(tmp_path: Path, static: str = "[State, Purpose]", extra: str = "") -> Path:
    path = tmp_path / "static.yaml"
    path.write_text(PIPELINE.format(data=tourism_file(tmp_path), id_column="Series",
                                    date="Quarter", target="Trips", static=static, extra=extra,
                                    lookback=8, horizon=4, season=4, out=tmp_path / "out"),
                    encoding="utf-8")
    return path


def run(path: Path):
    return CliRunner().invoke(main, ["run", str(path)])


def test_state_and_purpose_reach_every_series_model_which_forecasts_alone(tmp_path):
    result = run(write_tourism(tmp_path))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "series"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{r}-{p}" for r, p in KEYS)
    folder = out / "Melbourne-Holiday"
    config = json.loads((folder / "model" / "config.json").read_text(encoding="utf-8"))
    known = config["known_inputs"]
    assert known["static_features"] == ["State", "Purpose"]
    assert known["static_names"] == ["State=New South Wales", "State=Victoria",
                                     "Purpose=Business", "Purpose=Holiday"]
    assert known["static_values"] == [0.0, 1.0, 0.0, 1.0]
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["data"]["static_features"] == ["State", "Purpose"]
    assert metrics["model"]["known_inputs"] == known["static_names"]
    card = (folder / "model_card.md").read_text(encoding="utf-8")
    assert ("- static features (one value per series, encoded across the global model's 4 "
            "series): `State`, `Purpose` as 4 column(s): State=New South Wales") in card
    # the saved model alone (no static file, no other series) gives the run's forecast
    model = Forecaster.load(folder / "model")
    rows = pd.read_csv(tmp_path / "tourism4.csv")
    history = rows[rows["Series"] == "Melbourne-Holiday"][["Quarter", "Trips"]]
    history.to_csv(tmp_path / "melbourne.csv", index=False)
    forecast = model.forecast(tmp_path / "melbourne.csv")
    written = pd.read_csv(folder / "forecast.csv")
    assert forecast["forecast"].to_numpy() == pytest.approx(written["forecast"].to_numpy())


def test_the_id_column_as_a_static_feature_is_a_per_series_embedding(tmp_path):
    result = run(write_tourism(tmp_path, static="[Series]"))
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "out" / "series" / "Sydney-Holiday" / "model" /
                         "config.json").read_text(encoding="utf-8"))
    known = config["known_inputs"]
    assert known["static_names"] == [f"Series={r}-{p}" for r, p in sorted(KEYS)]
    assert known["static_values"] == [0.0, 0.0, 0.0, 1.0]


def test_a_static_file_keyed_by_the_id_column(tmp_path):
    frame = pd.read_csv(EPF)
    frame = pd.concat([part.iloc[-300:] for _, part in frame.groupby("unique_id")])
    frame[["unique_id", "ds", "y"]].to_csv(tmp_path / "epf.csv", index=False)
    path = tmp_path / "epf.yaml"
    path.write_text(PIPELINE.format(data=tmp_path / "epf.csv", id_column="unique_id",
                                    date="ds", target="y", static="[market_0]",
                                    extra=f"static_path: {EPF_STATIC}", lookback=24,
                                    horizon=6, season=24, out=tmp_path / "out"),
                    encoding="utf-8")
    result = run(path)
    assert result.exit_code == 0, result.output
    for market, value in (("FR", 1.0), ("BE", 0.0)):
        config = json.loads((tmp_path / "out" / "series" / market / "model" / "config.json")
                            .read_text(encoding="utf-8"))
        assert config["known_inputs"]["static_names"] == ["market_0"]
        assert config["known_inputs"]["static_values"] == [value]


def test_a_series_whose_static_column_varies_fails_and_the_others_run(tmp_path):
    path = write_tourism(tmp_path)
    data = pd.read_csv(tmp_path / "tourism4.csv")
    data.loc[data.index[data["Series"] == "Sydney-Holiday"][:3], "Purpose"] = "Other"
    data.to_csv(tmp_path / "tourism4.csv", index=False)
    result = run(path)
    assert result.exit_code == 3, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    failed = manifest["series"]["Sydney-Holiday"]
    assert failed["status"] == "failed"
    assert ("static feature Purpose varies within series Sydney-Holiday (Other, Holiday)"
            in failed["reason"])
    assert manifest["series"]["Sydney-Business"]["status"] == "done"


@pytest.mark.parametrize("change, said", [
    ({"mode: global": "mode: per-series"},
     "'data.static_features' needs mode: global: static features describe differences between "
     "series"),
    ({"static_features: [State, Purpose]": "static_features: [Trips]"},
     "'data.static_features' names Trips, which is also a target, feature or the date column"),
    ({"static_features: [State, Purpose]": "static_path: x.csv"},
     "'data.static_path' is only used with data.static_features"),
])
def test_static_keys_that_cannot_work_are_refused(tmp_path, change, said):
    path = write_tourism(tmp_path)
    text = path.read_text()
    for old, new in change.items():
        text = text.replace(old, new)
    path.write_text(text)
    with pytest.raises(ConfigError, match="static.yaml") as error:
        load_pipeline(path)
    assert said in str(error.value)


def test_validate_names_a_static_column_missing_from_the_static_file(tmp_path):
    path = write_tourism(tmp_path, static="[market_2]", extra=f"static_path: {EPF_STATIC}")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "'data.static_features' names column 'market_2', which is not in " \
           "data.static_path" in said


def test_validate_says_which_columns_are_static(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(write_tourism(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "static features State, Purpose; one model across all series" in result.output
