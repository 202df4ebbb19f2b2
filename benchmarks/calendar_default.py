"""Should `--calendar auto` be the default? The default model with and without calendar inputs,
and with the same calendar one-hot encoded instead of as sine/cosine pairs, on the sub-monthly
series of the accuracy collection (issue 13).

    .venv-bench/bin/python benchmarks/calendar_default.py [--only co2,elec,goog,gafa]
        [--variants none,auto,onehot] [--refresh auto,...] [--threads 1] [--markdown]

The series, their season m, horizon h, test span and origins are those of
`benchmarks/forecast_accuracy.py` (imported from it, so the points are the same), and so are the
scores (MASE, sMAPE, RMSE over the windows at the origins). Each variant is the real CLI with its
defaults plus:

- none: `--calendar none` (the default today);
- auto: `--calendar auto` (the features `forecaster.data.calendar.auto_calendar` chooses for the
  series' frequency, as sine/cosine pairs);
- onehot: the same features one-hot encoded (hour: 24 columns, day of week: 7, week of year: 53;
  day of year, 366 columns, is replaced by the month's 12), written into a copy of the CSV and
  given as `--future-features` with `--calendar none --combine theta` (future-known columns would
  otherwise switch the Theta combination off, which is not what is measured here).

Seasonal naive (season m) is printed beside them from the same windows. Results are cached per
(variant, series) in benchmarks/.cache/calendar_default/ (git-ignored), keyed by the data and
the variant's options; `--refresh` re-runs the named variants after a code change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import forecast_accuracy as fa  # noqa: E402  (the collection, its points and scores)

from forecaster.data.calendar import auto_calendar  # noqa: E402

CACHE = fa.ROOT / "benchmarks" / ".cache" / "calendar_default"
VARIANTS = {"none": ["--calendar", "none"], "auto": ["--calendar", "auto"],
            "onehot": ["--calendar", "none", "--combine", "theta"]}
# the pandas frequency each series' dates carry (what `forecaster train` infers and prints)
FREQUENCY = {"weekly": "W", "half-hourly": "30min", "trading days": "B", "daily": "D"}
ONE_HOT_SIZES = {"hour": 24, "day_of_week": 7, "week_of_year": 53, "month": 12}


def one_hot_calendar(dates: pd.Series, frequency: str) -> pd.DataFrame:
    """0/1 columns of the features auto chooses at this frequency (day of year -> month)."""
    index = pd.DatetimeIndex(fa._parse_dates(dates))
    features = [("month" if f == "day_of_year" else f) for f in auto_calendar(frequency)]
    values = {"hour": index.hour, "day_of_week": index.day_of_week,
              "week_of_year": index.isocalendar().week.to_numpy() - 1, "month": index.month - 1}
    columns = {}
    for feature in features:
        codes = np.asarray(values[feature])
        for code in range(ONE_HOT_SIZES[feature]):
            columns[f"{feature}_{code}"] = (codes == code).astype(np.float64)
    return pd.DataFrame(columns)


def run_variant(s: fa.Series, variant: str, threads: int, workdir: Path) -> dict:
    """One `forecaster train` of the variant; the windows at the origins, as forecast_accuracy."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    csv, extra = s.csv, list(VARIANTS[variant])
    if variant == "onehot":
        hot = one_hot_calendar(s.frame[s.date_column], FREQUENCY[s.frequency])
        frame = pd.concat([s.frame[[s.date_column, *s.targets]].reset_index(drop=True), hot],
                          axis=1)
        csv = workdir / "onehot.csv"
        csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(csv, index=False)
        extra += ["--future-features", ",".join(hot.columns)]
    target = s.targets[0]
    out = workdir / "run"
    command = [fa.FORECASTER, "train", str(csv), "--target", target, "--date-column",
               s.date_column, "--horizon", str(s.horizon), "--season", str(s.season),
               "--out", str(out), "--overwrite", "--json", "--no-tracking", *extra]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=fa.ROOT)
    wall = time.perf_counter() - start
    shown = fa._shown(command)
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"error": f"exit {done.returncode}: {message}", "command": shown}
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    fa._check_test_start(s, metrics["data"])
    predictions = pd.read_csv(out / "predictions.csv")
    return {"windows": fa._origin_windows(s, target, predictions),
            "seconds": wall, "command": shown,
            "calendar": metrics.get("model", {}).get("calendar")}


def result_of(s: fa.Series, variant: str, refresh: bool, threads: int) -> dict:
    """The cached run of (variant, series), or a fresh one."""
    key = hashlib.sha256(f"{s.key()}|{VARIANTS[variant]}".encode()).hexdigest()[:16]
    path = CACHE / variant / f"{s.name}.json"
    if path.exists() and not refresh:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == key:
            print(f"[{variant}] {s.name}: cached", file=sys.stderr)
            return cached
    print(f"[{variant}] {s.name}: running ...", file=sys.stderr, flush=True)
    result = run_variant(s, variant, threads, CACHE / "work" / variant / s.name)
    result["key"] = key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result), encoding="utf-8")
    took = result.get("error") or f"{result['seconds']:.0f} s"
    print(f"[{variant}] {s.name}: {took}", file=sys.stderr, flush=True)
    return result


def seasonal_naive(s: fa.Series) -> list[list[float]]:
    """The last season's values repeated, from each origin (the reference of the collection)."""
    y, m, h = s.values(s.targets[0]), s.season, s.horizon
    return [[y[o - m + (j % m)] for j in range(h)] for o in s.origins]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="co2,elec,goog,gafa",
                        help="series of forecast_accuracy.py (sub-monthly ones)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated: {', '.join(VARIANTS)}")
    parser.add_argument("--refresh", default="", help="variants to re-run although cached")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per run")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    variants = [v for v in args.variants.split(",") if v]
    refresh = {v for v in args.refresh.split(",") if v}
    for name in [*variants, *refresh]:
        if name not in VARIANTS:
            parser.error(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}")
    chosen = fa.select(fa.load_all(), args.only)
    rows, relative = [], {v: [] for v in variants}
    for s in chosen:
        y = s.values(s.targets[0])
        naive = fa.scores(y, s, seasonal_naive(s))["mase"]
        row = [s.name, f"{naive:.3f}"]
        for variant in variants:
            result = result_of(s, variant, variant in refresh, args.threads)
            if "error" in result:
                row.append("error")
                print(f"{variant} on {s.name}: {result['error']}", file=sys.stderr)
                continue
            mase = fa.scores(y, s, result["windows"])["mase"]
            relative[variant].append(mase / naive)
            row.append(f"{mase:.3f}")
        rows.append(row)
    rows.append(["geometric mean / seasonal naive", "1.000"] + [
        f"{float(np.exp(np.mean(np.log(r)))):.3f}" if len(r) == len(chosen) else "—"
        for r in relative.values()])
    print(fa._table(["series", "SeasonalNaive"] + [f"calendar {v}" for v in variants], rows,
                    args.markdown))


if __name__ == "__main__":
    main()
