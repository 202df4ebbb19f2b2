"""The forecasting network with inputs known in advance: an encoder over the past window, and a
decoder over the H forecast steps that reads what is known about each of them.

The encoder's summary of the past (batch, width) goes to a direct head, one output per step,
as in `EncoderWithHead`; the decoder adds a correction per step from the summary and that step's
known inputs (batch, H, known), through a one-layer recurrent core of the same cell kind, so
neighbouring steps share what they learn (tomorrow's hours run in order). With uninformative
known inputs the decoder can learn to add nothing, and the model is the plain one.
"""

from __future__ import annotations

import torch
from torch import nn

from forecaster.core.config import EncoderConfig
from forecaster.core.encoder import RecurrentEncoder


def decoder_config(config: EncoderConfig, known: int) -> EncoderConfig:
    """The decoder's core: the encoder's cell and width, one layer, one direction."""
    return EncoderConfig(input_size=config.output_size + known, cell=config.cell,
                         hidden_size=config.hidden_size, num_layers=1, bidirectional=False,
                         dropout=0.0, pooling="last")


class EncoderDecoder(nn.Module):
    """(batch, lookback, columns) past inputs and (batch, horizon, known) step inputs ->
    (batch, horizon) outputs.

    Examples
    --------
    >>> import torch
    >>> network = EncoderDecoder(EncoderConfig(input_size=2, cell="gru", hidden_size=8), 3, 4)
    >>> network(torch.zeros(5, 10, 2), torch.zeros(5, 3, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(self, config: EncoderConfig, horizon: int, known: int) -> None:
        super().__init__()
        self.encoder = RecurrentEncoder(config)
        self.head = nn.Linear(config.output_size, horizon)
        self.decoder = RecurrentEncoder(decoder_config(config, known))
        self.step_head = nn.Linear(config.hidden_size, 1)

    def forward(self, x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        summary = self.encoder(x)  # (batch, width)
        direct = self.head(summary)  # (batch, horizon)
        steps = torch.cat([summary.unsqueeze(1).expand(-1, known.shape[1], -1), known], dim=2)
        outputs, _ = self.decoder.sequence(steps)  # (batch, horizon, hidden)
        return direct + self.step_head(outputs).squeeze(-1)
