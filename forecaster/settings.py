"""Named settings -> an estimator: the one place a Forecaster or a classifier is built.

`forecaster train`, `forecaster classify train` and pipeline jobs all pass their settings here,
by the names of the Python API (`hidden_size`, `num_layers`, `learning_rate`, `clip_norm`, ...),
as one flat mapping. The estimator's own keywords go to the estimator, the `TrainConfig` fields to
its training config, and a name that is neither is a bug that fails loudly, so that no command
or pipeline can drop a setting, or spell it its own way, without a test noticing.

Examples
--------
>>> from forecaster.settings import build_forecaster
>>> model = build_forecaster({"cell": "gru", "hidden_size": 16, "learning_rate": 0.01})
>>> model.hidden_size, model.training.learning_rate
(16, 0.01)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from forecaster.errors import ConfigError
from forecaster.training.config import TrainConfig

# Names that pipelines and the CLI used before they took the API's names, and the names now.
# The CLI still accepts the old option (`--hidden`); a pipeline file with an old key is refused
# with the new name, since a silently re-mapped key is one more name to know.
RENAMED: dict[str, str] = {"hidden": "hidden_size", "layers": "num_layers",
                           "lr": "learning_rate", "clip": "clip_norm"}

# How a run reports itself, not what it learns: given by the caller, never a setting.
RUN_ONLY: tuple[str, ...] = ("progress",)
TRAINING_SETTINGS: tuple[str, ...] = tuple(f.name for f in fields(TrainConfig)
                                           if f.name not in RUN_ONLY)
TEXT_ONLY: tuple[str, ...] = ("embedding_dim", "max_words", "max_length", "word_dropout",
                              "pretrain", "ngrams")
SEQUENCE_ONLY: tuple[str, ...] = ("architecture",)


def estimator_settings(estimator: type) -> tuple[str, ...]:
    """The keyword arguments of `estimator.__init__`, less `training` (its TrainConfig)."""
    names = inspect.signature(estimator.__init__).parameters
    return tuple(name for name in names if name not in ("self", "training"))


def settings_of(estimator: type) -> tuple[str, ...]:
    """Every setting a caller may give the factory for `estimator`: its own and the training
    ones. The CLI and pipeline tests check that each is an option and a key."""
    return (*estimator_settings(estimator), *TRAINING_SETTINGS)


def picked(values: Mapping[str, Any], *estimators: type) -> dict[str, Any]:
    """The settings of any of `estimators` among `values` (e.g. a click command's parameters,
    named after the settings), so that an option added under a setting's name is passed on."""
    names = {name for estimator in estimators for name in settings_of(estimator)}
    return {key: value for key, value in values.items() if key in names}


def train_config(settings: Mapping[str, Any], progress: str = "auto") -> TrainConfig:
    """A TrainConfig from the training settings in `settings` (others are ignored here)."""
    given = {key: value for key, value in settings.items() if key in TRAINING_SETTINGS}
    return TrainConfig(**given, progress=progress)


def _split(settings: Mapping[str, Any], estimator: type) -> dict[str, Any]:
    """The estimator's keywords; raise TypeError (a bug) for a name nobody would use."""
    own = estimator_settings(estimator)
    unused = sorted(set(settings) - set(own) - set(TRAINING_SETTINGS))
    if unused:
        raise TypeError(f"{estimator.__name__} has no setting {', '.join(unused)}; the "
                        f"settings are {', '.join((*own, *TRAINING_SETTINGS))}.")
    return {key: value for key, value in settings.items() if key in own}


def build_forecaster(settings: Mapping[str, Any], progress: str = "auto") -> Any:
    """A Forecaster with `settings` (estimator and training names alike); a name left out takes
    the API's default."""
    from forecaster.forecasting.forecaster import Forecaster

    own = _split(settings, Forecaster)
    return Forecaster(**own, training=train_config(settings, progress))


def build_classifier(kind: str, settings: Mapping[str, Any], progress: str = "auto") -> Any:
    """A TextClassifier (`kind` "text") or SequenceClassifier with `settings`.

    An estimator setting that is None takes that estimator's default, which differs by kind
    (text: LSTM, dropout 0.5; sequences: GRU, dropout 0). The text settings on sequence data are
    refused rather than ignored.
    """
    if kind == "text":
        from forecaster.classification.text_classifier import TextClassifier as estimator

        sequence_only = [key for key in SEQUENCE_ONLY if settings.get(key) is not None]
        if sequence_only:
            raise ConfigError(f"{sequence_only[0]} (--{sequence_only[0]}) is for numeric "
                              f"sequences only; this data holds texts.")
        settings = {key: value for key, value in settings.items() if key not in SEQUENCE_ONLY}
    else:
        from forecaster.classification.sequence_classifier import SequenceClassifier as estimator

        text_only = [key for key in TEXT_ONLY if settings.get(key) is not None]
        if text_only:
            raise ConfigError(f"{text_only[0]} (--{text_only[0].replace('_', '-')}) is for text "
                              f"classification only; this data holds numeric sequences.")
        settings = {key: value for key, value in settings.items() if key not in TEXT_ONLY}
    own = {key: value for key, value in _split(settings, estimator).items() if value is not None}
    return estimator(**own, training=train_config(settings, progress))
