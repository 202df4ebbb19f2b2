"""The one fit loop: early stopping keeps the best weights, optimisers, Ctrl-C, devices."""

from __future__ import annotations

import signal

import pytest
import torch
from pairs import InterruptedInEpoch3, Pairs
from torch import nn

from forecaster.errors import ConfigError
from forecaster.training import TrainConfig, fit, resolve_device


def regression(n: int = 256, seed: int = 0) -> tuple[Pairs, Pairs]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [0.0]]) + 0.1 * torch.randn(n, 1,
                                                                             generator=generator)
    return Pairs(x[:192], y[:192]), Pairs(x[192:], y[192:])


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"epochs": 30, "batch_size": 32, "progress": "off", "device": "cpu",
                          **overrides})


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_each_optimizer_reduces_the_loss(optimizer):
    train, val = regression()
    model = nn.Linear(4, 1)
    history = fit(model, train, val, nn.functional.mse_loss,
                  config(optimizer=optimizer, learning_rate=0.01, patience=0))
    assert history.val_loss[-1] < 0.2 * history.val_loss[0]


def test_early_stopping_restores_the_best_epoch():
    train, val = regression()
    model = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 1))
    # a learning rate high enough that validation loss wanders, so stopping matters
    history = fit(model, train, val, nn.functional.mse_loss,
                  config(epochs=60, patience=3, learning_rate=0.05, clip_norm=None))
    assert history.stopped_early
    assert history.epochs_run == history.best_epoch + 3
    with torch.no_grad():
        restored = float(nn.functional.mse_loss(model(val.x), val.y))
    assert restored == pytest.approx(min(history.val_loss), rel=1e-5)


def test_ctrl_c_keeps_the_best_model_so_far(capsys):
    train, val = regression(n=256)

    # raised from the main thread, handled here rather than after a wait
    model = InterruptedInEpoch3(lambda: signal.raise_signal(signal.SIGINT))
    history = fit(model, train, val, nn.functional.mse_loss,
                  config(progress="lines", patience=0))
    assert history.interrupted
    assert history.epochs_run == 2
    assert "Interrupted: keeping the best model so far" in capsys.readouterr().err


def test_asking_for_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ConfigError, match="no CUDA GPU is visible"):
        resolve_device("cuda")
    assert resolve_device("auto") == torch.device("cpu")


def test_progress_lines_when_not_a_terminal(capsys):
    train, val = regression()
    fit(nn.Linear(4, 1), train, val, nn.functional.mse_loss, config(epochs=2, progress="auto"))
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "val_loss" in err and "left" in err


def test_progress_bar_shows_epoch_losses_and_time_left(capsys):
    """The bar is drawn even where the terminal reports a 0 x 0 size."""
    train, val = regression()
    fit(nn.Linear(4, 1), train, val, nn.functional.mse_loss, config(epochs=3, progress="bar"))
    err = capsys.readouterr().err
    assert "3/3" in err and "train " in err and " val " in err and "<00:00" in err


def test_the_reporter_hears_every_epoch_and_the_default_one_does_nothing():
    from forecaster.training import RunReporter

    class Recording(RunReporter):
        def __init__(self) -> None:
            self.epochs: list[tuple[int, dict[str, float]]] = []

        def epoch(self, epoch, metrics):
            self.epochs.append((epoch, metrics))

    train, val = regression()
    recording = Recording()
    history = fit(nn.Linear(4, 1), train, val, nn.functional.mse_loss, config(epochs=3),
                  reporter=recording)
    assert [epoch for epoch, _ in recording.epochs] == [1, 2, 3]
    assert [m["val_loss"] for _, m in recording.epochs] == history.val_loss
    assert [m["train_loss"] for _, m in recording.epochs] == history.train_loss
    silent = RunReporter()  # tracking off: every call is a no-op
    silent.start("run")
    silent.epoch(1, {"train_loss": 1.0})
    assert silent.finish(None) is None
