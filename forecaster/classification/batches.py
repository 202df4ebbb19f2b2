"""Batches of padded sequences with their lengths, cut by indexing (no DataLoader)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class SequenceBatches:
    """A batch source for `training.fit`: inputs are (values, lengths), targets class indices."""

    values: torch.Tensor  # (n, time, channels) float32, or (n, time) int64 token ids; zero past
    #                       each length
    lengths: torch.Tensor  # (n,) int64
    targets: torch.Tensor  # (n,) int64 class indices

    def __len__(self) -> int:
        return len(self.values)

    @property
    def device(self) -> torch.device:
        return self.values.device

    def to(self, device: torch.device) -> SequenceBatches:
        return SequenceBatches(self.values.to(device), self.lengths.to(device),
                               self.targets.to(device))

    def fetch(self, rows: torch.Tensor) -> tuple[tuple[torch.Tensor, torch.Tensor],
                                                  torch.Tensor]:
        lengths = self.lengths[rows]
        longest = int(lengths.max())  # trim padding every sequence of the batch has
        return (self.values[rows, :longest], lengths), self.targets[rows]
