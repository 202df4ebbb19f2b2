"""Ways to turn per-step outputs (batch, time, width) into one vector per sequence, mask-aware."""

from __future__ import annotations

import torch
from torch import nn


def step_mask(lengths: torch.Tensor | None, batch: int, time: int,
              device: torch.device) -> torch.Tensor:
    """(batch, time) True where a step is real, False on padding."""
    if lengths is None:
        return torch.ones(batch, time, dtype=torch.bool, device=device)
    steps = torch.arange(time, device=device).unsqueeze(0)
    return steps < lengths.to(device).unsqueeze(1)


class LastPooling(nn.Module):
    """The output at each sequence's last real step; for a bidirectional encoder the backward
    half is taken at step 0, where the backward pass ends."""

    def __init__(self, bidirectional: bool) -> None:
        super().__init__()
        self.bidirectional = bidirectional

    def forward(self, outputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        batch, time, width = outputs.shape
        if lengths is None:
            last = outputs[:, -1]
        else:
            index = (lengths.to(outputs.device) - 1).view(batch, 1, 1).expand(batch, 1, width)
            last = outputs.gather(1, index).squeeze(1)  # (batch, width)
        if not self.bidirectional:
            return last
        half = width // 2
        return torch.cat([last[:, :half], outputs[:, 0, half:]], dim=1)


class MeanPooling(nn.Module):
    """The mean of the outputs over real steps."""

    def forward(self, outputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        mask = step_mask(lengths, outputs.shape[0], outputs.shape[1], outputs.device)
        mask = mask.unsqueeze(-1).to(outputs.dtype)  # (batch, time, 1)
        return (outputs * mask).sum(1) / mask.sum(1).clamp_min(1.0)


class AttentionPooling(nn.Module):
    """A learned weighting of the steps: score_t = v · tanh(W h_t), softmax over real steps."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.project = nn.Linear(width, width)
        self.score = nn.Linear(width, 1, bias=False)
        self.last_weights: torch.Tensor | None = None  # (batch, time), kept for inspection

    def forward(self, outputs: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        scores = self.score(torch.tanh(self.project(outputs))).squeeze(-1)  # (batch, time)
        mask = step_mask(lengths, outputs.shape[0], outputs.shape[1], outputs.device)
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=1)
        self.last_weights = weights.detach()
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)  # (batch, width)


def make_pooling(kind: str, width: int, bidirectional: bool) -> nn.Module:
    if kind == "last":
        return LastPooling(bidirectional)
    if kind == "mean":
        return MeanPooling()
    if kind == "attention":
        return AttentionPooling(width)
    raise ValueError(f"pooling must be 'last', 'mean' or 'attention', got {kind!r}.")
