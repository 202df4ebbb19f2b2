"""`classify predict` and `classify train` on input that used to give a wrong answer or a
traceback: blank texts are refused by line (never 3 rows in, 2 predictions out), and labels
with a single case per class are refused as too few examples (exit 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from forecaster import TrainConfig
from forecaster.classification.common import class_targets
from forecaster.classification.text_classifier import TextClassifier
from forecaster.classification.text_data import read_text_csv
from forecaster.cli import main
from forecaster.errors import DataError

ROTTEN = Path(__file__).resolve().parents[2] / "datasets" / "rotten_tomatoes.csv"


@pytest.fixture(scope="module")
def text_model(tmp_path_factory) -> Path:
    data = read_text_csv(ROTTEN)
    rows = np.r_[0:60, len(data) - 60:len(data)]  # both classes
    model = TextClassifier(hidden_size=4, embedding_dim=4, max_words=500,
                           training=TrainConfig(epochs=1, progress="off", device="cpu"))
    return model.fit(data.take(rows, "part"), val_size=0).save(
        tmp_path_factory.mktemp("text") / "model")


def invoke(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("blank", ["", "   ", '""', '"  "'])
def test_a_blank_text_is_refused_by_line_not_dropped(text_model, tmp_path, blank):
    cases = tmp_path / "cases.csv"
    cases.write_text(f"text\ngreat film\n{blank}\nawful\n", encoding="utf-8")
    result = invoke("classify", "predict", text_model, cases)
    assert result.exit_code == 2, result.output
    assert (f"'{cases}' has 1 blank text(s) in column 'text', on line(s) 3. Remove those rows "
            f"or fill in their text.") in result.output


def test_every_text_gets_a_prediction_and_trailing_blank_lines_are_no_texts(text_model,
                                                                            tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("\ntext\ngreat film\nno\nawful\n\n\n", encoding="utf-8")
    result = invoke("classify", "predict", text_model, cases)
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[1:] if line.strip()]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert all(set(row) & {"positive", "negative"} for row in rows)


def test_a_blank_line_in_a_file_of_several_columns_is_still_skipped(tmp_path):
    path = tmp_path / "texts.csv"
    path.write_text("text,label\ngood,pos\n\nbad,neg\n", encoding="utf-8")
    assert read_text_csv(path).texts == ["good", "bad"]


def _one_case_per_class(path: Path, rows: int) -> Path:
    lines = ["text,label"] + [f"text number {i},c{min(i, rows - 2)}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("with_test_file", [False, True])
def test_ten_thousand_classes_in_ten_thousand_rows_is_a_clear_error(tmp_path, with_test_file):
    data = _one_case_per_class(tmp_path / "many.csv", 10_001)
    extra = []
    if with_test_file:
        test = tmp_path / "many_test.csv"
        test.write_text("\n".join(data.read_text(encoding="utf-8").splitlines()[:50]) + "\n",
                        encoding="utf-8")
        extra = ["--test", test]
    out = tmp_path / "run"
    result = invoke("classify", "train", data, *extra, "--epochs", "1", "--device", "cpu",
                    "--quiet", "--no-tracking", "--out", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not out.exists()
    if with_test_file:
        assert (f"'{data}' has 10000 classes in 10001 cases, and 9999 of them have a single "
                f"case: too few examples per class to learn from") in result.output
    else:
        assert "have a single case, so a stratified test split cannot hold them" in result.output


def test_a_few_rare_classes_are_still_allowed():
    labels = np.array(["a"] * 5 + ["b"] * 5 + ["rare"])
    classes, targets = class_targets(labels, "typed")
    assert classes == ["a", "b", "rare"] and targets.tolist() == [0] * 5 + [1] * 5 + [2]
    with pytest.raises(DataError, match="3 classes in 4 cases, and 2 of them have a single"):
        class_targets(np.array(["a", "a", "b", "c"]), "typed")
