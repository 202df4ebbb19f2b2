"""A minimal batch source over in-memory tensors, shared by the fit-loop tests (the fit loop
takes anything with len(), fetch(rows) and to(device)), and a network that interrupts it."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class Pairs:
    """(x, y) rows, fetched by index on the device they live on."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def fetch(self, rows):
        return self.x[rows], self.y[rows]

    def to(self, device):
        return Pairs(self.x.to(device), self.y.to(device))


class InterruptedInEpoch3(nn.Module):
    """A linear model that calls `send()` partway through the third epoch (192 training rows
    and 64 validation rows in batches of 32: 6 + 1 batches per epoch), as Ctrl-C or a
    scheduler's SIGTERM would arrive."""

    def __init__(self, send: Callable[[], None]) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 1)
        self.send = send
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls == 2 * 7 + 3:
            self.send()
        return self.linear(x)
