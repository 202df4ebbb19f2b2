"""A temporal convolution branch beside the recurrent encoder, for sequence classification.

The shape of LSTM-FCN (Karim et al., 2017): three Conv1d blocks (128, 256, 128 filters, kernels
8, 5, 3, batch norm, ReLU) and global average pooling over the real steps, concatenated with
the recurrent encoder's summary before the head. On long univariate series with few cases the
recurrent encoder alone learns slowly (UCR ArrowHead: 251 steps, 36 cases); the convolutions
pick up local shapes from the first epochs, and the recurrent summary adds order and context.
"""

from __future__ import annotations

import torch
from torch import nn

from forecaster.core.config import ARCHITECTURES, EncoderConfig
from forecaster.core.encoder import RecurrentEncoder
from forecaster.core.pooling import step_mask

FILTERS: tuple[int, ...] = (128, 256, 128)
KERNELS: tuple[int, ...] = (8, 5, 3)


class ConvolutionBranch(nn.Module):
    """(batch, time, features) -> (batch, FILTERS[-1]): conv blocks, then the mean over real
    steps. Padded steps are zeroed after every block, so they never reach a real step's
    neighbours or the mean (a case predicts the same alone or padded in a batch, in eval mode).
    """

    def __init__(self, input_size: int) -> None:
        super().__init__()
        blocks = []
        width = input_size
        for filters, kernel in zip(FILTERS, KERNELS, strict=True):
            blocks.append(nn.Sequential(  # "same" length, the even kernel's extra step after
                nn.ConstantPad1d(((kernel - 1) // 2, kernel // 2), 0.0),
                nn.Conv1d(width, filters, kernel), nn.BatchNorm1d(filters), nn.ReLU()))
            width = filters
        self.blocks = nn.ModuleList(blocks)
        self.output_size = width

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        mask = step_mask(lengths, x.shape[0], x.shape[1], x.device)
        mask = mask.unsqueeze(1).to(x.dtype)  # (batch, 1, time)
        h = x.transpose(1, 2) * mask  # (batch, features, time)
        for block in self.blocks:
            h = block(h) * mask  # (batch, filters, time)
        return h.sum(dim=2) / mask.sum(dim=2).clamp_min(1.0)  # (batch, filters)


class RecurrentConvWithHead(nn.Module):
    """The recurrent encoder and the convolution branch side by side, their vectors joined,
    then one linear layer. (batch, time, features) -> (batch, outputs) logits.

    Examples
    --------
    >>> import torch
    >>> config = EncoderConfig(input_size=2, cell="gru", hidden_size=8, num_layers=1)
    >>> RecurrentConvWithHead(config, outputs=3)(torch.zeros(4, 30, 2)).shape
    torch.Size([4, 3])
    """

    def __init__(self, config: EncoderConfig, outputs: int) -> None:
        super().__init__()
        self.encoder = RecurrentEncoder(config)
        self.convolution = ConvolutionBranch(config.input_size)
        self.head = nn.Linear(config.output_size + self.convolution.output_size, outputs)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        summary = self.encoder(x, lengths)  # (batch, width)
        shapes = self.convolution(x, lengths)  # (batch, filters)
        return self.head(torch.cat([summary, shapes], dim=1))


def sequence_network(architecture: str, config: EncoderConfig, outputs: int) -> nn.Module:
    """The classification network for `architecture` (one of ARCHITECTURES)."""
    from forecaster.core.heads import EncoderWithHead

    if architecture == "recurrent":
        return EncoderWithHead(config, outputs)
    if architecture == "recurrent+conv":
        return RecurrentConvWithHead(config, outputs)
    raise ValueError(f"architecture must be one of {', '.join(ARCHITECTURES)}, "
                     f"got {architecture!r}.")
