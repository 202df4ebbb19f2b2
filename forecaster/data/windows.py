"""Sliding windows as strided views: memory grows with the series, not with series × lookback.

A window is named by the position `t` of its first target: inputs are rows [t - lookback, t),
targets are target values [t, t + horizon). Only the rows of a batch are ever gathered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from forecaster.data.choices import WINDOW_NORMS, WindowNorm  # noqa: F401


def target_positions(start: int, stop: int, lookback: int, horizon: int) -> np.ndarray:
    """Positions t whose targets [t, t + horizon) lie in [start, stop) with a full input window."""
    first = max(start, lookback)
    last = stop - horizon
    return np.arange(first, last + 1) if last >= first else np.empty(0, dtype=np.int64)


@dataclass
class WindowBatches:
    """Batches of (inputs, targets) cut on demand from one scaled (time, columns) tensor.

    With `norm="last"` every window is expressed relative to its own last observed row, so the
    network learns changes rather than levels; `restore` adds that level back to predictions.
    """

    series: torch.Tensor  # (time, columns) scaled, target in column 0
    positions: torch.Tensor  # (windows,) first-target positions
    lookback: int
    horizon: int
    norm: WindowNorm = "last"
    season: int = 1  # norm "season": targets relative to the value one season before each
    known: torch.Tensor | None = None  # (time, known columns): inputs known at each target row

    def __post_init__(self) -> None:
        # Strided views, no copies: (time - lookback + 1, columns, lookback) and (.., horizon).
        self._inputs = self.series.unfold(0, self.lookback, 1)
        self._targets = self.series[:, 0].unfold(0, self.horizon, 1)
        self._known = None if self.known is None else self.known.unfold(0, self.horizon, 1)

    @classmethod
    def from_array(cls, scaled: np.ndarray, positions: np.ndarray, lookback: int, horizon: int,
                   norm: WindowNorm = "last", season: int = 1,
                   known: np.ndarray | None = None) -> WindowBatches:
        series = torch.from_numpy(np.ascontiguousarray(scaled, dtype=np.float32))
        steps = (None if known is None or known.shape[1] == 0 else
                 torch.from_numpy(np.ascontiguousarray(known, dtype=np.float32)))
        return cls(series, torch.as_tensor(positions, dtype=torch.long), lookback, horizon, norm,
                   season, steps)

    def __len__(self) -> int:
        return len(self.positions)

    def to(self, device: torch.device) -> WindowBatches:
        return WindowBatches(self.series.to(device), self.positions.to(device), self.lookback,
                             self.horizon, self.norm, self.season,
                             None if self.known is None else self.known.to(device))

    def inputs(self, rows: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """(batch, lookback, columns) inputs for the windows at `rows` of `positions`; with
        known inputs, also the (batch, horizon, known columns) values at the target rows."""
        t = self.positions[rows]
        x = self._inputs[t - self.lookback].transpose(1, 2)
        if self.norm != "none":
            x = x - x[:, -1:, :]
        if self._known is None:
            return x
        return x, self._known[t].transpose(1, 2)

    def levels(self, rows: torch.Tensor) -> torch.Tensor:
        """(batch, 1) or (batch, horizon) reference subtracted from the targets: the last
        observed target value ("last"), or for each step the latest value one whole number of
        seasons before it ("season": seasonal naive, never past the origin)."""
        t = self.positions[rows]
        if self.norm == "season" and self.season > 1:
            steps = torch.arange(1, self.horizon + 1, device=t.device)
            back = self.season * torch.ceil(steps / self.season).long()
            return self.series[t[:, None] + steps[None, :] - 1 - back[None, :], 0]
        if self.norm != "none":
            return self.series[t - 1, 0].unsqueeze(1)
        return torch.zeros(len(t), 1, dtype=self.series.dtype, device=self.series.device)

    def fetch(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(inputs, targets) of a batch; targets are (batch, horizon), relative like the inputs."""
        t = self.positions[rows]
        y = self._targets[t] - self.levels(rows)
        return self.inputs(rows), y

    def restore(self, rows: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
        """Scaled predictions from network outputs (undo the per-window normalisation)."""
        return outputs + self.levels(rows)
