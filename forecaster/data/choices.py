"""The choices users pick from on the command line, importable without pandas or torch."""

from __future__ import annotations

from typing import Literal

FillMethod = Literal["ffill", "interpolate", "drop"]
FILL_METHODS: tuple[str, ...] = ("ffill", "interpolate", "drop")

# "auto" is decided at fit time (last or season) and saved as what was decided
WindowNorm = Literal["auto", "last", "season", "none"]
WINDOW_NORMS: tuple[str, ...] = ("auto", "last", "season", "none")

# what the network's forecast is averaged with: "theta" (the Theta method fitted on the same
# training rows; forecast combinations were the most robust result of the M competitions), "none"
Combine = Literal["theta", "none"]
COMBINES: tuple[str, ...] = ("auto", "theta", "none")  # auto: theta, or none with
# future-known columns (Theta cannot read them; measured on EPF in benchmarks/README.md)

# how a text classifier's embedding and encoder start: "none" (at random) or "lm" (pretrained
# as a language model on the training texts; classification/pretraining.py)
PRETRAIN: tuple[str, ...] = ("none", "lm")
