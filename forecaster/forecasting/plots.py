"""Pictures people would rather look at than read: forecast against actuals, and the loss curve."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

ZOOM_POINTS = 60  # the zoomed panel shows this many last points: on daily data, about 12 weeks


def plot_forecast(path: Path, history: pd.Series, predictions: pd.DataFrame, split_dates:
                  dict[str, pd.Timestamp], forecast: pd.DataFrame | None, title: str,
                  model_label: str, known: pd.Series | None = None) -> None:
    """Write `forecast_figure` to `path`."""
    fig = forecast_figure(history, predictions, split_dates, forecast, title, model_label,
                          known)
    fig.savefig(path)
    plt.close(fig)


def forecast_figure(history: pd.Series, predictions: pd.DataFrame,
                    split_dates: dict[str, pd.Timestamp], forecast: pd.DataFrame | None,
                    title: str, model_label: str, known: pd.Series | None = None) -> Figure:
    """History before the test span, the test span's actuals, the one-step-ahead model and
    naive predictions with the model's intervals shaded (the wider level lighter), split
    markers and the forecast with its intervals; below, when the test span is long, a
    zoomed panel of its last points, where the lines can be told apart. `known`: a column the
    model reads at the forecast steps (over the rows and the forecast dates it was given for),
    drawn in a small panel under the last one, over the same dates."""
    first = predictions[predictions["step"] == 1]
    horizon = int(predictions["step"].max()) if len(predictions) else 1
    test_start = split_dates.get("test", history.index[-1])
    past, tested = history[history.index < test_start], history[history.index >= test_start]
    zoom = len(tested) > 2 * ZOOM_POINTS
    ratios = ([3, 2] if zoom else [1]) + ([1] if known is not None else [])
    fig = plt.figure(figsize=(11, (8.2 if zoom else 5) + (1.8 if known is not None else 0)),
                     dpi=110)
    grid = fig.add_gridspec(len(ratios), 1, height_ratios=ratios, hspace=0.4)
    ax = fig.add_subplot(grid[0])
    ahead = "" if horizon == 1 else f", 1 step ahead (of {horizon})"
    ax.plot(past.index, past.to_numpy(), color="0.55", lw=1.0, label="history")
    _draw_test_span(ax, tested, first, forecast, model_label + ahead, ahead)
    for name, date in split_dates.items():
        ax.axvline(date, color="0.3", lw=0.8, ls=":")
        ax.annotate(name, (date, 1.0), xycoords=("data", "axes fraction"), ha="left",
                    va="top", fontsize=8, color="0.3", rotation=90)
    what = ("one-step-ahead predictions on the test span" if horizon == 1 else
            f"predictions 1 step ahead on the test span (the model forecasts {horizon} steps; "
            f"every step is scored in metrics.json)")
    ax.set_title(f"{title}\n{what}", fontsize=10)
    ax.set_ylabel(history.name)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    if zoom:
        low = tested.index[-ZOOM_POINTS]
        near = fig.add_subplot(grid[1])
        _draw_test_span(near, tested[tested.index >= low], first[first["date"] >= low],
                        forecast, model_label + ahead, ahead, markers=True)
        near.set_title(f"zoom: the last {ZOOM_POINTS} points of the test span"
                       + (" and the forecast" if forecast is not None and len(forecast) else ""),
                       fontsize=10)
        near.set_ylabel(history.name)
        near.grid(alpha=0.3)
        ax.axvspan(low, tested.index[-1], color="0.85", alpha=0.5, lw=0)
    if known is not None:
        _draw_known(fig.add_subplot(grid[-1], sharex=fig.axes[-1]), known, forecast,
                    tested.index[-ZOOM_POINTS] if zoom else history.index[0])
    for axis in fig.axes:
        for label in axis.get_xticklabels():
            label.set(rotation=20, ha="right")
    fig.subplots_adjust(left=0.07, right=0.98, top=0.91 if not zoom else 0.93,
                        bottom=0.14 if not zoom else 0.08)  # tight_layout is slow
    return fig


def _draw_known(ax: Axes, known: pd.Series, forecast: pd.DataFrame | None,
                start: pd.Timestamp) -> None:
    """The known-ahead column from `start` on, in its own units: the rows the model read as
    history in grey, its values at the forecast dates (when given) in red."""
    known = known[known.index >= start]
    ends = (pd.DatetimeIndex(forecast["date"]) if forecast is not None and len(forecast)
            else pd.DatetimeIndex([]))
    past = known[~known.index.isin(ends)]
    ahead = known[known.index.isin(ends)]
    ax.plot(past.index, past.to_numpy(), color="0.4", lw=1.0, label=f"{known.name} (rows)")
    if len(ahead):
        ax.plot(ahead.index, ahead.to_numpy(), color="tab:red", marker="o", ms=3, lw=1.2,
                label=f"{known.name} at the forecast dates")
    ax.set_title(f"known ahead: {known.name}, read by the network at each forecast step",
                 fontsize=9)
    ax.set_ylabel(str(known.name), fontsize=8)
    ax.legend(loc="upper left", fontsize=7)
    ax.grid(alpha=0.3)


def band_levels(frame: pd.DataFrame) -> list[str]:
    """The levels whose lower_L and upper_L columns `frame` has, widest first ("95", "80"),
    so the narrower band is drawn over the wider one."""
    levels = [column[len("lower_"):] for column in frame.columns if column.startswith("lower_")
              and f"upper_{column[len('lower_'):]}" in frame.columns]
    return sorted(levels, key=float, reverse=True)


def _draw_bands(ax: Axes, frame: pd.DataFrame, color: str, labelled: bool) -> None:
    """Shaded intervals of `frame` (its date and lower_L/upper_L columns), the widest level
    lightest and the narrower ones over it (darker where they overlap); `labelled`: each
    level named in the legend."""
    for k, level in enumerate(band_levels(frame)):
        if len(frame) == 1:  # one step ahead: a band of one date has no width, draw a bar
            ax.vlines(pd.DatetimeIndex(frame["date"]), frame[f"lower_{level}"].to_numpy(),
                      frame[f"upper_{level}"].to_numpy(), color=color,
                      alpha=0.3 if k == 0 else 0.6, lw=3 + 3 * k,
                      label=f"{level} % interval" if labelled else "_nolegend_")
            continue
        ax.fill_between(pd.DatetimeIndex(frame["date"]), frame[f"lower_{level}"].to_numpy(),
                        frame[f"upper_{level}"].to_numpy(), color=color,
                        alpha=0.15 if k == 0 else 0.3, lw=0,
                        label=f"{level} % interval" if labelled else "_nolegend_")


def _draw_test_span(ax: Axes, actual: pd.Series, first: pd.DataFrame,
                    forecast: pd.DataFrame | None, model_label: str, ahead: str,
                    markers: bool = False) -> None:
    """Actuals of the test span, the model and naive predictions with the model's intervals,
    and the forecast with its intervals."""
    dot = {"marker": ".", "ms": 4} if markers else {}
    _draw_bands(ax, first, "tab:blue", labelled=True)
    if forecast is not None and len(forecast):
        _draw_bands(ax, forecast, "tab:red", labelled=False)
    ax.plot(actual.index, actual.to_numpy(), color="black", lw=1.2, label="test actual", zorder=3,
            **dot)
    ax.plot(first["date"], first["model"], color="tab:blue", lw=1.2, label=model_label, **dot)
    ax.plot(first["date"], first["naive"], color="tab:orange", lw=0.9, ls="--",
            label="last value (naive)" + ahead)
    if forecast is not None and len(forecast):
        levels = band_levels(forecast)
        bands = f" (shaded: {' and '.join(reversed(levels))} % intervals)" if levels else ""
        ax.plot(forecast["date"], forecast["forecast"], color="tab:red", marker="o", ms=3,
                lw=1.2, label="forecast" + bands)


def plot_loss(path: Path, train_loss: list[float], val_loss: list[float], best_epoch: int,
              loss_name: str = "MSE (scaled units)",
              val_accuracy: Sequence[float] | None = None) -> None:
    """Write `loss_figure` to `path`."""
    fig = loss_figure(train_loss, val_loss, best_epoch, loss_name, val_accuracy)
    fig.savefig(path)
    plt.close(fig)


def loss_figure(train_loss: list[float], val_loss: list[float], best_epoch: int,
                loss_name: str = "MSE (scaled units)",
                val_accuracy: Sequence[float] | None = None) -> Figure:
    """Loss per epoch (log scale), the epoch kept, and validation accuracy on a second axis
    where the task has one."""
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    epochs = range(1, len(train_loss) + 1)
    ax.plot(epochs, train_loss, label="train loss")
    if val_loss:
        ax.plot(epochs, val_loss, label="validation loss")
    if best_epoch:
        ax.axvline(best_epoch, color="0.4", ls=":", label=f"kept: epoch {best_epoch}")
    ax.set_yscale("log")
    plain = FuncFormatter(lambda value, _: f"{value:.3g}")  # not 6.96x10^-1 on a narrow range
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(loss_name)
    handles, labels = ax.get_legend_handles_labels()
    if val_accuracy:
        right = ax.twinx()
        right.plot(range(1, len(val_accuracy) + 1), val_accuracy, color="tab:green",
                   marker=".", label="validation accuracy")
        right.set_ylabel("validation accuracy")
        right.set_ylim(0, 1.02)
        more_handles, more_labels = right.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    fig.legend(handles, labels, fontsize=8, loc="upper center", ncol=len(labels), frameon=False)
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.13, right=0.87 if val_accuracy else 0.97, top=0.9, bottom=0.13)
    return fig
