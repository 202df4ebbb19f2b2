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
        chronological_split(25, lookback=10, horizon=5)
    need = int(re.search(r"about (\d+) rows", str(info.value)).group(1))
    assert need > 25
    chronological_split(need, lookback=10, horizon=5)


@pytest.mark.parametrize(("name", "kwargs"), [("test_size", {"test_size": 1.0}),
                                              ("test_size", {"test_size": -0.1}),
                                              ("val_size", {"val_size": 1.5})])
def test_bad_fractions_are_config_errors(name, kwargs):
    with pytest.raises(ConfigError, match=rf"{name} must be a fraction in \[0, 1\)"):
        chronological_split(1000, **kwargs)


def _suggestions(message: str) -> list[tuple[str, str]]:
    """('--val-size', '0.11') pairs from the 'change one setting:' part of a message."""
    tail = message.split("change one setting:", 1)[1]
    return re.findall(r"(--[a-z-]+) ([0-9]+(?:\.[0-9]+)?)", tail)


_KEYS = {"--lookback": "lookback", "--horizon": "horizon", "--val-size": "val_size",
         "--test-size": "test_size"}


def test_airpassengers_lookback_24_horizon_12_fits_by_default():
    """10 % of its 108 rows before the test span is 11 rows, one short of a 12-step window:
    the validation part takes one horizon of rows instead of refusing the monthly default."""
    n = len(load_series(GOOG.with_name("airpassengers.csv"), target="y").frame)
    split = chronological_split(n, lookback=24, horizon=12)
    assert split.val_end - split.train_end == 12
    assert split.n - split.val_end == 36
    assert chronological_split(n, lookback=24, horizon=1).val_end - \
        chronological_split(n, lookback=24, horizon=1).train_end == 11  # 10 % as before


@pytest.mark.parametrize(("n", "settings"), [
    (100, {"lookback": 60, "horizon": 12}),
    (50, {"lookback": 100, "horizon": 1}),
    (40, {"lookback": 30, "horizon": 1}),
    (25, {"lookback": 10, "horizon": 5}),
    (200, {"lookback": 30, "horizon": 30, "test_size": 0.1}),
    (36, {"lookback": 20, "horizon": 4, "val_size": 0.05}),
])
def test_every_suggested_setting_works_on_its_own(n, settings):
    with pytest.raises(DataError) as info:
        chronological_split(n, **settings)
    found = _suggestions(str(info.value))
    assert found, str(info.value)
    for option, value in found:
        changed = {**settings, _KEYS[option]: (float(value) if "size" in option
                                               else int(value))}
        split = chronological_split(n, **changed)  # the named value really fits
        assert split.n == n


def test_no_single_change_fits_says_so():
    with pytest.raises(DataError, match=r"no single smaller setting fits these rows"):
        chronological_split(3, lookback=5, horizon=2)
