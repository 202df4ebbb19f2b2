"""One verdict everywhere: the printed line, metrics.json, the model card, MLflow's tags and the
pipeline summary all come from forecaster.forecasting.verdict.judge, with its caveats."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster import Forecaster, TrainConfig, load_series, train_run
from forecaster.cli import main
from forecaster.forecasting.evaluation import evaluate_forecasts
from forecaster.forecasting.report import format_table
from forecaster.forecasting.verdict import judge, short_verdict
from forecaster.pipeline.manifest import Manifest, SeriesRecord

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"


def _metrics(model: float, naive: float) -> dict[str, dict[str, float | None]]:
    return {"model": {"rmse": model}, "naive": {"rmse": naive}}


def test_a_tie_within_half_a_percent_is_no_better_and_not_beats_naive():
    """17.835 against 17.822 (the GOOG case): the old beats_naive said true, the sentence
    'no better'; now both say no better."""
    verdict = judge(_metrics(17.822, 17.835), "LSTM (3x50)", rows=315, best_epoch=5)
    assert verdict.outcome == "no_better"
    assert verdict.beats_naive is False
    assert verdict.short == "no better than naive"
    assert verdict.text.startswith("The LSTM (3x50) is no better than repeating the last value")
    assert judge(_metrics(17.0, 17.835), "m", rows=315, best_epoch=5).beats_naive is True
    assert judge(_metrics(19.0, 17.835), "m", rows=315, best_epoch=5).outcome == "worse"
    assert judge(_metrics(None, 17.8), "m").beats_naive is None  # type: ignore[arg-type]


def test_few_rows_and_a_first_epoch_model_are_caveats():
    verdict = judge(_metrics(10.0, 20.0), "GRU (1x8)", rows=8, best_epoch=1)
    assert verdict.outcome == "beats"
    assert "Caution: this rests on only 8 scored row(s) (fewer than 30)" in verdict.text
    assert "Caution: the model kept is from its first epoch" in verdict.text
    assert verdict.short == "beats naive; only 8 test rows; epoch 1 kept"
    plain = judge(_metrics(10.0, 20.0), "GRU (1x8)", rows=30, best_epoch=2)
    assert "Caution" not in plain.text and plain.caveats == []


def test_scored_rows_the_model_saw_are_labelled_in_sample():
    y = pd.read_csv(AIR)["y"].to_numpy(float)
    dates = pd.date_range("1949-01-01", periods=len(y), freq="MS")
    positions = np.arange(20, 144)
    evaluation = evaluate_forecasts(y, dates, positions, y[positions - 1][:, None] * 0.99,
                                    season=12, model_label="GRU", seen_rows=100, best_epoch=4)
    payload = evaluation.to_dict()
    assert payload["scored_span"] == "partly in-sample"
    assert (payload["in_sample_points"], payload["unseen_points"]) == (80, 44)
    assert "test MASE" not in evaluation.verdict
    assert "partly in-sample MASE" in evaluation.verdict
    assert ("In-sample: 80 of the 124 scored points lie in the rows the model was trained and "
            "validated on (up to 1957-04-01); only 44 are unseen, so this flatters the model. "
            "Score from --start 1957-05-01 for a test result.") in evaluation.verdict
    assert payload["verdict_caveats"] == ["partly in-sample"]
    unseen = evaluate_forecasts(y, dates, np.arange(100, 144), y[99:143][:, None], season=12,
                                model_label="GRU", seen_rows=100, best_epoch=4)
    assert unseen.span == "test" and unseen.to_dict()["in_sample_points"] == 0


def test_table_columns_share_their_decimals_and_percentages_say_so():
    y = pd.read_csv(AIR)["y"].to_numpy(float)
    dates = pd.date_range("1949-01-01", periods=len(y), freq="MS")
    positions = np.arange(108, 144)
    evaluation = evaluate_forecasts(y, dates, positions, y[positions - 1][:, None] + 3.0,
                                    season=12, model_label="GRU")
    lines = format_table(evaluation).splitlines()
    assert "MAPE %" in lines[0] and "SMAPE %" in lines[0]
    rows = [line.split()[-5:] for line in lines[1:6]]
    for column in zip(*rows, strict=True):  # one count of decimals per column
        assert len({len(cell.split(".")[1]) if "." in cell else 0 for cell in column}) == 1
    ends = {len(line) for line in lines[:6]}
    assert len(ends) == 1  # every row ends in the same column


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """A run whose verdict rests on 22 test rows and a model kept at its first epoch."""
    out = tmp_path_factory.mktemp("verdict") / "run"
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=12,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    result = train_run(load_series(AIR, target="y"), model, out, test_size=0.15)
    return out, result


def test_every_place_states_the_same_verdict(short_run):
    from forecaster.cli.pipeline import summary_table
    from forecaster.pipeline.job import JobResult
    from forecaster.pipeline.work import _forecast_metrics
    from forecaster.tracking.records import read_run_dir, run_tags

    out, result = short_run
    verdict = result.evaluation.judged
    assert verdict is not None and "only 22 test rows" in verdict.caveats
    assert "epoch 1 kept" in verdict.caveats
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["verdict"] == result.evaluation.verdict == verdict.text
    assert metrics["beats_naive"] is verdict.beats_naive
    assert metrics["verdict_short"] == verdict.short
    card = (out / "model_card.md").read_text(encoding="utf-8")
    assert f"**Verdict.** {verdict.text}" in card
    tags = run_tags(*read_run_dir(out)[:2])
    assert tags["verdict"] == verdict.text
    assert tags["beats_naive"] == str(verdict.beats_naive).lower()
    record = _forecast_metrics(result, result.model)
    assert short_verdict(record) == verdict.short
    manifest = Manifest("p.yaml", "0" * 64, "0" * 16,
                        series={"air": SeriesRecord("air", "done", metrics=record, seconds=1.0)})
    table = summary_table(JobResult(out, manifest, 0))
    assert f"({verdict.short})" in table
    printed = CliRunner().invoke(main, ["evaluate", str(out / "model"), str(AIR)])
    assert printed.exit_code == 0, printed.output
    assert verdict.text in printed.output  # evaluate's default span is the run's test span


def test_an_old_pipeline_record_without_the_phrase_is_judged_by_the_same_rule():
    """17.83 vs 17.83 was summarised '(beats naive)'; the same rule now says no better."""
    assert short_verdict({"rmse": 17.822, "naive_rmse": 17.835, "beats_naive": True}) == \
        "no better than naive"


def test_a_tiny_naive_error_gives_a_finite_verdict():
    """Subnormal values (1e-320) made model/naive overflow: the verdict read 'inf% higher'."""
    from forecaster.forecasting.verdict import judge

    verdict = judge({"model": {"rmse": 1e-300}, "naive": {"rmse": 1e-320}}, "LSTM (1x4)")
    assert "inf" not in verdict.text and "nan" not in verdict.text
    assert "more than 1000 times higher" in verdict.text


def _air_case():
    """A 1-step model on airpassengers' last three years that beats repeating the last value
    by a quarter but is worse than the seasonal references (the issue's monthly case)."""
    y = pd.read_csv(AIR)["y"].to_numpy(float)
    dates = pd.date_range("1949-01-01", periods=len(y), freq="MS")
    positions = np.arange(108, 144)
    nudged = y[positions - 1] + 0.3 * (y[positions - 12] - y[positions - 13])
    return evaluate_forecasts(y, dates, positions, nudged[:, None], season=12,
                              model_label="LSTM (3x50)")


def test_a_model_worse_than_a_seasonal_baseline_is_not_called_skilful():
    evaluation = _air_case()
    metrics = evaluation.metrics
    assert metrics["model"]["rmse"] < metrics["naive"]["rmse"]  # it beats the last value...
    assert metrics["model"]["mase"] > 2 * metrics["exp_smoothing"]["mase"]  # nor seasonality
    payload = evaluation.to_dict()
    best = min((name for name in metrics if name != "model"),
               key=lambda name: metrics[name]["mase"])
    assert payload["best_baseline"] == {"name": best, "mase": metrics[best]["mase"]}
    assert payload["beats_best_baseline"] is False
    assert payload["beats_naive"] is True  # kept for pipelines and MLflow
    assert payload["skill_vs_best_baseline"] == pytest.approx(
        1 - metrics["model"]["mase"] / metrics[best]["mase"])
    assert payload["skill_vs_best_baseline"] < 0
    text = evaluation.verdict
    assert text.startswith("The LSTM (3x50) does NOT beat the strongest baseline, "
                           "exp. smoothing, damped, season 12: test MASE ")
    assert evaluation.labels()[best] in text  # the table's name for it, settings included
    assert "Do not read skill into it." in text
    assert text.index("strongest baseline") < text.index("Against repeating the last value")
    assert payload["verdict_short"].startswith("does NOT beat ")


def test_the_strongest_baseline_is_picked_by_mase_not_rmse():
    """RMSE favours drift here, MASE (the scale-free metric) seasonal naive: MASE decides."""
    metrics = {"model": {"rmse": 10.0, "mase": 1.0},
               "naive": {"rmse": 12.0, "mase": 1.4},
               "seasonal_naive": {"rmse": 11.0, "mase": 0.8},
               "drift": {"rmse": 9.0, "mase": 1.2}}
    verdict = judge(metrics, "GRU", labels={"seasonal_naive": "seasonal naive (12)"})
    assert verdict.best_baseline == "seasonal_naive" and verdict.metric == "mase"
    assert verdict.outcome == "worse" and verdict.beats_best_baseline is False
    assert verdict.beats_naive is True
    assert verdict.text.startswith("The GRU does NOT beat the strongest baseline, seasonal "
                                   "naive (12): test MASE 1.000 against 0.800, 25.0% higher.")
    assert verdict.short == "does NOT beat seasonal naive"
    assert verdict.best_baseline_record() == {"name": "seasonal_naive", "mase": 0.8}


def test_a_model_that_beats_every_baseline_says_so_against_the_strongest():
    metrics = {"model": {"rmse": 5.0, "mase": 0.5}, "naive": {"rmse": 12.0, "mase": 1.0},
               "exp_smoothing": {"rmse": 7.0, "mase": 0.6}}
    verdict = judge(metrics, "LSTM", rows=40)
    assert verdict.outcome == "beats" and verdict.beats_best_baseline is True
    assert verdict.text.startswith("The LSTM beats the strongest baseline, exp. smoothing: "
                                   "test MASE 0.500 against 0.600, 16.7% lower. Against "
                                   "repeating the last value: MASE 0.500 against 1.000, 50.0% "
                                   "lower.")
    assert verdict.short == "beats exp. smoothing"


def test_without_mase_the_verdict_falls_back_to_rmse_and_names_it():
    metrics = {"model": {"rmse": 9.0, "mase": None}, "naive": {"rmse": 10.0, "mase": None},
               "drift": {"rmse": 8.0, "mase": None}}
    verdict = judge(metrics, "RNN")
    assert (verdict.metric, verdict.best_baseline) == ("rmse", "drift")
    assert verdict.outcome == "worse"
    assert "test RMSE 9.00 against 8.00" in verdict.text


def test_every_place_names_the_strongest_baseline(short_run):
    from forecaster.tracking.records import final_metrics, read_run_dir, run_tags

    out, result = short_run
    verdict = result.evaluation.judged
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["best_baseline"] == verdict.best_baseline_record()
    assert metrics["beats_best_baseline"] is verdict.beats_best_baseline
    tags = run_tags(*read_run_dir(out)[:2])
    assert tags["beats_best_baseline"] == str(verdict.beats_best_baseline).lower()
    assert tags["best_baseline"] == verdict.best_baseline
    assert final_metrics(metrics)["skill_vs_best_baseline"] == pytest.approx(
        verdict.skill_vs_best_baseline)
    card = (out / "model_card.md").read_text(encoding="utf-8")
    label = metrics["baselines"][verdict.best_baseline]  # as the table names it
    assert f"Skill over the strongest baseline, {label}" in card
