"""Tokenizer and vocabulary on the shipped reviews: Unicode, speed, train-only words, encoding."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from forecaster.classification.text_data import read_text_csv
from forecaster.classification.vocabulary import OOV, PAD, Vocabulary, tokenize

REVIEWS = Path(__file__).resolve().parents[2] / "datasets" / "rotten_tomatoes.csv"


@pytest.fixture(scope="module")
def reviews():
    return read_text_csv(REVIEWS)


def test_words_and_punctuation_lower_cased(reviews):
    assert reviews.texts[0] == "A three-hour cinema master class."
    assert tokenize(reviews.texts[0]) == ["a", "three", "-", "hour", "cinema", "master",
                                          "class", "."]
    assert tokenize("It's always fascinating!") == ["it's", "always", "fascinating", "!"]


def test_unicode_texts_keep_their_words(reviews):
    curly = next(text for text in reviews.texts if "doesn\u2019t" in text)
    assert "doesn't" in tokenize(curly)  # the curly apostrophe is the straight one
    assert tokenize("\u201cAbandon\u201d, a clich\u00e9") == ["\u201c", "abandon", "\u201d",
                                                              ",", "a", "clich\u00e9"]
    # the same word typed with a combining accent is the same token
    assert tokenize("Clich\u00e9") == tokenize("Cliche\u0301") == ["clich\u00e9"]
    # combining marks stay inside their word (plain \w would cut Hindi into letters)
    assert tokenize("\u0939\u093f\u0902\u0926\u0940 \u092b\u093f\u0932\u094d\u092e!") == [
        "\u0939\u093f\u0902\u0926\u0940", "\u092b\u093f\u0932\u094d\u092e", "!"]
    assert tokenize("\u6771\u4eac \U0001f3ac \u00c9T\u00c9") == ["\u6771\u4eac", "\U0001f3ac",
                                                                 "\u00e9t\u00e9"]
    assert tokenize("   ") == [] and tokenize("") == []


def test_tokenises_every_review(reviews):
    """Its speed (about 240k texts/s) is measured in benchmarks/text_classification.py."""
    tokens = [tokenize(text) for text in reviews.texts]
    assert all(tokens_of_one for tokens_of_one in tokens)  # no review comes out empty
    assert sum(map(len, tokens)) > 200_000


def test_most_frequent_words_with_repeatable_ties(reviews):
    vocabulary = Vocabulary.learn(reviews.texts, max_words=1000)
    assert len(vocabulary.tokens) == 1000 and vocabulary.size == 1002
    assert vocabulary.tokens[:4] == [".", "the", ",", "a"]
    shuffled = list(reviews.texts)
    random.Random(0).shuffle(shuffled)
    assert Vocabulary.learn(shuffled, max_words=1000).tokens == vocabulary.tokens
    ties = Vocabulary.learn(["b a c", "c b a"], max_words=2)
    assert ties.tokens == ["a", "b"]  # equal counts: text order


def test_vocabulary_comes_from_the_training_texts_only(reviews):
    train, test = reviews.texts[:6000], reviews.texts[6000:]
    seen = {token for text in train for token in tokenize(text)}
    only_in_test = next(token for text in test for token in tokenize(text)
                        if token not in seen)
    vocabulary = Vocabulary.learn(train, max_words=100_000)
    assert len(vocabulary.tokens) == len(seen)
    text = next(text for text in test if only_in_test in tokenize(text))
    ids, lengths = vocabulary.encode([text], max_length=500)
    position = tokenize(text).index(only_in_test)
    assert ids[0, position] == OOV
    assert (ids[0, :lengths[0]] != OOV).sum() == sum(t in seen for t in tokenize(text))


def test_encode_pads_truncates_and_keeps_the_beginning(reviews):
    vocabulary = Vocabulary.learn(reviews.texts, max_words=20_000)
    texts = reviews.texts[:50]
    ids, lengths = vocabulary.encode(texts, max_length=500)
    sizes = [len(tokenize(text)) for text in texts]
    assert ids.dtype == np.int64 and lengths.dtype == np.int64
    assert ids.shape == (50, max(sizes)) and lengths.tolist() == sizes
    assert (ids[np.arange(ids.shape[1])[None, :] >= lengths[:, None]] == PAD).all()
    assert (ids[np.arange(ids.shape[1])[None, :] < lengths[:, None]] >= OOV).all()
    short, short_lengths = vocabulary.encode(texts, max_length=10)
    assert short.shape == (50, 10) and short_lengths.tolist() == [min(s, 10) for s in sizes]
    np.testing.assert_array_equal(short, ids[:, :10])  # the first 10 tokens of each
    first = tokenize(texts[0])
    assert [vocabulary.tokens[i - 2] for i in ids[0, :lengths[0]]] == first


def test_a_text_without_tokens_is_one_unknown_token():
    ids, lengths = Vocabulary(["good"]).encode(["good", " ", ""], max_length=5)
    assert ids.tolist() == [[2], [OOV], [OOV]] and lengths.tolist() == [1, 1, 1]


def test_round_trips_through_json(reviews):
    vocabulary = Vocabulary.learn(reviews.texts[:2000], max_words=500)
    again = Vocabulary.from_dict(json.loads(json.dumps(vocabulary.to_dict())))
    assert again.tokens == vocabulary.tokens
    for a, b in zip(vocabulary.encode(reviews.texts[2000:2100], 64),
                    again.encode(reviews.texts[2000:2100], 64), strict=True):
        np.testing.assert_array_equal(a, b)
    assert "500 tokens" in repr(vocabulary)
