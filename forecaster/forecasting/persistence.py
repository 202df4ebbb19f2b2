"""A saved model is a directory: `config.json` (everything but the weights) and
`weights.safetensors`. Loading reads JSON and tensors only — nothing is unpickled — and always
maps the weights to the CPU first, so a GPU-trained model loads anywhere."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from forecaster.errors import ModelFileError

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
    """Write config and weights into an existing empty directory `path`."""
    config = {"format_version": FORMAT_VERSION, **config, "versions": library_versions()}
    (path / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    save_file({k: v.detach().to("cpu").contiguous() for k, v in state.items()},
              str(path / WEIGHTS_FILE))


def read_model_dir(path: str | Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Config and CPU weights of a saved model, with a clear error for anything missing."""
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
    if config.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"'{path}' has model format {config.get('format_version')!r}; this "
                             f"version of forecaster reads format {FORMAT_VERSION}.")
    try:
        state = load_file(str(path / WEIGHTS_FILE), device="cpu")
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFileError(f"'{path / WEIGHTS_FILE}' cannot be read: {exc}.") from None
    return config, state
