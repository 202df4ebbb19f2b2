"""The one recurrent encoder every model in forecaster is built on.

It wraps PyTorch's fused recurrent layers (cuDNN on a GPU): no Python loop over time steps on the
training path. Three ways to use it:

- many-to-one: ``encoder(x, lengths)`` -> one pooled vector per sequence (batch, width);
- many-to-many: ``encoder.sequence(x, lengths)`` -> an output per step (batch, time, width);
- one-to-many: ``encoder.generate(x, steps, readout)`` feeds each prediction back as the next input.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from forecaster.core.config import EncoderConfig
from forecaster.core.pooling import make_pooling

_LAYERS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class RecurrentEncoder(nn.Module):
    """Elman RNN, LSTM or GRU; stacked, optionally bidirectional, with last/mean/attention pooling.

    Examples
    --------
    >>> import torch
    >>> encoder = RecurrentEncoder(EncoderConfig(input_size=3, cell="gru", hidden_size=8))
    >>> encoder(torch.zeros(4, 10, 3)).shape
    torch.Size([4, 8])
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        kwargs = {"nonlinearity": "tanh"} if config.cell == "rnn" else {}
        self.rnn = _LAYERS[config.cell](
            input_size=config.input_size,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            bidirectional=config.bidirectional,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
            **kwargs,
        )
        self.pool = make_pooling(config.pooling, config.output_size, config.bidirectional)

    @property
    def output_size(self) -> int:
        return self.config.output_size

    def sequence(self, x: torch.Tensor, lengths: torch.Tensor | None = None,
                 state: State | None = None) -> tuple[torch.Tensor, State]:
        """Outputs at every step (batch, time, width) and the final state.

        With `lengths`, sequences are packed so padding never reaches the cell: outputs past a
        sequence's length are zero and its state is the one at its last real step. A batch
        whose sequences all fill its width has no padding, so it skips packing: the packed
        path runs step by step on the CPU, the plain one through one fused kernel (oneDNN's
        LSTM ran 3x faster; benchmarks/README.md, "Text classification").
        """
        if lengths is None or bool((lengths == x.shape[1]).all()):
            return self.rnn(x, state)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, state = self.rnn(packed, state)
        outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
        return outputs, state

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """One vector per sequence: (batch, time, features) -> (batch, width)."""
        outputs, _ = self.sequence(x, lengths)
        return self.pool(outputs, lengths)

    @torch.no_grad()
    def generate(self, x: torch.Tensor, steps: int, readout: nn.Module) -> torch.Tensor:
        """Recursive one-to-many: after reading `x`, feed `readout(output)` back `steps` times.

        `readout` maps (batch, width) to (batch, features), the encoder's own input size.
        Returns (batch, steps, features). Unidirectional encoders only (the future is unknown).
        """
        if steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps}.")
        if self.config.bidirectional:
            raise ValueError("generate() needs a unidirectional encoder (bidirectional=False).")
        outputs, state = self.sequence(x)
        step = readout(outputs[:, -1])  # (batch, features)
        generated = [step]
        for _ in range(steps - 1):
            outputs, state = self.rnn(step.unsqueeze(1), state)
            step = readout(outputs[:, -1])
            generated.append(step)
        return torch.stack(generated, dim=1)
