"""The one fit loop every estimator uses: batches, optimiser, early stopping, device, AMP.

A batch source is anything with ``len(source)`` samples and ``source.fetch(rows)`` returning
``(inputs, targets)``, where inputs is a tensor or a tuple of tensors passed to the model as
``model(*inputs)``. Sources live on the training device (``source.to(device)``), so a batch is
cut by indexing, without a DataLoader or a copy of the data set per epoch.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from forecaster.errors import ConfigError
from forecaster.training.checkpoint import Checkpoint
from forecaster.training.config import TrainConfig
from forecaster.training.monitor import Monitor, resolve_monitor
from forecaster.training.progress import Progress
from forecaster.training.reporting import RunReporter
from forecaster.training.signals import Terminated
from forecaster.training.threads import ThreadGovernor

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
MetricFn = Callable[[torch.Tensor, torch.Tensor], float]


class BatchSource(Protocol):
    def __len__(self) -> int: ...

    def fetch(self, rows: torch.Tensor) -> tuple[torch.Tensor | tuple[torch.Tensor, ...],
                                                 torch.Tensor]: ...

    def to(self, device: torch.device) -> BatchSource: ...


@dataclass(frozen=True)
class EpochRecord:
    """One finished epoch: its losses and validation metrics, recorded together so that an
    interruption can never leave one list a step longer than another."""

    epoch: int
    train_loss: float
    val_loss: float | None = None  # None: no validation set
    val_metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "train_loss": self.train_loss, "val_loss": self.val_loss,
                "val_metrics": dict(self.val_metrics)}


@dataclass
class History:
    """What happened during fit: one record per finished epoch, the epoch kept, and why
    training ended."""

    epochs: list[EpochRecord] = field(default_factory=list)
    best_epoch: int = 0
    train_samples: int = 0  # samples per training epoch (for throughput figures)
    resumed_from_epoch: int = 0  # > 0 when training went on from a checkpoint
    epochs_planned: int = 0
    patience: int = 0
    stopped_early: bool = False
    diverged: bool = False  # the loss became NaN or infinite; the best earlier epoch is kept
    interrupted: bool = False
    seconds: float = 0.0
    device: str = "cpu"
    amp: bool = False
    threads: list[int] = field(default_factory=list)  # CPU thread counts used, in order
    monitor: str = "loss"  # what chose the kept epoch: "loss" or "accuracy" (validation)

    @property
    def epochs_run(self) -> int:
        return len(self.epochs)

    @property
    def train_loss(self) -> list[float]:
        return [record.train_loss for record in self.epochs]

    @property
    def val_loss(self) -> list[float]:
        """Validation loss per epoch (empty when training had no validation set)."""
        return [record.val_loss for record in self.epochs if record.val_loss is not None]

    @property
    def val_metrics(self) -> dict[str, list[float]]:
        names = dict.fromkeys(name for record in self.epochs for name in record.val_metrics)
        return {name: [record.val_metrics[name] for record in self.epochs
                       if name in record.val_metrics] for name in names}

    @property
    def seconds_per_epoch(self) -> float:
        return self.seconds / max(self.epochs_run, 1)


def resolve_device(name: str) -> torch.device:
    """'auto' is CUDA when available, else CPU; asking for CUDA without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device='cuda' was asked for but no CUDA GPU is visible; use 'cpu' "
                          "or 'auto'.")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Make CPU runs repeatable: same seed, same threads, same result."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.learning_rate)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=config.learning_rate)
    return torch.optim.SGD(params, lr=config.learning_rate, momentum=0.9)


def _call(model: nn.Module, inputs) -> torch.Tensor:
    return model(*inputs) if isinstance(inputs, tuple) else model(inputs)


def _chunks(order: torch.Tensor, size: int):
    for start in range(0, len(order), size):
        yield order[start:start + size]


def _epoch_batches(train: BatchSource, order: torch.Tensor, size: int,
                   generator: torch.Generator) -> list[torch.Tensor]:
    """The epoch's batches of rows: `order` cut into `size`s, unless the source groups its own
    (`epoch_batches`, e.g. SequenceBatches of texts, one length per batch so none is packed)."""
    group = getattr(train, "epoch_batches", None)
    return group(order, size, generator) if group is not None else list(_chunks(order, size))


def evaluate_loss(model: nn.Module, source: BatchSource, loss_fn: LossFn, batch_size: int,
                  autocast, metrics: dict[str, MetricFn] | None = None
                  ) -> tuple[float, dict[str, float]]:
    """Mean loss (and metrics) of `model` over a source, in eval mode, without gradients."""
    model.eval()
    total, count = 0.0, 0
    outputs, targets = [], []
    with torch.no_grad(), autocast():
        rows = torch.arange(len(source), device=_device_of(source))
        for batch in _chunks(rows, max(batch_size, 1024)):
            inputs, target = source.fetch(batch)
            out = _call(model, inputs)
            total += float(loss_fn(out.float(), target)) * len(batch)
            count += len(batch)
            if metrics:
                outputs.append(out.float())
                targets.append(target)
    results = {}
    if metrics:
        out, tgt = torch.cat(outputs), torch.cat(targets)
        results = {name: float(fn(out, tgt)) for name, fn in metrics.items()}
    return total / max(count, 1), results


def _device_of(source: BatchSource) -> torch.device:
    device = getattr(source, "device", None)
    if device is not None:
        return device
    tensor = getattr(source, "series", None)
    return tensor.device if tensor is not None else torch.device("cpu")


def _follow_the_load(governor: ThreadGovernor, progress: Progress) -> None:
    """Between batches: fewer threads while other processes take cores, more when they leave."""
    changed = governor.tick()
    if changed is not None:
        progress.message(f"Other processes {'take' if changed < governor.used[-2] else 'left'} "
                         f"CPU cores: training goes on with {changed} thread"
                         f"{'' if changed == 1 else 's'}.")


def fit(model: nn.Module, train: BatchSource, val: BatchSource | None, loss_fn: LossFn,
        config: TrainConfig, metrics: dict[str, MetricFn] | None = None,
        reporter: RunReporter | None = None, checkpoint: Checkpoint | None = None
        ) -> History:
    """Train `model` in place and return its History; the best-validation weights are kept.

    `config.monitor` says what "best" means: the lowest validation loss, or the highest
    validation accuracy (ties: the lower loss), which needs an "accuracy" among `metrics`.
    Ctrl-C (and SIGTERM inside `training.signals.stop_signals`) stops training between
    batches and keeps the best model so far; before the first epoch ends it goes on up.
    `reporter` hears each epoch's losses (and `metrics` on the validation set). With
    `checkpoint`, the state is saved every `checkpoint.every` epochs and a matching saved state
    is resumed from.
    """
    reporter = reporter or RunReporter()
    seed_everything(config.seed)
    device = resolve_device(config.device)
    governor = ThreadGovernor(config.threads)
    governor.start()
    use_amp = config.amp and device.type == "cuda"
    autocast = ((lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if use_amp
                else nullcontext)
    model.to(device)
    train = train.to(device)
    val = val.to(device) if val is not None and len(val) > 0 else None
    optimizer = _optimizer(config, model.parameters())
    generator = torch.Generator(device="cpu").manual_seed(config.seed)
    epochs, patience = config.schedule(math.ceil(len(train) / config.batch_size))
    watch = resolve_monitor(config.monitor, metrics or {}, val is not None)
    monitor = Monitor(watch, config.min_delta)
    history = History(device=str(device), amp=use_amp, epochs_planned=epochs, patience=patience,
                      train_samples=len(train), threads=governor.used, monitor=watch)
    best_state = None
    first_epoch, seconds_before = 1, 0.0
    saved = checkpoint.load() if checkpoint is not None else None
    if saved is not None and "epochs" not in saved:  # written by an older version: start afresh
        saved = None
    if saved is not None:
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        generator.set_state(saved["generator"])
        torch.set_rng_state(saved["torch_rng"])
        best_state = saved["best_state"]
        history.epochs = [EpochRecord(**record) for record in saved["epochs"]]
        monitor = _resumed_monitor(watch, config.min_delta, history.epochs, saved["best_epoch"])
        history.best_epoch = monitor.best_epoch
        first_epoch, seconds_before = saved["epoch"] + 1, saved["seconds"]
        history.resumed_from_epoch = saved["epoch"]
    progress = Progress(epochs, config.progress, first_epoch=first_epoch)
    if saved is not None:
        progress.message(f"Resuming from the checkpoint of epoch {saved['epoch']}.")
    if config.monitor == "accuracy" and watch == "loss":
        progress.message("No validation cases, so no validation accuracy to watch "
                         "(monitor='accuracy'): the epoch kept is the one of the lowest "
                         "training loss.")
    started = time.perf_counter() - seconds_before
    try:
        for epoch in range(first_epoch, epochs + 1):
            model.train()
            order = torch.randperm(len(train), generator=generator).to(device)
            epoch_rows = _epoch_batches(train, order, config.batch_size, generator)
            running, seen = torch.zeros((), device=device), 0
            batches = len(epoch_rows)
            progress.start_epoch()
            for done, rows in enumerate(epoch_rows, start=1):
                inputs, target = train.fetch(rows)
                with autocast():
                    loss = loss_fn(_call(model, inputs).float(), target)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.clip_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
                optimizer.step()
                running += loss.detach() * len(rows)
                seen += len(rows)
                _follow_the_load(governor, progress)
                progress.batch(epoch, done, batches)
            train_loss = float(running) / max(seen, 1)
            if not math.isfinite(train_loss):
                _diverged(epoch, config, history, progress)
                break
            if val is not None:
                val_loss, val_scores = evaluate_loss(model, val, loss_fn, config.batch_size,
                                                     autocast, metrics)
            else:
                val_loss = train_loss
                val_scores = {}
            record = EpochRecord(epoch, train_loss, val_loss if val is not None else None,
                                 val_scores)
            history.epochs.append(record)
            reporter.epoch(epoch, {"train_loss": train_loss,
                                   **({"val_loss": val_loss} if val is not None else {}),
                                   **{f"val_{k}": v for k, v in val_scores.items()}})
            lowest = monitor.update(record)  # its weights are kept, however small the gain
            if lowest:
                history.best_epoch = epoch
                best_state = copy.deepcopy(model.state_dict())
            waited = monitor.waited
            progress.epoch(epoch, train_loss, val_loss if val is not None else None, lowest,
                           waited, patience,
                           val_scores["accuracy"] if watch == "accuracy" else None)
            stopping = bool(patience and waited >= patience)
            if checkpoint is not None and checkpoint.due(epoch) and not stopping:
                checkpoint.save({
                    "epoch": epoch, "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(), "generator": generator.get_state(),
                    "torch_rng": torch.get_rng_state(), "monitor": watch,
                    "best_state": best_state,
                    "epochs": [record.to_dict() for record in history.epochs],
                    "best_epoch": history.best_epoch,
                    "seconds": time.perf_counter() - started})
            if stopping:
                history.stopped_early = True
                progress.message(f"Early stopping: {monitor.describe()} for {patience} "
                                 f"epochs; keeping epoch {history.best_epoch}.")
                break
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM under training.signals
        history.interrupted = True
        by = f" by {stop.signal_name}" if isinstance(stop, Terminated) else ""
        if not history.epochs:  # nothing trained to keep: stop as asked, writing nothing
            progress.message(f"Interrupted{by} before the first epoch finished: nothing to "
                             f"keep.")
            raise
        progress.message(f"Interrupted{by}: keeping the best model so far (epoch "
                         f"{history.best_epoch} of {history.epochs_run} finished).")
    finally:
        progress.close()
        history.seconds = time.perf_counter() - started
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return history


def _resumed_monitor(watch: str, min_delta: float, records: list[EpochRecord],
                     kept_epoch: int) -> Monitor:
    """The monitor's state at the checkpoint, replayed from its epochs. A checkpoint written
    while another quantity was watched (one from before `monitor` existed watched the loss)
    holds the weights of ITS best epoch: that epoch stays the kept one until a later epoch
    beats it under the current rule."""
    monitor = Monitor.replay(watch, min_delta, records)
    if monitor.best_epoch != kept_epoch:
        scored = {record.epoch: monitor.score(record) for record in records}
        monitor.best_epoch = kept_epoch
        monitor.best = scored.get(kept_epoch, (math.inf, math.inf))
    return monitor


def _diverged(epoch: int, config: TrainConfig, history: History, progress: Progress) -> None:
    """A NaN or infinite training loss: keep the best epoch so far, or, with none, refuse
    (the weights are NaN, and every forecast from them would be too)."""
    history.diverged = True
    if not history.epochs:
        raise ConfigError(f"Training diverged in epoch {epoch}: the training loss became NaN or "
                          f"infinite before any epoch finished. Lower the learning rate "
                          f"(learning_rate={config.learning_rate}) or check the data for "
                          f"extreme values.")
    progress.message(f"Training diverged in epoch {epoch} (the loss became NaN or infinite); "
                     f"keeping epoch {history.best_epoch}.")
