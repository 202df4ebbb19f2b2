"""Did the kept model barely train? One rule, read by every place that reports it.

A run whose early stopping keeps its first epoch, or an epoch hardly better than the first, gives
a network close to its starting point. On a stock series the kept model was epoch 1 of 11 and
behaved as the naive forecast; the scores alone did not say why. metrics.json, the `train`
output, the model card, MLflow and the pipeline summary all state it from :func:`barely_trained`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forecaster.training.loop import History

BARELY_GAIN = 0.01  # the kept loss must be this share below the first epoch's to count


def selection_losses(history: History) -> list[float]:
    """The loss per epoch that chose the kept epoch: validation, or training without a
    validation set (the fit loop then keeps the lowest training loss)."""
    return history.val_loss if _validated(history) else history.train_loss


def _validated(history: History) -> bool:
    """Whether every epoch recorded a validation loss."""
    return bool(history.val_loss) and len(history.val_loss) == history.epochs_run


def gain_over_first(history: History) -> float | None:
    """1 - kept loss / first epoch's loss (0.2: the kept epoch is 20% lower); None when it
    cannot be read (no epochs recorded, or a first loss that is not a positive number)."""
    losses = selection_losses(history)
    if not losses or not 1 <= history.best_epoch <= len(losses):
        return None
    first, kept = losses[0], losses[history.best_epoch - 1]
    if not (math.isfinite(first) and math.isfinite(kept)) or first <= 0:
        return None
    return 1.0 - kept / first


def barely_trained(history: History) -> bool:
    """True when the kept model barely trained.

    The rule: the kept (best) epoch is the first one, or the kept epoch's validation loss
    (training loss without a validation set) is within 1 % (:data:`BARELY_GAIN`) of the first
    epoch's. Either way the weights are close to where training started, so the forecasts come
    from them more than from the data.
    """
    if history.best_epoch == 1:
        return True
    gain = gain_over_first(history)
    return gain is not None and gain < BARELY_GAIN


def barely_trained_note(history: History, start: str) -> str | None:
    """The sentence that says so (None when the model trained): which epoch was kept of how
    many, what it means, what may help. `start` says what an untrained model forecasts, e.g.
    "its forecasts are the last value moved by what an untrained network outputs"."""
    if not barely_trained(history):
        return None
    runs = history.epochs_run or history.best_epoch
    loss = "validation loss" if _validated(history) else "loss"
    advice = "More epochs, a higher learning rate, or more data may help."
    if history.best_epoch == 1 and runs <= 1:
        kept, advice = "only one epoch ran and it was kept", "More epochs may help."
    elif history.best_epoch == 1:
        kept = f"epoch 1 of {runs} was kept (no later epoch had a lower {loss})"
        if _rose(history):
            advice = (f"The {loss} rose after epoch 1: a lower learning rate, or more data, "
                      f"may help.")
    else:
        gain = gain_over_first(history) or 0.0
        kept = (f"epoch {history.best_epoch} of {runs} was kept, but its {loss} is only "
                f"{_percent(gain)} lower than the first epoch's (less than {BARELY_GAIN:.0%})")
    return (f"Barely trained: {kept}, so the network behaves close to its starting point; "
            f"{start}. {advice}")


def _rose(history: History) -> bool:
    """Whether every later epoch's loss is more than BARELY_GAIN above the first's (training
    went away from it: a step too large, or too little data), not merely level with it."""
    losses = selection_losses(history)
    later = [value for value in losses[1:] if math.isfinite(value)]
    return bool(later) and math.isfinite(losses[0]) and \
        min(later) > losses[0] * (1 + BARELY_GAIN)


def _percent(share: float) -> str:
    """0.0037 -> '0.37%'; a gain too small for two decimals reads '<0.01%'."""
    return "<0.01%" if share < 5e-5 else f"{share:.2%}"
