"""Seconds per epoch of forecaster's fit loop against a plain PyTorch loop, in one process.

    .venv/bin/python benchmarks/epoch_overhead.py [--rounds 3] [--epochs 10] [--threads N]

Same data (GOOG Close, MinMax on the training rows, 750 training and 94 validation windows of
100 steps), same network shape (LSTM 1->50, 3 layers, Linear 50->1), Adam 1e-3, MSE, batch 64,
one validation pass per epoch. Variants, interleaved round by round (all warm, same process):

- plain: a hand-written loop over pre-built window tensors;
- plain + clip: the same with clip_grad_norm_(1.0) each step (forecaster's default);
- forecaster fit: `forecaster.training.fit` with the package's defaults (clip 1.0) through
  `Forecaster.fit_span`, window_norm "last" (the CLI default);
- forecaster fit, no clip: the same with clip_norm=None.

It isolates the per-epoch cost of the package's loop from imports and process start.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tutorial_vs_darts import (  # noqa: E402
    BATCH,
    HIDDEN,
    LAYERS,
    LOOKBACK,
    LR,
    _busy_seconds,
    load_close,
    split_rows,
    wait_for_idle,
)


def plain(epochs: int, clip: bool) -> float:
    torch.manual_seed(0)
    y = load_close()
    train_end, test_start = split_rows(len(y))
    lo, hi = y[:train_end].min(), y[:train_end].max()
    s = ((y - lo) / (hi - lo)).astype(np.float32)

    def windows(first: int, stop: int):
        idx = np.arange(max(first, LOOKBACK), stop)
        x = np.stack([s[t - LOOKBACK:t] for t in idx])[:, :, None]
        return torch.from_numpy(x), torch.from_numpy(s[idx, None])

    x_tr, y_tr = windows(0, train_end)
    x_va, y_va = windows(train_end, test_start)
    rnn, fc = nn.LSTM(1, HIDDEN, LAYERS, batch_first=True), nn.Linear(HIDDEN, 1)
    params = list(rnn.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params, lr=LR)
    t = time.perf_counter()
    for _ in range(epochs):
        for rows in torch.randperm(len(x_tr)).split(BATCH):
            opt.zero_grad()
            loss = nn.functional.mse_loss(fc(rnn(x_tr[rows])[0][:, -1]), y_tr[rows])
            loss.backward()
            if clip:
                nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        with torch.no_grad():
            float(nn.functional.mse_loss(fc(rnn(x_va)[0][:, -1]), y_va))
    return (time.perf_counter() - t) / epochs


def package(epochs: int, clip: bool) -> float:
    from forecaster import Forecaster, TrainConfig, load_series

    series = load_series(Path(__file__).resolve().parent.parent / "datasets" / "GOOG.csv",
                         target="Close")
    train_end, val_end = split_rows(len(series.frame))
    config = TrainConfig(epochs=epochs, patience=0, clip_norm=1.0 if clip else None,
                         device="cpu", progress="off")
    model = Forecaster(training=config).fit_span(series, train_end, val_end)
    return model.history_.seconds_per_epoch


VARIANTS = [("plain", lambda e: plain(e, False)), ("plain + clip", lambda e: plain(e, True)),
            ("forecaster fit", lambda e: package(e, True)),
            ("forecaster fit, no clip", lambda e: package(e, False))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for _, fn in VARIANTS:  # warm-up: first-call costs (dynamo import, allocator) out of the way
        fn(1)
    results: dict[str, list[float]] = {name: [] for name, _ in VARIANTS}
    others: list[float] = []
    for _ in range(args.rounds):
        for name, fn in VARIANTS:
            wait_for_idle(120, 0.15)
            b0, s0 = _busy_seconds()
            t = time.perf_counter()
            results[name].append(fn(args.epochs))
            wall = time.perf_counter() - t
            b1, s1 = _busy_seconds()
            others.append((b1 - b0 + s1 - s0) / wall)
    base = statistics.median(results["plain"])
    print(f"machine busy cores during each variant (ours included): "
          f"{[round(o, 2) for o in others]}")
    print(f"{'variant':<26}{'s/epoch median':>15}{'min':>8}{'max':>8}{'vs plain':>10}")
    for name, values in results.items():
        med = statistics.median(values)
        print(f"{name:<26}{med:>15.4f}{min(values):>8.4f}{max(values):>8.4f}"
              f"{med / base:>10.3f}")


if __name__ == "__main__":
    main()
