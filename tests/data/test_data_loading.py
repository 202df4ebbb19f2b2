"""load_series / read_csv on the real shipped files and on bad copies of them.

Every user-fixable problem must be a DataError whose message names the file and the column or
the file line (header = line 1) and says what to do. Bad files are built in tmp_path from the
real GOOG.csv rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data import load_series, season_length
from forecaster.errors import DataError

DATASETS = Path(__file__).resolve().parents[2] / "datasets"
GOOG = DATASETS / "GOOG.csv"
CO2 = DATASETS / "co2_weekly.csv"
GOOG_LINES = GOOG.read_text(encoding="utf-8").splitlines()  # [0] is the header (file line 1)
CLOSE = GOOG_LINES[0].split(",").index("Close")


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def goog_with(path: Path, changes: dict[int, str], column: int = CLOSE,
              rows: int | None = None) -> Path:
    """A copy of GOOG.csv (its first `rows` data rows) with field `column` replaced on the
    given 1-based file lines."""
    lines = list(GOOG_LINES if rows is None else GOOG_LINES[: rows + 1])
    for line, value in changes.items():
        fields = lines[line - 1].split(",")
        fields[column] = value
        lines[line - 1] = ",".join(fields)
    return write_lines(path, lines)


def load_error(path: Path, **kwargs) -> str:
    kwargs.setdefault("target", "Close")
    with pytest.raises(DataError) as info:
        load_series(path, **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- real files


def test_goog_loads_as_business_day_close_series():
    series = load_series(GOOG, target="Close")
    assert len(series.frame) == 1258
    assert series.frequency == "B"
    assert series.target == "Close"
    assert series.features == []
    assert series.columns == ["Close"]
    assert series.notes == []
    index = series.frame.index
    assert index.is_monotonic_increasing and index.is_unique
    assert index[0] == pd.Timestamp("2014-01-02")
    assert index[-1] == pd.Timestamp("2018-12-31")
    assert series.values.shape == (1258, 1)
    assert series.values.dtype == np.float64
    # the checksum of the file as listed in datasets/README.md
    assert series.file_sha256 == (
        "895d4921360495817d9cbf5a73260b0870eb89e3ca22715c691115c667f4840b")
    assert series.values[0, 0] == pytest.approx(552.963501)


def test_goog_features_follow_the_target():
    series = load_series(GOOG, target="Close", features=["Open", "Volume"])
    assert series.columns == ["Close", "Open", "Volume"]
    assert series.values.shape == (1258, 3)
    assert series.values[0].tolist() == pytest.approx([552.963501, 554.125916, 3666400.0])


def test_co2_without_fill_names_the_59_missing_values_and_the_fill_option():
    message = load_error(CO2, target="co2")
    assert "co2_weekly.csv" in message
    assert "59 missing value(s)" in message
    assert "co2" in message
    # the first empty fields are on file lines 8, 11, 12, 13, 14 (header = line 1)
    assert "lines 8, 11, 12, 13, 14 and 54 more" in message
    assert "--fill" in message
    for method in ("ffill", "interpolate", "drop"):
        assert f"--fill {method}" in message


@pytest.mark.parametrize(("fill", "rows"), [("interpolate", 2284), ("ffill", 2284),
                                            ("drop", 2284 - 59)])
def test_co2_loads_with_fill(fill, rows):
    series = load_series(CO2, target="co2", fill=fill)
    assert len(series.frame) == rows
    assert not series.frame.isna().any().any()
    # dates written as YYYYMMDD integers
    assert series.frame.index[0] == pd.Timestamp("1958-03-29")
    assert series.frame.index[-1] == pd.Timestamp("2001-12-29")
    assert (series.frame.index.day_of_week == 5).all()  # every Saturday
    assert f"59 missing value(s) handled with --fill {fill}" in series.notes


def test_co2_fill_values_around_the_first_gap():
    # line 8 (1958-05-10) is empty; lines 7 and 9 hold 316.9 and 317.5
    gap = pd.Timestamp("1958-05-10")
    interpolated = load_series(CO2, target="co2", fill="interpolate").frame["co2"]
    assert interpolated[gap] == pytest.approx((316.9 + 317.5) / 2)
    carried = load_series(CO2, target="co2", fill="ffill").frame["co2"]
    assert carried[gap] == pytest.approx(316.9)
    dropped = load_series(CO2, target="co2", fill="drop").frame
    assert gap not in dropped.index


def test_co2_weekly_frequency():
    series = load_series(CO2, target="co2", fill="interpolate")
    assert series.frequency == "W-SAT"
    assert season_length(series.frequency) == 52


def test_co2_dropped_rows_keep_a_weekly_season():
    series = load_series(CO2, target="co2", fill="drop")
    assert season_length(series.frequency) == 52


def test_airpassengers_is_monthly_and_target_is_inferred():
    series = load_series(DATASETS / "airpassengers.csv")  # one numeric column: no --target
    assert series.target == "y"
    assert len(series.frame) == 144
    assert series.frequency == "MS"
    assert season_length(series.frequency) == 12
    assert series.frame.index[0] == pd.Timestamp("1949-01-01")


def test_vic_elec_is_half_hourly():
    series = load_series(DATASETS / "vic_elec.csv", target="Demand", features=["Temperature"])
    assert len(series.frame) == 52608
    assert series.frequency == "30min"
    assert season_length(series.frequency) == 48
    assert series.frame.index.name == "Time"  # found by name, not the local 'Date'
    assert series.frame.index[0] == pd.Timestamp("2011-12-31T13:00:00Z")
    assert series.columns == ["Demand", "Temperature"]


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    message = load_error(path)
    assert str(path) in message
    assert "does not exist" in message
    assert "Check the path" in message


def test_directory_instead_of_file(tmp_path):
    message = load_error(tmp_path)
    assert str(tmp_path) in message
    assert "is a directory" in message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    message = load_error(path)
    assert str(path) in message
    assert "is empty" in message
    assert "header line" in message


def test_whitespace_only_file(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("  \n\n\t \r\n", encoding="utf-8")
    message = load_error(path)
    assert str(path) in message
    assert "is empty" in message


def test_header_only_file(tmp_path):
    path = write_lines(tmp_path / "header.csv", GOOG_LINES[:1])
    message = load_error(path)
    assert str(path) in message
    assert "0 data row(s)" in message


def test_single_column_text_is_not_a_csv_series(tmp_path):
    path = write_lines(tmp_path / "notes.csv", ["Meeting notes", "buy GOOG", "sell later"])
    message = load_error(path)
    assert str(path) in message
    assert "does not look like a CSV series" in message
    assert "1 column(s)" in message
    assert "separated by commas" in message


def test_semicolon_separated_file(tmp_path):
    path = write_lines(tmp_path / "semicolons.csv",
                       [line.replace(",", ";") for line in GOOG_LINES[:40]])
    message = load_error(path)
    assert str(path) in message
    assert "1 column(s)" in message
    assert "separated by commas" in message


def test_binary_png_bytes(tmp_path):
    path = tmp_path / "chart.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10"
                     b"\x08\x06\x00\x00\x00\x1f\xf3\xffa\x00\x00\x00\x01sRGB\x00\xae\xce")
    message = load_error(path)
    assert str(path) in message
    assert "not valid utf-8 text" in message
    # decoding it as latin-1 does not make it a CSV either
    message = load_error(path, encoding="latin-1")
    assert str(path) in message
    assert "does not look like a CSV series" in message


def test_ragged_row_names_the_line(tmp_path):
    lines = list(GOOG_LINES[:30])
    lines[5] += ",1,2,3"  # file line 6 has 11 fields instead of 8
    path = write_lines(tmp_path / "ragged.csv", lines)
    message = load_error(path)
    assert str(path) in message
    assert "could not be read as CSV" in message
    assert "line 6" in message


def test_unknown_target_lists_the_columns(tmp_path):
    message = load_error(GOOG, target="Price")
    assert "The target column 'Price' is not in" in message
    assert str(GOOG) in message
    assert "Symbol, Open, High, Low, Close, Adj_Close, Volume" in message
    assert "dates in 'Date'" in message


def test_unknown_feature_lists_the_columns():
    message = load_error(GOOG, target="Close", features=["Volumes"])
    assert "The feature column 'Volumes' is not in" in message
    assert str(GOOG) in message
    assert "Volume" in message


def test_unknown_date_column():
    message = load_error(GOOG, date_column="When")
    assert "Date column 'When' is not in" in message
    assert str(GOOG) in message
    assert "--date-column" in message


def test_target_needed_when_several_numeric_columns():
    with pytest.raises(DataError) as info:
        load_series(GOOG)
    message = str(info.value)
    assert "--target" in message
    assert str(GOOG) in message
    assert "Open, High, Low, Close" in message


def test_target_is_also_a_feature():
    message = load_error(GOOG, target="Close", features=["Close"])
    assert "'Close' is the target" in message


def test_non_numeric_values_quote_the_first_lines(tmp_path):
    path = goog_with(tmp_path / "typos.csv", {5: "abc", 9: "12O.5"})
    message = load_error(path)
    assert str(path) in message
    assert "Column 'Close'" in message
    assert "2 non-numeric value(s)" in message
    assert "line 5: 'abc'" in message
    assert "line 9: '12O.5'" in message
    assert "Fix or remove those rows" in message


def test_many_non_numeric_values_show_only_the_first_five(tmp_path):
    path = goog_with(tmp_path / "many.csv", {line: "x" for line in range(10, 20)})
    message = load_error(path)
    assert "10 non-numeric value(s)" in message
    assert "line 10: 'x'" in message and "line 14: 'x'" in message
    assert "line 15" not in message


def test_n_a_text_counts_as_a_missing_value_on_its_line(tmp_path):
    # pandas reads 'n/a' as NA, so it is reported as missing (with --fill), not non-numeric
    path = goog_with(tmp_path / "na.csv", {5: "n/a"})
    message = load_error(path)
    assert str(path) in message
    assert "1 missing value(s) in column(s) Close (lines 5)" in message
    assert "--fill" in message


@pytest.mark.parametrize("bad_date", ["not-a-date", "2014-02-30", "yesterday"])
def test_unparsable_dates_name_the_line(tmp_path, bad_date):
    path = goog_with(tmp_path / "dates.csv", {5: bad_date}, column=1)
    message = load_error(path)
    assert str(path) in message
    assert "Column 'Date'" in message
    assert "1 date(s) that cannot be parsed" in message
    assert f"line 5: '{bad_date}'" in message
    assert "ISO dates" in message


def test_duplicate_dates_in_long_format_file_suggest_one_series():
    path = DATASETS / "gafa_stock.csv"
    message = load_error(path)
    assert str(path) in message
    assert "Column 'Date'" in message
    assert "5032 rows with repeated dates" in message
    assert "lines 2, 3, 4, 5, 6 and 5027 more" in message
    assert "first repeated date 2014-01-02" in message
    assert "keep one of them" in message
    assert "Symbol" in message


def test_one_duplicated_row_names_both_lines(tmp_path):
    path = write_lines(tmp_path / "dup.csv", GOOG_LINES[:101] + [GOOG_LINES[9]])
    message = load_error(path)
    assert str(path) in message
    assert "2 rows with repeated dates (lines 10, 102;" in message
    assert "first repeated date 2014-01-14" in message


def test_missing_values_give_count_lines_and_fill(tmp_path):
    path = goog_with(tmp_path / "holes.csv", {5: "", 20: ""})
    message = load_error(path)
    assert str(path) in message
    assert "2 missing value(s) in column(s) Close (lines 5, 20)" in message
    assert "--fill ffill" in message and "--fill interpolate" in message
    assert "--fill drop" in message
    assert len(load_series(path, target="Close", fill="drop").frame) == 1256


def test_missing_values_in_an_unsorted_file_name_the_original_lines(tmp_path):
    lines = [GOOG_LINES[0], *reversed(GOOG_LINES[1:])]
    fields = lines[4].split(",")
    fields[CLOSE] = ""
    lines[4] = ",".join(fields)
    path = write_lines(tmp_path / "reversed_holes.csv", lines)
    message = load_error(path)
    assert "(lines 5)" in message


def test_missing_feature_value_names_the_feature(tmp_path):
    path = goog_with(tmp_path / "feature_hole.csv", {7: ""}, column=2)  # Open
    assert load_series(path, target="Close").columns == ["Close"]  # unused column: fine
    message = load_error(path, features=["Open"])
    assert "1 missing value(s) in column(s) Open (lines 7)" in message


def test_constant_target(tmp_path):
    path = goog_with(tmp_path / "flat.csv", {line: "100.0" for line in range(2, 60)}, rows=58)
    message = load_error(path)
    assert str(path) in message
    assert "The target 'Close'" in message
    assert "is constant (100.0)" in message
    assert "nothing to forecast" in message


def test_too_few_rows(tmp_path):
    path = write_lines(tmp_path / "one_row.csv", GOOG_LINES[:2])
    message = load_error(path)
    assert str(path) in message
    assert "1 usable row(s)" in message


def _latin1_goog(path: Path, line: int | None = None, rows: int = 60) -> Path:
    """GOOG rows in latin-1 with 'Société' as Symbol (on every row, or only on `line`)."""
    lines = list(GOOG_LINES[: rows + 1])
    for number in range(2, rows + 2) if line is None else [line]:
        lines[number - 1] = lines[number - 1].replace("GOOG", "Société", 1)
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    return path


def test_latin1_file_names_the_encoding_option_and_then_loads(tmp_path):
    path = _latin1_goog(tmp_path / "latin1.csv")
    message = load_error(path)
    assert str(path) in message
    assert "not valid utf-8 text" in message
    assert "--encoding" in message
    assert "latin-1" in message
    series = load_series(path, target="Close", encoding="latin-1")
    assert len(series.frame) == 60
    assert series.frequency == "B"


def test_latin1_error_names_the_offending_line(tmp_path):
    path = _latin1_goog(tmp_path / "latin1_line40.csv", line=40)
    message = load_error(path)
    assert "line 40" in message


def test_unsorted_rows_are_sorted_with_a_note(tmp_path):
    path = write_lines(tmp_path / "reversed.csv", [GOOG_LINES[0], *reversed(GOOG_LINES[1:])])
    series = load_series(path, target="Close")
    reference = load_series(GOOG, target="Close")
    assert "rows were not in date order; sorted them" in series.notes
    assert series.frame.index.is_monotonic_increasing
    assert series.frame.index.equals(reference.frame.index)
    np.testing.assert_array_equal(series.values, reference.values)
    assert series.frequency == "B"


def test_two_swapped_rows_are_sorted(tmp_path):
    lines = list(GOOG_LINES[:51])
    lines[10], lines[11] = lines[11], lines[10]
    series = load_series(write_lines(tmp_path / "swapped.csv", lines), target="Close")
    assert series.notes == ["rows were not in date order; sorted them"]
    assert series.frame.index.is_monotonic_increasing


def test_line_numbers_count_blank_lines(tmp_path):
    lines = list(GOOG_LINES[:60])
    fields = lines[7].split(",")
    fields[CLOSE] = "abc"
    lines[7] = ",".join(fields)
    lines.insert(3, "")  # 'abc' is now on file line 9
    message = load_error(write_lines(tmp_path / "blank_line.csv", lines))
    assert "line 9: 'abc'" in message
