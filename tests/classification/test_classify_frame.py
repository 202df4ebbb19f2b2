"""`classify_frame` (what the pyfunc model returns) carries what joins its output back to the
input: the input's index, its `id` column and, for texts, the text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from forecaster import TrainConfig
from forecaster.classification import SequenceClassifier, classify_frame, read_ts
from forecaster.classification.raw_input import flatten_sequences
from forecaster.classification.text_classifier import TextClassifier
from forecaster.classification.text_data import TextSet, read_text_csv

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
QUICK = TrainConfig(epochs=1, progress="off", device="cpu", seed=0)


def test_text_output_carries_index_id_and_text():
    reviews = read_text_csv(DATASETS / "rotten_tomatoes.csv")
    small = TextSet(reviews.texts[:400], reviews.labels[:400], "reviews")
    model = TextClassifier(hidden_size=4, embedding_dim=4, max_words=500,
                           training=QUICK).fit(small)
    frame = pd.DataFrame({"ID": ["b", "a"], "text": ["Tedious.", "A joy."]}, index=[10, 3])
    out = classify_frame(model, frame, "the model input")
    assert list(out.index) == [10, 3]
    assert list(out.columns[:3]) == ["ID", "text", "label"]
    assert list(out["ID"]) == ["b", "a"] and list(out["text"]) == ["Tedious.", "A joy."]


def test_sequence_output_keeps_the_id_out_of_the_values():
    train = read_ts(DATASETS / "ucr" / "ItalyPowerDemand" / "ItalyPowerDemand_TRAIN.ts")
    model = SequenceClassifier(hidden_size=4, training=QUICK).fit(train)
    values = flatten_sequences(train, rows=3)
    with_ids = pd.concat([pd.DataFrame({"id": [7, 8, 9]}), values], axis=1)
    out = classify_frame(model, with_ids, "the model input")
    plain = classify_frame(model, values, "the model input")
    assert list(out["id"]) == [7, 8, 9]
    assert list(out["label"]) == list(plain["label"])  # the id was not read as a value
    assert np.allclose(out.filter(like="probability_"), plain.filter(like="probability_"))
