"""The confusion matrix and the training curves as pictures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from forecaster.classification.evaluation import ClassificationEvaluation  # noqa: E402
from forecaster.data.printable import printable  # noqa: E402

if TYPE_CHECKING:
    from forecaster.training.loop import History


def plot_confusion(path: Path, evaluation: ClassificationEvaluation) -> None:
    matrix = np.asarray(evaluation.confusion)
    size = max(4.0, 0.5 * len(evaluation.classes) + 2)
    fig, ax = plt.subplots(figsize=(size, size), dpi=110)
    ax.imshow(matrix, cmap="Blues")
    ticks = range(len(evaluation.classes))
    names = [printable(name) for name in evaluation.classes]  # no control codes via matplotlib
    ax.set_xticks(ticks, names, rotation=45)
    ax.set_yticks(ticks, names)
    for i in ticks:
        for j in ticks:
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    accuracy = evaluation.metrics["model"]["accuracy"]
    ax.set_title(f"test accuracy {accuracy:.3f}")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.subplots_adjust(left=0.15, bottom=0.15, right=0.97, top=0.92)
    fig.savefig(path)
    plt.close(fig)


def plot_training(path: Path, history: History) -> None:
    """The classifier's cross-entropy per epoch beside its validation accuracy."""
    from forecaster.forecasting.plots import plot_loss

    plot_loss(path, history.train_loss, history.val_loss, history.best_epoch,
              loss_name="cross-entropy loss",
              val_accuracy=history.val_metrics.get("accuracy", []))
