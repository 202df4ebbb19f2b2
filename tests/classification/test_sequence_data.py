"""Sequence-classification data: the shipped UCR .ts files and MNIST CSV, and every bad input."""

from __future__ import annotations

import gzip
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from forecaster.classification.sequence_data import (
    SequenceSet,
    from_arrays,
    read_flat_csv,
    read_ts,
)
from forecaster.errors import DataError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
UCR = DATASETS / "ucr"


def ucr(name: str, split: str) -> SequenceSet:
    return read_ts(UCR / name / f"{name}_{split}.ts")


# ---------------------------------------------------------------- the shipped .ts files

@pytest.mark.parametrize(
    ("name", "n_train", "n_test", "steps", "channels", "classes"),
    [
        ("ItalyPowerDemand", 67, 1029, 24, 1, ["1", "2"]),
        ("GunPoint", 50, 150, 150, 1, ["1", "2"]),
        ("ArrowHead", 36, 175, 251, 1, ["0", "1", "2"]),  # header has no @seriesLength
        ("BasicMotions", 40, 40, 100, 6, ["Badminton", "Running", "Standing", "Walking"]),
    ],
)
def test_equal_length_problems_load(name, n_train, n_test, steps, channels, classes):
    for split, n in (("TRAIN", n_train), ("TEST", n_test)):
        data = ucr(name, split)
        assert len(data) == n
        assert data.values.shape == (n, steps, channels)
        assert data.values.dtype == np.float32
        assert data.lengths.dtype == np.int64 and (data.lengths == steps).all()
        assert data.labels.shape == (n,) and data.classes == classes
        assert data.source.endswith(f"{name}_{split}.ts")
        assert np.isfinite(data.values).all() and data.values.std() > 0


def test_class_counts_match_the_readme():
    assert Counter(ucr("ArrowHead", "TEST").labels.tolist()) == {"0": 69, "1": 53, "2": 53}
    assert Counter(ucr("GunPoint", "TRAIN").labels.tolist()) == {"1": 24, "2": 26}
    assert set(Counter(ucr("BasicMotions", "TRAIN").labels.tolist()).values()) == {10}


def test_first_value_is_read_exactly():
    data = ucr("ItalyPowerDemand", "TRAIN")  # the file's first case starts -0.71051757,-1.1833204
    np.testing.assert_allclose(data.values[0, :2, 0], [-0.71051757, -1.1833204], rtol=1e-6)
    basic = ucr("BasicMotions", "TRAIN")  # channel 1 of case 1 starts 0.079106,0.079106,-0.903497
    np.testing.assert_allclose(basic.values[0, :3, 0], [0.079106, 0.079106, -0.903497],
                               rtol=1e-6)
    assert basic.labels[0] == "Standing"


def test_japanese_vowels_unequal_lengths_are_padded_with_zeros():
    train, test = ucr("JapaneseVowels", "TRAIN"), ucr("JapaneseVowels", "TEST")
    assert train.values.shape == (270, 26, 12) and test.values.shape == (370, 29, 12)
    assert (train.lengths.min(), train.lengths.max()) == (7, 26)
    assert (test.lengths.min(), test.lengths.max()) == (7, 29)
    assert train.classes == test.classes == [str(k) for k in range(1, 10)]
    assert set(Counter(train.labels.tolist()).values()) == {30}
    for data in (train, test):
        past_end = np.arange(data.values.shape[1])[None, :] >= data.lengths[:, None]
        assert (data.values[past_end] == 0).all()
        last = data.values[np.arange(len(data)), data.lengths - 1]  # last real step of each case
        assert (np.abs(last).sum(axis=1) > 0).all()


def test_japanese_vowels_test_parses_fast():
    start = time.perf_counter()
    ucr("JapaneseVowels", "TEST")
    assert time.perf_counter() - start < 0.5


# ---------------------------------------------------------------- MNIST as flat rows

@pytest.fixture(scope="module")
def mnist() -> SequenceSet:
    return read_flat_csv(DATASETS / "mnist_5k.csv.gz", steps=28)


def test_mnist_rows_become_28_steps_of_28_pixels(mnist):
    assert mnist.values.shape == (5000, 28, 28)
    assert (mnist.lengths == 28).all()
    assert mnist.classes == [str(k) for k in range(10)]
    assert set(Counter(mnist.labels.tolist()).values()) == {500}
    assert mnist.values.min() == 0 and mnist.values.max() == 255


def test_mnist_first_row_looks_like_a_zero(mnist):
    image = mnist.values[0]
    assert mnist.labels[0] == "0"
    assert image[0].sum() == 0 and image[-1].sum() == 0  # blank top and bottom rows
    ink = image > 127
    assert 50 < ink.sum() < 300
    assert image[12:16, 12:16].max() < 50  # the hole of the zero
    middle = ink[14]  # a row through the middle crosses the ring on both sides of the hole
    assert middle[:12].any() and middle[16:].any()


def test_flat_csv_with_header_and_first_label_column(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("label,a,b,c,d,e,f\ncat,1,2,3,4,5,6\n\ndog,7,8,9,10,11,12\n")
    data = read_flat_csv(path, steps=3, label_column="first")
    assert data.values.shape == (2, 3, 2) and data.labels.tolist() == ["cat", "dog"]
    np.testing.assert_array_equal(data.values[1], [[7, 8], [9, 10], [11, 12]])
    named = read_flat_csv(path, steps=2, label_column="label")
    assert named.values.shape == (2, 2, 3) and named.classes == ["cat", "dog"]


def test_flat_csv_gz_without_header(tmp_path):
    path = tmp_path / "rows.csv.gz"
    path.write_bytes(gzip.compress(b"1,2,3,4,x\n5,6,7,8,y\n"))
    data = read_flat_csv(path, steps=4)
    assert data.values.shape == (2, 4, 1) and data.labels.tolist() == ["x", "y"]


# ---------------------------------------------------------------- bad .ts files

HEADER = "#comment\n@problemName Toy\n@univariate false\n@dimensions 2\n@classLabel true a b\n"


def write(tmp_path: Path, text: str | bytes, name: str = "bad.ts") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def ts_error(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(DataError) as caught:
        read_ts(write(tmp_path, text))
    message = str(caught.value)
    assert "bad.ts" in message
    return message


def test_good_toy_file_reads(tmp_path):  # the base the bad files below break
    data = read_ts(write(tmp_path, HEADER + "@data\n1,2,3:4,5,6:a\n\n7,8:9,10:b\n"))
    assert data.values.shape == (2, 3, 2) and data.lengths.tolist() == [3, 2]
    np.testing.assert_array_equal(data.values[1], [[7, 9], [8, 10], [0, 0]])


def test_ts_missing_data_line(tmp_path):
    message = ts_error(tmp_path, HEADER + "1,2:3,4:a\n")
    assert "line 6" in message and "no @data line" in message


def test_ts_no_data_line_at_all(tmp_path):
    assert "has no '@data' line" in ts_error(tmp_path, HEADER)


def test_ts_class_label_false(tmp_path):
    message = ts_error(tmp_path, "@problemName Toy\n@classLabel false\n@data\n1,2:3.5\n")
    assert "line 2" in message and "cannot be used for classification" in message


def test_ts_class_label_missing(tmp_path):
    message = ts_error(tmp_path, "@problemName Toy\n@univariate true\n@data\n1,2:a\n")
    assert "no '@classLabel' line" in message and "line 3" in message


def test_ts_undeclared_label(tmp_path):
    message = ts_error(tmp_path, HEADER + "@data\n1:2:a\n1:2:c\n")
    assert "line 8" in message and "'c'" in message and "line 5 (a b)" in message


def test_ts_channels_differ_from_dimensions(tmp_path):
    message = ts_error(tmp_path, HEADER + "@data\n1,2:3,4:5,6:a\n")
    assert "line 7 has 3 channel(s) but @dimensions on line 4 says 2" in message


def test_ts_channels_differ_between_lines(tmp_path):
    text = "@classLabel true a b\n@data\n1,2:3,4:a\n1,2:b\n"
    message = ts_error(tmp_path, text)
    assert "line 4 has 1 channel(s) but line 3 says 2" in message


def test_ts_non_numeric_value_is_quoted(tmp_path):
    message = ts_error(tmp_path, HEADER + "@data\n1,2:3,4:a\n1,2:3,abc:b\n")
    assert "line 8" in message and "value 2 of channel 2 is 'abc'" in message


def test_ts_missing_values_are_not_supported(tmp_path):
    message = ts_error(tmp_path, HEADER + "@missing true\n@data\n1,?:3,4:a\n")
    assert "line 8" in message and "not supported yet" in message


def test_ts_channels_of_one_case_with_different_lengths(tmp_path):
    message = ts_error(tmp_path, HEADER + "@data\n1,2,3:4,5:a\n")
    assert "line 7" in message and "channel 1: 3, channel 2: 2" in message


def test_ts_series_length_disagrees_with_header(tmp_path):
    text = "@classLabel true a\n@equalLength true\n@seriesLength 3\n@data\n1,2,3:a\n1,2:a\n"
    message = ts_error(tmp_path, text)
    assert "line 6 has 2 values per channel" in message and "length 3" in message


def test_ts_empty_file(tmp_path):
    assert "is empty" in ts_error(tmp_path, "\n  \n")


def test_ts_not_utf8_names_the_encoding_option(tmp_path):
    message = ts_error(tmp_path, b"@classLabel true a b\n@data\n1,2:\xe9\n")
    assert "not valid utf-8" in message and "line 3" in message and "--encoding" in message
    latin = read_ts(write(tmp_path, "@classLabel true \xe9 b\n@data\n1,2:\xe9\n".encode("latin-1"),
                          "latin.ts"), encoding="latin-1")
    assert latin.labels.tolist() == ["\xe9"]


# ---------------------------------------------------------------- bad flat CSV files

def csv_error(tmp_path: Path, text: str, steps: int, **options) -> str:
    with pytest.raises(DataError) as caught:
        read_flat_csv(write(tmp_path, text, "bad.csv"), steps=steps, **options)
    message = str(caught.value)
    assert "bad.csv" in message
    return message


def test_csv_values_not_divisible_by_steps(tmp_path):
    message = csv_error(tmp_path, "1,2,3,4,5,6,a\n", steps=4)
    assert "6 values per row" in message and "6 is not a multiple of 4" in message
    assert "divisors are 2, 3" in message


def test_csv_ragged_rows(tmp_path):
    message = csv_error(tmp_path, "1,2,3,4,a\n1,2,3,4,b\n\n1,2,3,b\n", steps=2)
    assert "line 4 has 4 fields, but line 1 has 5" in message


def test_csv_non_numeric_value(tmp_path):
    message = csv_error(tmp_path, "1,2,3,4,a\n1,2,oops,4,b\n", steps=2)
    assert "line 2, column 3 is 'oops'" in message


def test_csv_unknown_label_name(tmp_path):
    message = csv_error(tmp_path, "x1,x2,y\n1,2,a\n", steps=2, label_column="target")
    assert "'target' is not in the header" in message and "x1, x2, y" in message


# ---------------------------------------------------------------- from_arrays

def test_from_arrays_two_dimensional_and_lengths():
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    data = from_arrays(x, [0, 1, 1], lengths=[4, 2, 1])
    assert data.values.shape == (3, 4, 1) and data.values.dtype == np.float32
    assert data.labels.tolist() == ["0", "1", "1"] and data.classes == ["0", "1"]
    np.testing.assert_array_equal(data.values[1, :, 0], [4, 5, 0, 0])  # zeroed past length
    assert x[1, 3] == 7  # the caller's array is untouched


def test_from_arrays_checks():
    x = np.zeros((2, 3, 2))
    with pytest.raises(DataError, match="one label per case"):
        from_arrays(x, ["a"])
    with pytest.raises(DataError, match="between 1 and 3"):
        from_arrays(x, ["a", "b"], lengths=[3, 4])
    with pytest.raises(DataError, match=r"shape \(2,\)"):
        from_arrays(np.zeros(2), ["a", "b"])
    x[1, 0, 1] = np.nan
    with pytest.raises(DataError, match="case 1, step 0"):
        from_arrays(x, ["a", "b"])
    x[1, 0, 1], x[1, 2, 1] = 0.0, np.nan  # NaN past the length is padding: dropped
    assert from_arrays(x, ["a", "b"], lengths=[3, 2]).values[1, 2, 1] == 0
