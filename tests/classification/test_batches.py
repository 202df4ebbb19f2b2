"""Training batches of texts: one length per batch where a length has enough texts, so those
batches need no packing; every text once per epoch; as many batches as plain cutting gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from forecaster.classification.batches import SequenceBatches
from forecaster.classification.text_data import read_text_csv
from forecaster.classification.vocabulary import Vocabulary

REVIEWS = Path(__file__).resolve().parents[2] / "datasets" / "rotten_tomatoes.csv"


def review_batches(same_length: bool) -> SequenceBatches:
    texts = read_text_csv(REVIEWS).texts[:8160]  # as many as the benchmark trains on
    ids, lengths = Vocabulary.learn(texts, 2000).encode(texts, 200)
    return SequenceBatches(torch.from_numpy(ids), torch.from_numpy(lengths),
                           torch.zeros(len(texts), dtype=torch.long), same_length)


def test_texts_of_one_length_fill_whole_batches_and_every_text_comes_once():
    source = review_batches(same_length=True)
    order = torch.randperm(len(source), generator=torch.Generator().manual_seed(0))
    batches = source.epoch_batches(order, 64, torch.Generator().manual_seed(1))
    rows = torch.cat(batches)
    assert sorted(rows.tolist()) == list(range(len(source)))
    assert len(batches) == -(-len(source) // 64)  # as many as cutting the order into 64s
    one_length = [b for b in batches if len(set(source.lengths[b].tolist())) == 1]
    assert all(len(b) == 64 for b in one_length)
    assert sum(map(len, one_length)) > 0.75 * len(source)  # most texts skip packing (0.82)
    (values, lengths), _ = source.fetch(one_length[0])
    assert bool((lengths == values.shape[1]).all())  # no padding: the encoder's fast path
    again = source.epoch_batches(order, 64, torch.Generator().manual_seed(1))
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))


def test_without_grouping_the_order_is_cut_as_it_comes():
    source = review_batches(same_length=False)
    order = torch.randperm(len(source), generator=torch.Generator().manual_seed(0))
    batches = source.epoch_batches(order, 64, torch.Generator().manual_seed(1))
    assert torch.equal(torch.cat(batches), order)
    assert [len(b) for b in batches] == [64] * (len(source) // 64) + [len(source) % 64]
    assert np.isclose(np.mean([len(b) for b in batches[:-1]]), 64)
