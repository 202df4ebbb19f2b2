"""The README's registry example, end to end against the local SQLite store: a text classifier
trained with tracking, `forecaster models register RUN_DIR sentiment`, `forecaster models
promote sentiment 1 --alias champion`, then `mlflow.pyfunc.load_model("models:/sentiment@
champion")` classifies raw text as the saved model does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.tracking

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = ROOT / "datasets" / "rotten_tomatoes.csv"
TINY = ["--hidden-size", "8", "--epochs", "1", "--max-length", "40", "--device", "cpu",
        "--quiet"]


def test_readme_sentiment_champion_example(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pd.read_csv(REVIEWS).sample(600, random_state=0).to_csv("reviews.csv", index=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    trained = cli("classify", "train", "reviews.csv", *TINY, "--out", "runs/sentiment",
                  "--tracking-uri", uri)
    assert trained.exit_code == 0, trained.output

    registered = cli("models", "register", "runs/sentiment", "sentiment", "--tracking-uri", uri)
    assert registered.exit_code == 0, registered.output
    assert "Already in MLflow" in registered.output  # logged while training: not twice
    assert "Registered as sentiment version 1" in registered.output
    promoted = cli("models", "promote", "sentiment", "1", "--alias", "champion",
                   "--tracking-uri", uri)
    assert promoted.exit_code == 0, promoted.output
    assert "sentiment@champion -> version 1" in promoted.output

    import mlflow

    from forecaster.classification.saved_models import load_classifier
    from forecaster.classification.text_data import TextSet
    from forecaster.tracking.mlflow_run import using_tracking_uri

    texts = ["A gripping, beautifully shot film.", "Dull, long and pointless."]
    with using_tracking_uri(uri):
        model = mlflow.pyfunc.load_model("models:/sentiment@champion")
        served = model.predict(pd.DataFrame({"text": texts}))
    local = load_classifier(Path("runs/sentiment/model"))
    expected = local.predict(TextSet(texts, None, "here"))
    assert list(served["label"]) == [str(label) for label in expected]
