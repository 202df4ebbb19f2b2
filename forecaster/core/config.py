"""The architecture of a recurrent encoder, saved as JSON beside the weights."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CELLS: tuple[str, ...] = ("rnn", "lstm", "gru")
POOLINGS: tuple[str, ...] = ("last", "mean", "attention")


@dataclass(frozen=True)
class EncoderConfig:
    """What the encoder is; every field is a plain value so it round-trips through JSON."""

    input_size: int  # features per time step
    cell: str = "lstm"  # "rnn" (Elman, tanh) | "lstm" | "gru"
    hidden_size: int = 50  # units per layer and direction
    num_layers: int = 3  # stacked layers
    bidirectional: bool = False
    dropout: float = 0.0  # between stacked layers (PyTorch semantics)
    pooling: str = "last"  # how a sequence becomes one vector: "last" | "mean" | "attention"

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}.")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got {self.pooling!r}.")
        for name in ("input_size", "hidden_size", "num_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}.")

    @property
    def output_size(self) -> int:
        """Width of the encoder's vectors: hidden_size, doubled when bidirectional."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
