"""Static features of a global model's series: read from each series' rows or from a static file,
encoded across the series (numbers MinMax, text one-hot, the id column one-hot: a per-series
embedding), carried by KnownInputs as constant columns and saved with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecaster.data.known_inputs import KnownInputs, fit_known
from forecaster.data.static_inputs import (
    StaticEncoding,
    fit_static,
    static_from_file,
    static_from_rows,
)
from forecaster.errors import DataError
from forecaster.forecasting.model_schema import KnownInputsSchema

ROOT = Path(__file__).resolve().parents[2]
TOURISM = ROOT / "datasets" / "tourism.csv"
EPF_STATIC = ROOT / "datasets" / "epf_fr_be_static.csv"


@pytest.fixture(scope="module")
def tourism() -> pd.DataFrame:
    return pd.read_csv(TOURISM)


def series_rows(tourism: pd.DataFrame, region: str, purpose: str) -> pd.DataFrame:
    return tourism[(tourism["Region"] == region) & (tourism["Purpose"] == purpose)]


def test_text_columns_are_one_hot_over_the_categories_seen(tourism):
    keys = [("Sydney", "Business"), ("Melbourne", "Holiday"), ("Melbourne", "Business")]
    raw = [static_from_rows(series_rows(tourism, *key), ["State", "Purpose"], "tourism.csv",
                            " | ".join(key)) for key in keys]
    assert raw[0] == {"State": "New South Wales", "Purpose": "Business"}
    encoding = fit_static(raw, ["State", "Purpose"])
    assert encoding.names() == ["State=New South Wales", "State=Victoria", "Purpose=Business",
                                "Purpose=Holiday"]
    assert encoding.row(raw[1]).values == (0.0, 1.0, 0.0, 1.0)
    assert encoding.notes() == []
    assert StaticEncoding.from_dict(encoding.to_dict()) == encoding


def test_numbers_are_scaled_across_series_and_a_column_equal_everywhere_is_noted():
    frame = pd.read_csv(EPF_STATIC)
    raw = [static_from_file(frame, ["market_0", "market_1"], "epf_fr_be_static.csv",
                            "unique_id", market) for market in ("FR", "BE")]
    assert raw == [{"market_0": 1, "market_1": 0}, {"market_0": 0, "market_1": 1}]
    raw.append({"market_0": 0.5, "market_1": 2})
    encoding = fit_static(raw, ["market_0", "market_1"])
    assert encoding.names() == ["market_0", "market_1"]
    assert encoding.row(raw[2]).values == (0.5, 1.0)
    same = fit_static([{"size": 3}, {"size": 3}], ["size"])
    assert same.row({"size": 3}).values == (0.0,)
    assert same.notes() == ["static feature size is 3 in every series: it is encoded as 0 and "
                            "tells the series nothing"]


def test_the_id_column_is_one_hot_a_learned_per_series_embedding():
    ids = ["FR", "BE", "NL"]
    encoding = fit_static([{"unique_id": i} for i in ids], ["unique_id"])
    assert encoding.names() == ["unique_id=BE", "unique_id=FR", "unique_id=NL"]
    rows = np.array([encoding.row({"unique_id": i}).values for i in ids])
    assert (rows.sum(axis=1) == 1).all() and len({tuple(r) for r in rows}) == 3


def test_a_column_that_varies_within_a_series_is_refused(tourism):
    rows = tourism[tourism["Region"] == "Sydney"]  # its four purposes
    with pytest.raises(DataError) as error:
        static_from_rows(rows, ["State", "Purpose"], "tourism.csv", "Sydney")
    assert str(error.value).startswith(
        "'tourism.csv': static feature Purpose varies within series Sydney (Business, Holiday, "
        "Other, Visiting); a static feature holds one value per series. Name a column that "
        "changes over time in data.features")


def test_an_empty_cell_a_missing_column_and_a_missing_series_are_refused(tourism):
    rows = series_rows(tourism, "Sydney", "Business").copy()
    rows.loc[rows.index[3], "State"] = np.nan
    with pytest.raises(DataError, match=r"series Sydney has an empty State \(line \d+\); a "
                                        r"static feature needs its one value on every row"):
        static_from_rows(rows, ["State"], "tourism.csv", "Sydney")
    with pytest.raises(DataError, match=r"'tourism.csv' has no column Country named in "
                                        r"data.static_features; its columns are Quarter, "):
        static_from_rows(rows, ["Country"], "tourism.csv", "Sydney")
    frame = pd.read_csv(EPF_STATIC)
    with pytest.raises(DataError) as error:
        static_from_file(frame, ["market_0"], "epf_fr_be_static.csv", "unique_id", "NL")
    assert str(error.value) == ("'epf_fr_be_static.csv' (data.static_path) has no row for "
                                "unique_id NL: add one with its market_0, or leave the series "
                                "out with data.series.")


def test_known_inputs_carry_the_static_values_as_constant_columns_and_save_them():
    encoding = fit_static([{"State": "A", "size": 1.0}, {"State": "B", "size": 3.0}],
                          ["State", "size"])
    known = fit_known(("load",), (), None, np.array([[10.0], [20.0]]),
                      encoding.row({"State": "B", "size": 2.0}))
    assert known.names() == ["load", "State=A", "State=B", "size"] and known.width == 4
    assert known.static_features == ("State", "size") and not known.empty
    matrix = known.matrix(np.array([[15.0], [20.0]]), pd.DatetimeIndex(["2020-01-01",
                                                                         "2020-01-02"]))
    assert matrix.tolist() == [[0.5, 0.0, 1.0, 0.5], [1.0, 0.0, 1.0, 0.5]]
    block = known.to_dict()
    KnownInputsSchema.model_validate(block)
    assert KnownInputs.from_dict(block) == known
    only_static = fit_known((), (), None, np.empty((3, 0)),
                            encoding.row({"State": "A", "size": 1.0}))
    assert only_static.matrix(np.empty((2, 0)), pd.DatetimeIndex(["2020-01-01", "2020-01-02"])
                              ).shape == (2, 3)


def test_a_known_inputs_block_saved_before_static_features_loads():
    old = {"future_features": ["load"], "calendar": [], "holidays": None, "low": [1.0],
           "high": [2.0], "names": ["load"]}
    KnownInputsSchema.model_validate(old)
    known = KnownInputs.from_dict(old)
    assert known.static_features == () and known.names() == ["load"]
