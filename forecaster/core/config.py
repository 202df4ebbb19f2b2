"""The architecture of a recurrent encoder, saved as JSON beside the weights."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# the one import from the rest of the package: the error type users catch (a leaf module)
from forecaster.errors import ConfigError

CELLS: tuple[str, ...] = ("rnn", "lstm", "gru")
POOLINGS: tuple[str, ...] = ("last", "mean", "attention")
# a sequence classifier's network: the recurrent encoder alone, or with a convolution branch
# beside it (forecaster.core.convolution)
ARCHITECTURES: tuple[str, ...] = ("recurrent", "recurrent+conv")


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
            raise ConfigError(f"cell={self.cell!r} is not known; use one of {', '.join(CELLS)}.")
        if self.pooling not in POOLINGS:
            raise ConfigError(f"pooling={self.pooling!r} is not known; use one of "
                              f"{', '.join(POOLINGS)}.")
        for name in ("input_size", "hidden_size", "num_layers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name}={value!r} must be a positive whole number.")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, int | float) \
                or not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout={self.dropout!r} must be in [0, 1), a share of units.")
        if not isinstance(self.bidirectional, bool):
            raise ConfigError(f"bidirectional={self.bidirectional!r} must be True or False.")

    @property
    def output_size(self) -> int:
        """Width of the encoder's vectors: hidden_size, doubled when bidirectional."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
