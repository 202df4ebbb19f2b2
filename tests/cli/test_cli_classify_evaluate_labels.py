"""classify evaluate never calls cases the model trained on 'test': on the training file it
scores only the held-out part (the run's own test scores), --in-sample labels the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
TINY = ["--hidden-size", "8", "--epochs", "2", "--max-length", "40", "--device", "cpu", "--quiet"]


def invoke(*args: object):
    return CliRunner().invoke(main, ["classify", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, Path]:
    frame = pd.read_csv(DATASETS / "rotten_tomatoes.csv").sample(600, random_state=3)
    frame = frame.drop_duplicates("text")  # each text once: counts are exact
    folder = tmp_path_factory.mktemp("labels")
    reviews = folder / "reviews.csv"
    frame.to_csv(reviews, index=False)
    out = folder / "run"
    result = invoke("train", reviews, *TINY, "--out", out)
    assert result.exit_code == 0, result.output
    return reviews, out


def test_the_training_file_is_scored_on_its_held_out_cases_only(run):
    reviews, out = run
    trained = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    result = invoke("evaluate", out / "model", reviews, "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    test_cases = trained["data"]["test_cases"]
    assert (scored["scored_span"], scored["cases"], scored["in_sample_cases"]) == \
        ("test", test_cases, 0)
    assert scored["left_out_seen_cases"] == trained["data"]["train_cases"]
    # the same cases and the same baselines as the run's own test: the same scores
    for name, values in trained["metrics"].items():
        assert scored["metrics"][name]["accuracy"] == pytest.approx(values["accuracy"])
    assert "test accuracy" in scored["verdict"]
    printed = invoke("evaluate", out / "model", reviews)
    assert f"{test_cases} test cases, none seen in training" in printed.output
    assert (f"{trained['data']['train_cases']} case(s) seen in training left out "
            f"(--in-sample keeps them).") in printed.output


def test_in_sample_scoring_is_labelled_and_counted(run):
    reviews, out = run
    trained = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    result = invoke("evaluate", out / "model", reviews, "--in-sample", "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    seen, total = trained["data"]["train_cases"], scored["cases"]
    assert (scored["scored_span"], scored["in_sample_cases"]) == ("partly in-sample", seen)
    assert "test accuracy" not in scored["verdict"]
    assert "partly in-sample accuracy" in scored["verdict"]
    assert (f"In-sample: {seen} of the {total} scored cases were in the training data the "
            f"model and the baselines were fitted on") in scored["verdict"]


def test_a_file_of_training_cases_only_is_exit_2(run, tmp_path):
    from forecaster.classification.classification_run import stratified_split
    from forecaster.classification.text_data import read_text_csv

    reviews, out = run
    part, _ = stratified_split(read_text_csv(reviews), 0.2, 0)  # the run's training part
    only_train = tmp_path / "only_train.csv"
    pd.DataFrame({"text": part.texts, "label": part.labels}).to_csv(only_train, index=False)
    result = invoke("evaluate", out / "model", only_train)
    assert result.exit_code == 2, result.output
    assert (f"Every one of the {len(part)} cases of '{only_train}' was in the training data "
            f"the model and its baselines were fitted on: there is nothing unseen to test on."
            ) in " ".join(result.output.split())
    assert invoke("evaluate", out / "model", only_train, "--in-sample").exit_code == 0
