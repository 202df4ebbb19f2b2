"""Training settings are checked once, in TrainConfig itself, as ConfigError (exit 2 on the
command line): a value that would train silently wrong (a negative clip norm reverses every
gradient; a negative patience stops after one epoch) never reaches the fit loop."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pairs import Pairs
from torch import nn

from forecaster.cli import main
from forecaster.errors import ConfigError
from forecaster.training import TrainConfig, fit

AIR = Path(__file__).resolve().parents[2] / "datasets" / "airpassengers.csv"
TINY = ["--lookback", "12", "--epochs", "1", "--device", "cpu", "--quiet", "--no-tracking"]


@pytest.mark.parametrize(("setting", "value", "message"), [
    ("clip_norm", -1.0, "clip_norm=-1.0 must be a positive number (the largest gradient norm "
                        "allowed), or None for no clipping; a negative one would reverse every "
                        "gradient."),
    ("clip_norm", 0.0, "clip_norm=0.0 must be a positive number"),
    ("clip_norm", float("nan"), "clip_norm=nan must be a positive number"),
    ("patience", -1, "patience=-1 must be a whole number of epochs, 0 or more (0: never stop "
                     "early; None: automatic)."),
    ("patience", 2.5, "patience=2.5 must be a whole number of epochs"),
    ("epochs", 0, "epochs=0 must be a whole number of at least 1 (or None for the automatic "
                  "schedule)."),
    ("batch_size", 0, "batch_size=0 must be a whole number of at least 1, e.g. 64."),
    ("learning_rate", 0.0, "learning_rate=0.0 must be a positive number, e.g. 0.001."),
    ("learning_rate", float("inf"), "learning_rate=inf must be a positive number"),
    ("learning_rate", "0.01", "learning_rate='0.01' must be a positive number"),
    ("optimizer", "lbfgs", "optimizer='lbfgs' is not known; use one of adam, rmsprop, sgd."),
    ("device", "tpu", "device='tpu' is not known; use one of auto, cpu, cuda."),
    ("progress", "loud", "progress='loud' is not known; use one of auto, bar, lines, off."),
    ("seed", -3, "seed=-3 must be a whole number, 0 or more."),
    ("amp", "yes", "amp='yes' must be True or False."),
])
def test_a_bad_setting_is_a_config_error_naming_it(setting, value, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**{setting: value})
    assert message in str(info.value)


def test_asking_for_a_missing_gpu_is_a_config_error_not_a_value_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    train = Pairs(torch.randn(8, 2), torch.randn(8, 1))
    with pytest.raises(ConfigError, match="device='cuda' was asked for but no CUDA GPU"):
        fit(nn.Linear(2, 1), train, None, nn.functional.mse_loss,
            TrainConfig(epochs=1, device="cuda", progress="off"))


def test_a_bug_in_training_is_not_reported_as_bad_input():
    """A ValueError raised inside training (here: a loss fed mismatched shapes) is a bug and
    must stay one (exit 1), not be dressed up as a ConfigError."""
    import torch

    def broken_loss(output, target):
        raise ValueError("shapes do not match (a bug, not the user's settings)")

    with pytest.raises(ValueError, match="a bug, not the user's settings"):
        fit(nn.Linear(2, 1), Pairs(torch.randn(8, 2), torch.randn(8, 1)), None, broken_loss,
            TrainConfig(epochs=1, device="cpu", progress="off"))


def test_divergence_before_any_epoch_is_refused_not_saved_as_nan_weights():
    import torch

    x = torch.randn(64, 2)
    y = torch.full((64, 1), 1e30)  # squared error overflows float32 at once
    with pytest.raises(ConfigError, match="Training diverged in epoch 1: the training loss "
                                          "became NaN or infinite"):
        fit(nn.Linear(2, 1), Pairs(x, y), None, nn.functional.mse_loss,
            TrainConfig(epochs=3, device="cpu", progress="off"))


@pytest.mark.parametrize(("option", "message"), [
    (["--clip", "-1"], "clip_norm=-1.0 must be a positive number"),
    (["--patience", "-1"], "patience=-1 must be a whole number of epochs, 0 or more"),
    (["--batch-size", "0"], "batch_size=0 must be a whole number of at least 1"),
    (["--season", "500"], "season=500 is not shorter than the 108 row(s) of"),
    (["--season", "0"], "season=0 must be a whole number of rows, 1 or more"),
])
def test_the_cli_refuses_settings_that_would_train_wrong(tmp_path, option, message):
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train", str(AIR), "--target", "y", *TINY,
                                       "--out", str(out), *option])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not out.exists()


