"""The pictures say what they show: a zoomed panel where the test span is too long to read, which
step ahead a multi-step model's lines are, no test data drawn as "history", and a classifier's
loss named cross-entropy beside its validation accuracy."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from forecaster import Forecaster, TrainConfig, load_series
from forecaster.forecasting.plots import ZOOM_POINTS, forecast_figure, loss_figure

DATASETS = Path(__file__).resolve().parents[2] / "datasets"


def fitted_figure(file: str, target: str, horizon: int, lookback: int):
    series = load_series(DATASETS / file, target=target)
    model = Forecaster(cell="gru", hidden_size=4, num_layers=1, lookback=lookback,
                       horizon=horizon,
                       training=TrainConfig(epochs=1, progress="off", device="cpu"))
    model.fit(series)
    predictions = model.evaluate(series, start=0.8).predictions
    test_start = pd.Timestamp(predictions["date"].min())
    fig = forecast_figure(series.frame[target], predictions, {"test": test_start},
                          model.forecast(series), file, model.label)
    return fig, series.frame[target], test_start


def line(ax, label: str):
    return next(item for item in ax.get_lines() if item.get_label() == label)


@pytest.fixture(scope="module")
def goog():
    fig, history, test_start = fitted_figure("GOOG.csv", "Close", 1, 20)
    yield fig, history, test_start
    plt.close(fig)


def test_a_long_test_span_gets_a_zoomed_panel_of_its_last_points(goog):
    fig, history, _ = goog
    whole, zoom = fig.axes
    assert "one-step-ahead predictions" in whole.get_title()
    assert f"the last {ZOOM_POINTS} points of the test span" in zoom.get_title()
    shown = line(zoom, "test actual").get_xdata()
    assert len(shown) == ZOOM_POINTS
    assert pd.Timestamp(shown[-1]) == history.index[-1]


def test_history_stops_where_the_test_span_starts(goog):
    fig, history, test_start = goog
    whole = fig.axes[0]
    assert pd.Timestamp(line(whole, "history").get_xdata()[-1]) < test_start
    actual = line(whole, "test actual").get_xdata()
    assert pd.Timestamp(actual[0]) == test_start
    assert pd.Timestamp(actual[-1]) == history.index[-1]


def test_a_multi_step_model_says_which_step_it_draws():
    fig, history, test_start = fitted_figure("airpassengers.csv", "y", 12, 24)
    try:
        assert len(fig.axes) == 1  # a short test span needs no zoom
        ax = fig.axes[0]
        assert "1 step ahead" in ax.get_title() and "forecasts 12 steps" in ax.get_title()
        labels = [item.get_label() for item in ax.get_lines()]
        assert "GRU (1x4) + Theta, 1 step ahead (of 12)" in labels
        assert "last value (naive), 1 step ahead (of 12)" in labels
        # the last test year is drawn as test actuals, not as grey history
        assert pd.Timestamp(line(ax, "history").get_xdata()[-1]) < test_start
        assert pd.Timestamp(line(ax, "test actual").get_xdata()[-1]) == history.index[-1]
    finally:
        plt.close(fig)


def test_the_classifier_loss_plot_names_cross_entropy_and_shows_accuracy():
    fig = loss_figure([0.7, 0.6, 0.5], [0.69, 0.65, 0.66], 2, loss_name="cross-entropy loss",
                      val_accuracy=[0.5, 0.6, 0.55])
    try:
        loss, accuracy = fig.axes
        assert loss.get_ylabel() == "cross-entropy loss"
        assert accuracy.get_ylabel() == "validation accuracy"
        assert list(line(accuracy, "validation accuracy").get_ydata()) == [0.5, 0.6, 0.55]
    finally:
        plt.close(fig)


def test_the_forecaster_loss_plot_has_no_accuracy_axis():
    fig = loss_figure([0.1, 0.05], [0.2, 0.1], 2)
    try:
        assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "MSE (scaled units)"
    finally:
        plt.close(fig)
