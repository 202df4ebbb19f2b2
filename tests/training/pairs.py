"""A minimal batch source over in-memory tensors, shared by the fit-loop tests (the fit loop
takes anything with len(), fetch(rows) and to(device))."""

from __future__ import annotations

import torch


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
