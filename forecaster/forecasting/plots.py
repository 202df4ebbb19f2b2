"""Pictures people would rather look at than read: forecast against actuals, and the loss curve."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def plot_forecast(path: Path, history: pd.Series, predictions: pd.DataFrame, split_dates:
                  dict[str, pd.Timestamp], forecast: pd.DataFrame | None, title: str,
                  model_label: str) -> None:
    """History, test actuals, one-step model and naive predictions, split markers, forecast."""
    first = predictions[predictions["step"] == 1]
    fig, ax = plt.subplots(figsize=(11, 5), dpi=110)
    ax.plot(history.index, history.to_numpy(), color="0.55", lw=1.0, label="history")
    ax.plot(first["date"], first["actual"], color="black", lw=1.2, label="test actual")
    ax.plot(first["date"], first["model"], color="tab:blue", lw=1.2, label=model_label)
    ax.plot(first["date"], first["naive"], color="tab:orange", lw=0.9, ls="--",
            label="last value (naive)")
    if forecast is not None and len(forecast):
        ax.plot(forecast["date"], forecast["forecast"], color="tab:red", marker="o", ms=3,
                lw=1.2, label="forecast")
    for name, date in split_dates.items():
        ax.axvline(date, color="0.3", lw=0.8, ls=":")
        ax.annotate(name, (date, 1.0), xycoords=("data", "axes fraction"), ha="left",
                    va="top", fontsize=8, color="0.3", rotation=90)
    ax.set_title(title)
    ax.set_ylabel(history.name)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.14)  # tight_layout is slow
    fig.savefig(path)
    plt.close(fig)


def plot_loss(path: Path, train_loss: list[float], val_loss: list[float], best_epoch: int) -> None:
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    epochs = range(1, len(train_loss) + 1)
    ax.plot(epochs, train_loss, label="train")
    if val_loss:
        ax.plot(epochs, val_loss, label="validation")
    if best_epoch:
        ax.axvline(best_epoch, color="0.4", ls=":", label=f"kept: epoch {best_epoch}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE (scaled units)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.95, bottom=0.13)
    fig.savefig(path)
    plt.close(fig)
