"""Where the wall time of `forecaster train` goes, phase by phase (no profiler overhead).

    .venv/bin/python benchmarks/profile_train.py [--reps 3] [--epochs 20] [-- extra CLI args]

Each repetition is a fresh process that imports the heavy libraries one at a time (timed), then
runs the real CLI in-process (`forecaster.cli.main`) with timers wrapped around the steps of
`train_run`: loading the CSV, creating the optimiser, the training loop, evaluation (model
predictions and baselines), forecast, saving, plots. The package itself is not modified; the
timers are wrapped around its functions from the outside. Missing names are skipped, so the
script keeps working while the package changes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TAG = "@@PHASES@@"


def child(epochs: int, extra: list[str]) -> None:
    t_start = time.perf_counter()
    phases: dict[str, float] = {}

    def timed_import(label: str, statement: str) -> None:
        t = time.perf_counter()
        exec(statement, {})
        phases[label] = time.perf_counter() - t

    timed_import("import click + forecaster.cli", "import forecaster.cli")
    timed_import("import numpy", "import numpy")
    timed_import("import pandas", "import pandas")
    timed_import("import torch", "import torch")
    timed_import("import sklearn.preprocessing (MinMaxScaler)", "import sklearn.preprocessing")
    timed_import("import matplotlib.pyplot", "import matplotlib; matplotlib.use('Agg'); "
                 "import matplotlib.pyplot")
    timed_import("import forecaster modules (rest)", "import forecaster.forecasting.forecast_run; "
                 "import forecaster.forecasting.plots")
    timed_import("import statsmodels ExponentialSmoothing (lazy, in baselines)",
                 "from statsmodels.tsa.statespace.exponential_smoothing import "
                 "ExponentialSmoothing")
    timed_import("import sklearn.metrics (lazy, in metrics)", "import sklearn.metrics")

    import importlib

    import torch

    from forecaster.cli import main

    def wrap(places: list[tuple[str, str]], label: str) -> None:
        """Time calls of a function, patched wherever it is bound (module or class, name)."""
        found = []
        for where, name in places:
            module_name, _, cls = where.partition(":")
            try:
                owner = importlib.import_module(module_name)
            except ImportError:
                continue
            owner = getattr(owner, cls, None) if cls else owner
            if owner is not None and callable(getattr(owner, name, None)):
                found.append((owner, name))
        if not found:
            print(f"({label}: not found, not timed)", file=sys.stderr)
            return
        original = getattr(*found[0])

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                phases[label] = phases.get(label, 0.0) + time.perf_counter() - t

        for owner, name in found:
            setattr(owner, name, timed)

    fc = "forecaster.forecasting.forecaster:Forecaster"
    wrap([("forecaster.data", "load_series"), ("forecaster.data.csv_series", "load_series"),
          ("forecaster.cli.train", "load_series")], "load_series (read + validate CSV)")
    wrap([("forecaster.training.loop", "_optimizer")],
         "create optimiser (first Adam(): imports torch._dynamo)")
    wrap([(fc, "fit_span")], "fit_span (total)")
    wrap([(fc, "predict_positions")], "predict_positions (model, test span)")
    wrap([("forecaster.forecasting.baselines", "exp_smoothing")],
         "baseline: exponential smoothing fit + filter")
    wrap([(fc, "evaluate")], "evaluate (total: model + baselines + metrics)")
    wrap([(fc, "forecast")], "forecast (next step)")
    wrap([("forecaster.forecasting.report", "write_evaluation"),
          ("forecaster.forecasting.forecast_run", "write_evaluation")],
         "write metrics.json + predictions.csv")
    wrap([(fc, "save_into")], "save model (config.json + safetensors)")
    wrap([("forecaster.forecasting.plots", "plot_forecast"),
          ("forecaster.forecasting.forecast_run", "plot_forecast")], "plot.png")
    wrap([("forecaster.forecasting.plots", "plot_loss"),
          ("forecaster.forecasting.forecast_run", "plot_loss")], "loss.png")

    with tempfile.TemporaryDirectory() as tmp:
        argv = ["train", str(ROOT / "datasets" / "GOOG.csv"), "--target", "Close", "--epochs",
                str(epochs), "--patience", "0", "--quiet", "--no-tracking", "--out",
                f"{tmp}/run", *extra]
        t = time.perf_counter()
        main(argv, standalone_mode=False)
        phases["CLI command total (after imports)"] = time.perf_counter() - t
        metrics = json.loads(Path(f"{tmp}/run/metrics.json").read_text())
    phases["training loop (metrics.json training.seconds)"] = metrics["training"]["seconds"]
    phases["in-process total (after interpreter start)"] = time.perf_counter() - t_start
    print(TAG + json.dumps({"phases": phases, "threads": torch.get_num_threads()}), flush=True)


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("extra", nargs="*", help="Extra `forecaster train` arguments.")
    args = parser.parse_args()
    if args.child:
        child(args.epochs, args.extra)
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from tutorial_vs_darts import _busy_seconds, wait_for_idle

    runs = []
    for rep in range(args.reps):
        wait_for_idle(180, 0.15)
        b0, s0 = _busy_seconds()
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--child", "--epochs", str(args.epochs),
                               "--", *args.extra], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t
        b1, s1 = _busy_seconds()
        if proc.returncode:
            raise SystemExit(proc.stdout[-2000:] + proc.stderr[-3000:])
        payload = json.loads(next(line for line in proc.stdout.splitlines()
                                  if line.startswith(TAG))[len(TAG):])
        payload["phases"]["process wall (parent's clock)"] = wall
        payload["busy_cores"] = (b1 - b0 + s1 - s0) / wall
        runs.append(payload)
        print(f"rep {rep + 1}: wall {wall:.2f}s, machine busy {payload['busy_cores']:.2f} cores",
              file=sys.stderr, flush=True)
    names = list(runs[0]["phases"])
    width = max(map(len, names))
    print(f"{'phase (median of ' + str(args.reps) + ' fresh processes)':<{width}}  seconds  "
          f"min-max")
    for name in names:
        values = [r["phases"][name] for r in runs if name in r["phases"]]
        print(f"{name:<{width}}  {statistics.median(values):7.3f}  {min(values):.3f}-"
              f"{max(values):.3f}")
    print(f"torch threads: {runs[0]['threads']}")


if __name__ == "__main__":
    main_()
