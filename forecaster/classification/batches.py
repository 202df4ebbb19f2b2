"""Batches of padded sequences with their lengths, cut by indexing (no DataLoader).

Texts are trained in batches of one length each where a length has enough of them
(`same_length`): a batch with no padding needs no packing, and the recurrent encoder then runs
one fused kernel instead of the packed path's step-by-step loop (rotten_tomatoes: about 82 % of
the texts, 3.75 s an epoch -> 1.9 s; 3-seed accuracy 0.774 -> 0.771, inside the seeds' spread;
benchmarks/README.md, "Text classification").
"""

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
    same_length: bool = False  # training batches of one length each (see the module)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def device(self) -> torch.device:
        return self.values.device

    def to(self, device: torch.device) -> SequenceBatches:
        return SequenceBatches(self.values.to(device), self.lengths.to(device),
                               self.targets.to(device), self.same_length)

    def epoch_batches(self, order: torch.Tensor, size: int, generator: torch.Generator
                      ) -> list[torch.Tensor]:
        """`order` (a random permutation of the rows) in batches of at most `size`. With
        `same_length`, rows of one length, in their random order, fill whole batches of
        `size`; the rows left over (fewer than `size` of a length) are mixed into batches of
        their own, so there are as many batches as without grouping and none is tiny. The
        batches are shuffled with `generator`, the fit's own, so a resumed fit replays the
        same epochs."""
        if not self.same_length:
            return list(torch.split(order, size))
        device = order.device
        order = order.cpu()
        lengths = self.lengths.cpu()[order]
        by_length = torch.sort(lengths, stable=True).indices  # the random order within a length
        rows, lengths = order[by_length], lengths[by_length]
        cuts = torch.nonzero(lengths[1:] != lengths[:-1]).flatten() + 1
        whole, rest = [], []
        for group in torch.tensor_split(rows, cuts):
            filled = len(group) // size * size
            whole.extend(torch.split(group[:filled], size) if filled else ())
            rest.append(group[filled:])
        mixed = torch.cat(rest)
        mixed = mixed[torch.randperm(len(mixed), generator=generator)]
        batches = whole + (list(torch.split(mixed, size)) if len(mixed) else [])
        shuffled = torch.randperm(len(batches), generator=generator).tolist()
        return [batches[index].to(device) for index in shuffled]

    def fetch(self, rows: torch.Tensor) -> tuple[tuple[torch.Tensor, torch.Tensor],
                                                  torch.Tensor]:
        lengths = self.lengths[rows]
        longest = int(lengths.max())  # trim padding every sequence of the batch has
        return (self.values[rows, :longest], lengths), self.targets[rows]
