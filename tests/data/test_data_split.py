"""chronological_split: train | validation | test in time order, and clear 'too short' errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from forecaster.data import chronological_split, load_series
from forecaster.errors import ConfigError, DataError

GOOG = Path(__file__).resolve().parents[2] / "datasets" / "GOOG.csv"


def test_goog_split_sizes():
    n = len(load_series(GOOG, target="Close").frame)
    assert n == 1258
    split = chronological_split(n, test_size=0.25, val_size=0.1, lookback=100, horizon=1)
    test = n - split.val_end
    assert test == round(0.25 * n)
    assert test in (314, 315)
    validation = split.val_end - split.train_end
    assert validation == round(0.1 * (n - test))
    assert split.train_end + validation + test == n
    assert 0 < split.train_end < split.val_end == split.test_start < n
    assert split.n == n


def test_default_fractions_match_the_documented_defaults():
    assert chronological_split(1258) == chronological_split(1258, test_size=0.25, val_size=0.1)


def test_no_test_and_no_validation():
    split = chronological_split(200, test_size=0.0, val_size=0.0, lookback=10)
    assert split.train_end == split.val_end == split.test_start == 200


def test_too_short_series_says_how_many_rows_are_needed():
    with pytest.raises(DataError) as info:
        chronological_split(50, lookback=100, horizon=1)
    message = str(info.value)
    assert "The series has 50 rows" in message
    assert "lookback 100" in message
    assert "it needs at least 102" in message
    assert "about 151 rows" in message  # the smallest count that works
    chronological_split(151, lookback=100, horizon=1)
    assert "--lookback" in message


@pytest.mark.parametrize("lookback", [10, 60, 100, 250])
def test_the_suggested_row_count_is_enough(lookback):
    with pytest.raises(DataError) as info:
        chronological_split(lookback, lookback=lookback)
    need = int(re.search(r"about (\d+) rows", str(info.value)).group(1))
    split = chronological_split(need, lookback=lookback)
    assert split.train_end >= lookback + 2


def test_the_suggested_row_count_covers_the_horizon():
    with pytest.raises(DataError) as info:
        chronological_split(60, lookback=10, horizon=5)
    need = int(re.search(r"about (\d+) rows", str(info.value)).group(1))
    assert need > 60
    chronological_split(need, lookback=10, horizon=5)


@pytest.mark.parametrize(("name", "kwargs"), [("test_size", {"test_size": 1.0}),
                                              ("test_size", {"test_size": -0.1}),
                                              ("val_size", {"val_size": 1.5})])
def test_bad_fractions_are_config_errors(name, kwargs):
    with pytest.raises(ConfigError, match=rf"{name} must be a fraction in \[0, 1\)"):
        chronological_split(1000, **kwargs)
