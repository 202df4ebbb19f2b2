"""`forecaster classify` on text, as a user runs it: train on shipped reviews, predict, evaluate,
and every kind of bad input refused with exit code 2 and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from forecaster.cli import main

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
REVIEWS = DATASETS / "rotten_tomatoes.csv"
TINY = ["--hidden-size", "8", "--epochs", "2", "--max-length", "40", "--device", "cpu", "--quiet"]


def invoke(*args: object):
    return CliRunner().invoke(main, ["classify", *[str(a) for a in args]])


@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> Path:
    frame = pd.read_csv(REVIEWS).sample(1200, random_state=1)
    path = tmp_path_factory.mktemp("reviews") / "reviews.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def text_run(reviews, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "sentiment"
    result = invoke("train", reviews, *TINY, "--out", out)
    assert result.exit_code == 0, result.output
    assert "TF-IDF + logistic regression" in result.output
    assert "majority class" in result.output
    return out


def test_train_writes_a_complete_run_beside_text_baselines(text_run):
    assert sorted(p.name for p in text_run.iterdir()) == [
        "confusion.png", "loss.png", "metrics.json", "model", "model_card.md"]
    metrics = json.loads((text_run / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["metrics"]) == {"model", "majority", "tfidf_logistic"}
    assert metrics["data"]["kind"] == "text"
    assert metrics["data"]["test_cases"] == 240
    assert metrics["split"] == {"test_size": 0.2, "seed": 0, "keep_repeats": False}
    card = (text_run / "model_card.md").read_text(encoding="utf-8")
    assert metrics["verdict"] in card and "TF-IDF + logistic regression" in card
    config = json.loads((text_run / "model" / "config.json").read_text(encoding="utf-8"))
    assert config["kind"] == "text_classifier"


def test_predict_needs_no_labels_and_gives_probabilities(text_run, tmp_path):
    new = tmp_path / "new.csv"
    pd.DataFrame({"text": ["A joy from start to finish.", "Tedious."]}).to_csv(new, index=False)
    result = invoke("predict", text_run / "model", new, "--json", "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["classes"] == ["negative", "positive"]
    assert [len(p["probabilities"]) for p in payload["predictions"]] == [2, 2]
    assert all(abs(sum(p["probabilities"]) - 1) < 1e-5 for p in payload["predictions"])
    written = pd.read_csv(tmp_path / "p.csv")
    assert list(written.columns) == ["row", "text", "label", "probability_negative",
                                     "probability_positive"]
    assert list(written["row"]) == [1, 2] and written["text"][1] == "Tedious."
    assert [p["row"] for p in payload["predictions"]] == [1, 2]
    assert payload["predictions"][0]["text"] == "A joy from start to finish."


def test_predict_carries_the_id_column_to_join_back(text_run, tmp_path):
    new = tmp_path / "new.csv"
    texts = ["Tedious.", "A joy from start to finish, with a cast at its best."]
    pd.DataFrame({"review_id": ["r-7", "r-3"], "ID": [7, 3], "text": texts}).to_csv(
        new, index=False)
    by_default = invoke("predict", text_run / "model", new, "--out", tmp_path / "a.csv")
    assert by_default.exit_code == 0, by_default.output
    written = pd.read_csv(tmp_path / "a.csv")
    assert list(written.columns)[:3] == ["ID", "text", "label"]  # a column named id, any case
    assert list(written["ID"]) == [7, 3] and list(written["text"]) == texts
    chosen = invoke("predict", text_run / "model", new, "--id-column", "review_id", "--json")
    assert chosen.exit_code == 0, chosen.output
    predictions = json.loads(chosen.stdout)["predictions"]
    assert [(p["review_id"], p["text"]) for p in predictions] == [("r-7", texts[0]),
                                                                 ("r-3", texts[1])]
    assert "r-7" in invoke("predict", text_run / "model", new, "--id-column",
                           "review_id").output


def test_predict_shortens_long_texts_on_the_terminal_only(text_run, tmp_path):
    new = tmp_path / "new.csv"
    long = "A joy from start to finish, " * 10
    pd.DataFrame({"text": [long]}).to_csv(new, index=False)
    result = invoke("predict", text_run / "model", new, "--out", tmp_path / "p.csv")
    assert result.exit_code == 0, result.output
    assert "A joy from start to finish, A joy from …" in result.output
    assert pd.read_csv(tmp_path / "p.csv")["text"][0] == long


def test_predict_refuses_an_unknown_id_column(text_run, tmp_path):
    new = tmp_path / "new.csv"
    pd.DataFrame({"text": ["Tedious."]}).to_csv(new, index=False)
    result = invoke("predict", text_run / "model", new, "--id-column", "review_id")
    assert result.exit_code == 2
    assert f"--id-column 'review_id' is not in '{new}'" in result.output
    assert "columns: text" in result.output


def test_predict_refuses_an_input_column_named_like_an_output(text_run, tmp_path):
    new = tmp_path / "new.csv"
    pd.DataFrame({"label": ["x"], "text": ["Tedious."]}).to_csv(new, index=False)
    result = invoke("predict", text_run / "model", new, "--id-column", "label")
    assert result.exit_code == 2
    assert "The input's column 'label' would collide with the predicted columns" in result.output


def test_evaluate_refits_baselines_on_the_recorded_training_part(text_run, reviews):
    trained = json.loads((text_run / "metrics.json").read_text(encoding="utf-8"))
    result = invoke("evaluate", text_run / "model", reviews, "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.stdout)
    assert set(scored["metrics"]) == {"model", "majority", "tfidf_logistic"}
    # the same split of the same file: the baselines are fitted on the same training part
    assert scored["train"] == trained["data"]["files"]["train"]["path"]


def test_keras_recipe_is_reachable_by_options(reviews, tmp_path):
    out = tmp_path / "keras"
    result = invoke("train", reviews, "--cell", "rnn", "--hidden-size", "32", "--embedding-dim",
                    "32", "--unidirectional", "--pooling", "last", "--max-words", "10000",
                    "--max-length", "500", "--optimizer", "rmsprop", "--epochs", "1",
                    "--batch-size", "32", "--device", "cpu", "--quiet", "--out", out, "--json")
    assert result.exit_code == 0, result.output
    params = json.loads((out / "metrics.json").read_text())["model"]
    assert (params["cell"], params["hidden_size"], params["embedding_dim"],
            params["bidirectional"], params["max_words"], params["max_length"]) == (
        "rnn", 32, 32, False, 10000, 500)


# ------------------------------------------------------------------ bad input: exit 2


def _refused(tmp_path: Path, *args: object) -> str:
    out = tmp_path / "run"
    result = invoke("train", *args, *TINY, "--out", out)
    assert result.exit_code == 2, result.output
    assert not out.exists() and not list(tmp_path.glob(".run*"))
    return result.output


def test_unknown_text_column_names_the_columns_and_the_option(reviews, tmp_path):
    output = _refused(tmp_path, reviews, "--text-column", "review")
    assert "'review'" in output and "--text-column" in output and "text, label" in output


def test_unknown_label_column(reviews, tmp_path):
    output = _refused(tmp_path, reviews, "--label-column", "sentiment")
    assert "'sentiment'" in output and "--label-column" in output


def test_blank_texts_are_named_by_line(tmp_path):
    bad = tmp_path / "blank.csv"
    frame = pd.read_csv(REVIEWS).head(200)
    frame.loc[[10, 57], "text"] = "   "
    frame.to_csv(bad, index=False)
    lines = [number for number, line in enumerate(bad.read_text().splitlines(), start=1)
             if line.startswith("   ,")]
    assert len(lines) == 2
    output = _refused(tmp_path, bad)
    assert f"line(s) {lines[0]}, {lines[1]}" in output and "blank" in output


def test_a_single_class_cannot_be_learned(tmp_path):
    one = tmp_path / "one.csv"
    pd.read_csv(REVIEWS).query("label == 'positive'").head(300).to_csv(one, index=False)
    output = _refused(tmp_path, one)
    assert "single class" in output or "one class" in output


def test_non_utf8_file_names_the_encoding_option(tmp_path):
    latin = tmp_path / "latin.csv"
    frame = pd.read_csv(REVIEWS).head(300)
    frame.loc[3, "text"] = "Un film très réussi, déjà culte."
    frame.to_csv(latin, index=False, encoding="cp1252", errors="replace")
    output = _refused(tmp_path, latin)
    assert "--encoding" in output and "latin.csv" in output
    ok = invoke("train", latin, "--encoding", "cp1252", *TINY, "--out", tmp_path / "ok")
    assert ok.exit_code == 0, ok.output


def test_ragged_row_is_named_by_line(tmp_path):
    ragged = tmp_path / "ragged.csv"
    lines = REVIEWS.read_text(encoding="utf-8").splitlines()[:300]
    lines[20] = lines[20] + ",extra,fields"
    ragged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = _refused(tmp_path, ragged)
    assert "line 21" in output


def test_labels_unseen_at_training_are_refused_at_evaluate(text_run, tmp_path):
    other = tmp_path / "other.csv"
    pd.DataFrame({"text": ["fine", "meh", "great"],
                  "label": ["positive", "neutral", "negative"]}).to_csv(other, index=False)
    result = invoke("evaluate", text_run / "model", other)
    assert result.exit_code == 2, result.output
    assert "neutral" in result.output


def test_text_options_are_refused_for_sequences(tmp_path):
    italy = DATASETS / "ucr" / "ItalyPowerDemand" / "ItalyPowerDemand_TRAIN.ts"
    result = invoke("train", italy, "--max-words", "100", "--out", tmp_path / "run")
    assert result.exit_code == 2 and "--max-words" in result.output
