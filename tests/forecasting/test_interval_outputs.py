"""The intervals drawn: plot.png shades the model's bands on the test span and the forecast's,
one band per level, the wider one lighter, each lying where the bounds say."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from forecaster import Forecaster, TrainConfig, load_series
from forecaster.forecasting.plots import band_levels, forecast_figure

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


@pytest.fixture(scope="module")
def drawn():
    series = load_series(DATASETS / "airpassengers.csv")
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, horizon=3,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    model.fit(series)
    predictions = model.evaluate(series, start=0.75).predictions
    forecast = model.forecast(series)
    fig = forecast_figure(series.frame["y"], predictions,
                          {"test": pd.Timestamp(predictions["date"].min())}, forecast,
                          "airpassengers.csv", model.label)
    yield fig, predictions, forecast
    plt.close(fig)


def bands(ax) -> list[PolyCollection]:
    return [item for item in ax.collections if isinstance(item, PolyCollection)]


def test_band_levels_are_widest_first():
    frame = pd.DataFrame(columns=["date", "lower_80", "upper_80", "lower_95", "upper_95",
                                  "lower_50"])
    assert band_levels(frame) == ["95", "80"]  # lower_50 without upper_50 is no band


def test_the_test_span_and_the_forecast_get_a_band_per_level(drawn):
    fig, predictions, forecast = drawn
    ax = fig.axes[0]
    shaded = bands(ax)
    assert len(shaded) == 4  # two levels, test span and forecast
    labels = [band.get_label() for band in shaded]
    assert labels[:2] == ["95 % interval", "80 % interval"]
    wide, narrow = shaded[0], shaded[1]
    assert wide.get_alpha() < narrow.get_alpha()  # the wider level is lighter
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert "forecast (shaded: 80 and 95 % intervals)" in legend
    first = predictions[predictions["step"] == 1]
    top = wide.get_paths()[0].vertices[:, 1]
    assert np.nanmax(top) == pytest.approx(first["upper_95"].max())
    forecast_top = shaded[2].get_paths()[0].vertices[:, 1]
    assert np.nanmax(forecast_top) == pytest.approx(forecast["upper_95"].max())
