"""Output heads on top of the encoder's pooled vector."""

from __future__ import annotations

import torch
from torch import nn

from forecaster.core.config import EncoderConfig
from forecaster.core.encoder import RecurrentEncoder


class EncoderWithHead(nn.Module):
    """Encoder, then one linear layer: `outputs` = horizon for forecasting, classes for
    classification (logits). Inputs (batch, time, features) -> (batch, outputs)."""

    def __init__(self, config: EncoderConfig, outputs: int) -> None:
        super().__init__()
        self.encoder = RecurrentEncoder(config)
        self.head = nn.Linear(config.output_size, outputs)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.encoder(x, lengths))
