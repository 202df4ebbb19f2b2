"""The choices users pick from on the command line, importable without pandas or torch."""

from __future__ import annotations

from typing import Literal

FillMethod = Literal["ffill", "interpolate", "drop"]
FILL_METHODS: tuple[str, ...] = ("ffill", "interpolate", "drop")

WindowNorm = Literal["last", "none"]
WINDOW_NORMS: tuple[str, ...] = ("last", "none")
