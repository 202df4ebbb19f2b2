"""A saved model is a directory: `config.json` (everything but the weights) and
`weights.safetensors`. Loading reads JSON and tensors only — nothing is unpickled — and always
maps the weights to the CPU first, so a GPU-trained model loads anywhere."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save
from torch import nn

from forecaster.errors import ModelFileError
from forecaster.output import atomic_write_bytes, atomic_write_text

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
FORMAT_VERSION = 1


def library_versions() -> dict[str, str]:
    import numpy
    import pandas
    import sklearn

    from forecaster import __version__

    return {"forecaster": __version__, "torch": torch.__version__, "numpy": numpy.__version__,
            "pandas": pandas.__version__, "scikit-learn": sklearn.__version__,
            "python": platform.python_version()}


def write_model_dir(path: Path, config: dict[str, Any], state: dict[str, torch.Tensor]) -> None:
    """Write config and weights into an existing empty directory `path`.

    Both go through `forecaster.output`, so the weights get the same mode as every other file
    (the umask's); safetensors' own `save_file` creates its file 0600.
    """
    config = {"format_version": FORMAT_VERSION, **config, "versions": library_versions()}
    atomic_write_text(path / CONFIG_FILE, json.dumps(config, indent=2) + "\n")
    atomic_write_bytes(path / WEIGHTS_FILE,
                       save({k: v.detach().to("cpu").contiguous() for k, v in state.items()}))


_KIND_NAMES = {"forecaster": "forecaster", "sequence_classifier": "sequence classifier",
               "text_classifier": "text classifier"}


def read_model_dir(path: str | Path, kind: str | None = None
                   ) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Config and CPU weights of a saved model, with a clear error for anything missing.

    With `kind`, config.json must be a model of that kind and match its schema
    (`model_schema`); the weights are checked against the network in `load_weights`.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(f"Model directory '{path}' does not exist. Pass the 'model' folder "
                             f"of a run directory (e.g. runs/<name>/model).")
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (path / name).is_file():
            raise ModelFileError(f"'{path}' is not a complete model: '{name}' is missing. "
                                 f"Train again or copy the whole model directory.")
    try:
        config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"'{path / CONFIG_FILE}' is not valid JSON ({exc}).") from None
    if not isinstance(config, dict):
        raise ModelFileError(f"'{path / CONFIG_FILE}' must hold a JSON object (the model's "
                             f"settings), not {type(config).__name__}.")
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"'{path}' has model format {config.get('format_version')!r}; this "
                             f"version of forecaster reads format {FORMAT_VERSION}.")
    if kind is not None:
        if config.get("kind") != kind:
            raise ModelFileError(f"'{path}' holds a {config.get('kind')!r} model, not a "
                                 f"{_KIND_NAMES[kind]}.")
        from forecaster.forecasting.model_schema import validate_config

        validate_config(config, kind, path / CONFIG_FILE)
    try:
        state = load_file(str(path / WEIGHTS_FILE), device="cpu")
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFileError(f"'{path / WEIGHTS_FILE}' cannot be read: {exc}.") from None
    return config, state


def load_weights(build: Callable[[], nn.Module], state: dict[str, torch.Tensor],
                 path: str | Path) -> nn.Module:
    """The network `build` makes, holding the saved weights, in eval mode.

    The file's tensors are compared with the network's before anything real is allocated (the
    network is first built on PyTorch's "meta" device, which has shapes but no memory): every
    key present, none extra, each of the same shape and dtype, and every value finite. The first
    difference is a ModelFileError naming the file and the key.
    """
    file = Path(path) / WEIGHTS_FILE
    with torch.device("meta"):
        expected = build().state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    problem = None
    if missing:
        problem = f"key '{missing[0]}' is missing" + (f" (and {len(missing) - 1} more)"
                                                      if len(missing) > 1 else "")
    elif extra:
        problem = f"key '{extra[0]}' is not part of this model" + (
            f" (and {len(extra) - 1} more)" if len(extra) > 1 else "")
    else:
        for key, tensor in expected.items():
            found = state[key]
            if tuple(found.shape) != tuple(tensor.shape):
                problem = (f"key '{key}' has shape {tuple(found.shape)}, but config.json "
                           f"describes {tuple(tensor.shape)}")
            elif found.dtype != tensor.dtype:
                problem = (f"key '{key}' holds {str(found.dtype).removeprefix('torch.')}, "
                           f"not {str(tensor.dtype).removeprefix('torch.')}")
            elif found.is_floating_point() and not bool(torch.isfinite(found).all()):
                problem = f"key '{key}' holds NaN or infinite values"
            if problem:
                break
    if problem:
        raise ModelFileError(f"'{file}' does not match the model in its config.json: {problem}. "
                             f"It was changed or damaged since it was saved: train again or copy "
                             f"the whole model directory.")
    network = build()
    network.load_state_dict(state)
    network.eval()
    return network


def saved_train_config(section: dict[str, Any], path: str | Path) -> Any:
    """The TrainConfig a model file recorded (its run facts beside the settings ignored); a
    setting this version refuses is a ModelFileError naming the file."""
    from forecaster.errors import ConfigError
    from forecaster.training.config import TrainConfig

    fields = {k: v for k, v in section.items() if k in TrainConfig.__dataclass_fields__}
    try:
        return TrainConfig(**fields)
    except ConfigError as exc:
        raise ModelFileError(f"'{Path(path) / CONFIG_FILE}' has training settings this version "
                             f"cannot use: {exc}") from None
