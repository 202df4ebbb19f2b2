"""Text-classification data: the shipped rotten_tomatoes.csv, repeats, and every bad input.

The bad files are slices of the real file with one thing broken, so line numbers are checked
against a file that really has CRLF records and quoted line breaks.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from forecaster.classification.text_data import TextSet, drop_repeated_texts, read_text_csv
from forecaster.errors import DataError

REVIEWS = Path(__file__).resolve().parents[2] / "datasets" / "rotten_tomatoes.csv"
# Records end in CRLF; the 141 line breaks inside quoted texts are bare LF, so splitting the raw
# bytes on CRLF gives the header and then exactly one record per part.
PARTS = REVIEWS.read_bytes().split(b"\r\n")
MULTILINE = 55  # PARTS[55] (record 54) is the first text with a line break: file lines 56-57


def first_line(part: int) -> int:
    """The file line (1-based) where PARTS[part] starts."""
    return 1 + sum(piece.count(b"\n") + 1 for piece in PARTS[:part])


def record(part: int) -> list[str]:
    return next(csv.reader([PARTS[part].decode("utf-8")]))


def write(tmp_path: Path, parts: list[bytes], name: str = "reviews.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\r\n".join(parts) + b"\r\n")
    return path


def sliced(count: int = 61, **replace: bytes) -> list[bytes]:
    """The header and the first `count - 1` records, with PARTS[int(key[1:])] replaced."""
    parts = list(PARTS[:count])
    for key, value in replace.items():
        parts[int(key[1:])] = value
    return parts


# ---------------------------------------------------------------- the shipped file

def test_shipped_reviews_load_whole():
    data = read_text_csv(REVIEWS)
    assert len(data) == 12808 and data.source == str(REVIEWS)
    assert Counter(data.labels.tolist()) == {"positive": 7403, "negative": 5405}
    assert data.classes == ["negative", "positive"]
    assert data.texts[0] == "A three-hour cinema master class."
    assert sum("\n" in text for text in data.texts) == 141  # quoted line breaks kept
    assert data.texts[MULTILINE - 1] == ("As its utterly generic title well suggests, leaves "
                                         "absolutely no\ncliche unexploited.")


def test_line_numbers_count_the_quoted_line_breaks():
    assert first_line(MULTILINE) == 56 and first_line(MULTILINE + 1) == 58


def test_repeated_texts_are_dropped_keeping_the_first():
    data = read_text_csv(REVIEWS)
    unique, dropped = drop_repeated_texts(data)
    assert (len(unique), dropped) == (12752, 56)
    assert len(set(unique.texts)) == len(unique)
    assert unique.texts[:3] == data.texts[:3]  # order kept
    again, none = drop_repeated_texts(unique)
    assert none == 0 and again.texts == unique.texts


def test_copies_that_disagree_on_the_label_are_all_dropped():
    data = read_text_csv(REVIEWS).take(np.arange(40), "first 40")
    labels = np.concatenate([data.labels, ["negative", data.labels[1]]])
    texts = data.texts + [data.texts[0], data.texts[1]]  # one disagreeing, one agreeing copy
    assert labels[0] == "positive"
    unique, dropped = drop_repeated_texts(TextSet(texts, labels, "with copies"))
    assert dropped == 3  # both copies of text 0, the second copy of text 1
    assert data.texts[0] not in unique.texts and unique.texts.count(data.texts[1]) == 1
    assert len(unique) == 39


def test_take_keeps_texts_and_labels_together():
    data = read_text_csv(REVIEWS)
    part = data.take(np.array([5, 0]), "two")
    assert part.texts == [data.texts[5], data.texts[0]]
    assert part.labels.tolist() == [data.labels[5], data.labels[0]]
    assert part.source == "two" and len(part) == 2
    negative = data.take(data.labels == "negative", "negative")
    assert len(negative) == 5405 and set(negative.labels) == {"negative"}


def test_gzipped_file_and_other_column_names(tmp_path):
    header = b"review,sentiment,movie"
    path = tmp_path / "reviews.csv.gz"
    path.write_bytes(gzip.compress(b"\r\n".join([header, *PARTS[1:21]]) + b"\r\n"))
    data = read_text_csv(path, text_column="review", label_column="sentiment")
    assert len(data) == 20 and data.texts[0] == "A three-hour cinema master class."


def test_unlabelled_data_for_prediction(tmp_path):
    rows = [b"text", *(f'"{record(part)[0]}"'.encode() for part in range(1, 11))]
    data = read_text_csv(write(tmp_path, rows), require_labels=False)
    assert data.labels is None and len(data) == 10 and data.classes == []


# ---------------------------------------------------------------- every bad input

def test_missing_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_text_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"header line \(line 1\) but no rows"):
        read_text_csv(write(tmp_path, PARTS[:1]))
    with pytest.raises(DataError, match="has no header line, only blank lines"):
        read_text_csv(write(tmp_path, [b'""', b"", b'" "'], name="blank.csv"))


def test_unknown_text_column_lists_the_columns_and_the_option(tmp_path):
    path = write(tmp_path, sliced(11))
    with pytest.raises(DataError) as info:
        read_text_csv(path, text_column="review")
    message = str(info.value)
    assert f"'{path}'" in message and "(line 1)" in message
    assert "Text column 'review' is not in the header" in message
    assert "text, label, movie" in message and "--text-column" in message


def test_unknown_label_column_names_its_option_unless_labels_are_optional(tmp_path):
    path = write(tmp_path, sliced(11))
    with pytest.raises(DataError) as info:
        read_text_csv(path, label_column="sentiment")
    message = str(info.value)
    assert "Label column 'sentiment'" in message and "--label-column" in message
    assert f"'{path}'" in message and "text, label, movie" in message
    assert read_text_csv(path, label_column="sentiment", require_labels=False).labels is None


def test_blank_texts_give_their_lines_and_count(tmp_path):
    text, label, movie = record(MULTILINE + 1)
    blank = f'"   ",{label},{movie}'.encode()
    empty = f",{record(3)[1]},{record(3)[2]}".encode()
    path = write(tmp_path, sliced(p3=empty, **{f"p{MULTILINE + 1}": blank}))
    with pytest.raises(DataError) as info:
        read_text_csv(path)
    message = str(info.value)
    assert f"'{path}' has 2 blank text(s) in column 'text'" in message
    assert "line(s) 4, 58." in message  # 58, not 57: record 54 spans two lines
    assert "Remove those rows or fill in their text" in message


def test_many_blank_texts_quote_the_first_five(tmp_path):
    blanks = {f"p{part}": f",{record(part)[1]},x".encode() for part in range(2, 10)}
    with pytest.raises(DataError, match=r"has 8 blank text\(s\).*line\(s\) 3, 4, 5, 6, 7, \.\.\."):
        read_text_csv(write(tmp_path, sliced(**blanks)))


def test_ragged_row_gives_its_line_and_the_fix(tmp_path):
    text, label, movie = record(MULTILINE + 2)
    ragged = f"{text},{label},{movie}".encode()  # the text holds commas and lost its quotes
    assert "," in text
    path = write(tmp_path, sliced(**{f"p{MULTILINE + 2}": ragged}))
    with pytest.raises(DataError) as info:
        read_text_csv(path)
    message = str(info.value)
    assert f"'{path}' line 59 has" in message and "but the header (line 1) has 3" in message
    assert "must be enclosed in double quotes" in message


def test_short_row_gives_its_line(tmp_path):
    path = write(tmp_path, sliced(p5=record(5)[0].replace(",", "").encode()))
    with pytest.raises(DataError, match=r"line 6 has 1 fields, but the header \(line 1\) has 3"):
        read_text_csv(path)


def test_non_utf8_bytes_name_the_line_and_the_encoding_option(tmp_path):
    text, label, movie = record(8)
    latin = f'"{text} Café",{label},{movie}'.encode("latin-1")
    path = write(tmp_path, sliced(p8=latin))
    with pytest.raises(DataError) as info:
        read_text_csv(path)
    message = str(info.value)
    assert f"'{path}' is not valid utf-8 text: line 9" in message
    assert "--encoding latin-1" in message
    assert read_text_csv(path, encoding="latin-1").texts[7].endswith(" Café")


def test_missing_labels_give_their_lines(tmp_path):
    text, _, movie = record(MULTILINE + 1)
    path = write(tmp_path, sliced(**{f"p{MULTILINE + 1}": f'"{text}",,{movie}'.encode()}))
    with pytest.raises(DataError) as info:
        read_text_csv(path)
    message = str(info.value)
    assert f"'{path}' has 1 row(s) without a label in column 'label'" in message
    assert "line(s) 58." in message and "Label them or remove those rows" in message
    assert read_text_csv(path, require_labels=False).labels is None


def test_unclosed_quote_is_reported_where_it_opens(tmp_path):
    text, label, movie = record(5)
    path = write(tmp_path, sliced(6, p5=f'"{text},{label},{movie}'.encode()))  # last record
    with pytest.raises(DataError, match=r"line 6 has 1 fields.*double quote opened there is "
                                        r"never closed"):
        read_text_csv(path)


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(PARTS[:6]) + b"\r\n")
    assert len(read_text_csv(path)) == 5


def test_blank_lines_between_records_are_skipped(tmp_path):
    path = write(tmp_path, [*PARTS[:3], b"", *PARTS[3:6]])
    data = read_text_csv(path)
    assert len(data) == 5 and data.texts[2] == record(3)[0]
