"""Chronological train / validation / test split: the future never leaks into training."""

from __future__ import annotations

from dataclasses import dataclass

from forecaster.errors import ConfigError, DataError


@dataclass(frozen=True)
class Split:
    """Row positions: train [0, train_end), validation [train_end, val_end), test [val_end, n)."""

    n: int
    train_end: int
    val_end: int

    @property
    def test_start(self) -> int:
        return self.val_end


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 <= value < 1.0:
        raise ConfigError(f"{name} must be a fraction in [0, 1), got {value}.")


DEFAULT_SEASONS = 2  # a default lookback reads two seasons...
MIN_DEFAULT_LOOKBACK = 24  # ...and at least this many rows (a series without a season)


def default_lookback(train_rows: int, season: int, horizon: int) -> int:
    """The lookback chosen when none is given: two seasons (`season` rows each), at least
    24 rows and twice the horizon, capped at half of what the training rows leave after the
    horizon, so there are at least as many training windows as steps in each.

    A fixed 100 left a 176-row monthly series 8 training windows and refused a 100-row yearly
    one; this never asks more than a lookback of 1 would (the split checks with 1).

    >>> default_lookback(97, 12, 1), default_lookback(800, 5, 1), default_lookback(40, 1, 1)
    (24, 24, 20)
    """
    wanted = max(DEFAULT_SEASONS * season, MIN_DEFAULT_LOOKBACK, 2 * horizon)
    room = (train_rows - horizon + 1) // 2  # windows = train_rows - lookback - horizon + 1
    return max(1, min(wanted, room))


def chronological_split(n: int, *, test_size: float = 0.25, val_size: float = 0.1,
                        lookback: int | None = 1, horizon: int = 1) -> Split:
    """Cut the last `test_size` of rows for testing and the end of the rest for validation.

    `val_size` is a fraction of the training part (before the test span), at least `horizon`
    rows when it is not 0. Each part must hold at
    least one full window (`lookback` inputs before the first training target, `horizon` targets).
    `lookback` None: the default, chosen afterwards from the training rows (`default_lookback`),
    which fits wherever a lookback of 1 does, so the parts are checked with 1.
    """
    _check_fraction("test_size", test_size)
    _check_fraction("val_size", val_size)
    window = 1 if lookback is None else lookback
    problem = _too_short(n, test_size, val_size, window, horizon)
    if problem:
        need = max(n + 1, int((window + horizon + 1) / ((1 - test_size) * (1 - val_size))))
        need = _rows_needed(need, test_size, val_size, window, horizon)
        fixes = working_settings(n, test_size, val_size, window, horizon)
        remedy = (f"; or, keeping these {n} rows, change one setting: {', '.join(fixes)}"
                  if fixes else " (no single smaller setting fits these rows)")
        named = (f"lookback {lookback}" if lookback is not None else
                 "the default lookback (chosen from the series; 1 at the least)")
        raise DataError(
            f"The series has {n} rows: too short for {named} + horizon {horizon} with "
            f"test_size {test_size} and val_size {val_size}: {problem}. It needs about "
            f"{need if need < 10**9 else f'{need:.1e}'} "
            f"rows{remedy}."
        )
    train_end, val_end = _parts(n, test_size, val_size, horizon)
    return Split(n=n, train_end=train_end, val_end=val_end)


def _rows_needed(start: int, test_size: float, val_size: float, lookback: int,
                 horizon: int) -> int:
    """The fewest rows from `start` on that fit, found by doubling then halving: counting up
    one row at a time never ended for --test-size 1e-300 (it needs about 1e300 rows)."""
    low, high = start - 1, start
    while _too_short(high, test_size, val_size, lookback, horizon):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _too_short(middle, test_size, val_size, lookback,
                                                 horizon) else (low, middle)
    return high


def _parts(n: int, test_size: float, val_size: float, horizon: int = 1) -> tuple[int, int]:
    """(train_end, val_end) for n rows. A validation part (val_size > 0) holds at least one
    horizon of rows: 10 % of a 108-row monthly history is 11 rows, no window for 12 steps."""
    fit_rows = n - round(n * test_size)
    val_rows = max(round(fit_rows * val_size), horizon) if val_size > 0 else 0
    return fit_rows - val_rows, fit_rows


def _too_short(n: int, test_size: float, val_size: float, lookback: int, horizon: int) -> str:
    """Why n rows cannot hold the windows of each part ('' when they can)."""
    train_end, val_end = _parts(n, test_size, val_size, horizon)
    needed_train = lookback + horizon + 1
    if train_end < needed_train:
        return (f"the training part would have {train_end} rows, it needs at least "
                f"{needed_train}")
    if val_size > 0 and val_end - train_end < horizon:
        return (f"the validation part would have {val_end - train_end} rows, it needs at least "
                f"{horizon} (the horizon)")
    if test_size > 0 and n - val_end < horizon:
        return (f"the test part would have {n - val_end} rows, it needs at least {horizon} "
                f"(the horizon)")
    return ""


def _fits(n: int, test_size: float, val_size: float, lookback: int, horizon: int) -> bool:
    return not _too_short(n, test_size, val_size, lookback, horizon)


def working_settings(n: int, test_size: float, val_size: float, lookback: int,
                     horizon: int) -> list[str]:
    """Each single change that makes `n` rows fit, as a CLI option with a value that was
    checked: the largest --lookback and --horizon below the current ones, and the nearest
    --val-size and --test-size (two decimals; validation is never switched off)."""
    fixes = []
    smaller = next((v for v in range(lookback - 1, 0, -1)
                    if _fits(n, test_size, val_size, v, horizon)), None)
    if smaller is not None:
        fixes.append(f"--lookback {smaller}")
    shorter = next((h for h in range(horizon - 1, 0, -1)
                    if _fits(n, test_size, val_size, lookback, h)), None)
    if shorter is not None:
        fixes.append(f"--horizon {shorter}")
    for name, current, check in (
            ("--val-size", val_size, lambda v: _fits(n, test_size, v, lookback, horizon)),
            ("--test-size", test_size, lambda v: _fits(n, v, val_size, lookback, horizon))):
        if current == 0:
            continue  # a part switched off stays off
        grid = sorted((k / 100 for k in range(1, 100)), key=lambda v: (abs(v - current), v))
        value = next((v for v in grid if v != current and check(v)), None)
        if value is not None:
            fixes.append(f"{name} {value:g}")
    return fixes
