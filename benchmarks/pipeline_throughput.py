"""Batch-job throughput: series per minute of a per-series `forecaster run` job with 1 and 2
workers, beside the same work done with darts' `BlockRNNModel` in a plain Python loop.

The series: N consecutive, non-overlapping windows of R rows of `datasets/vic_elec.csv`
(half-hourly electricity demand in Victoria; R = 480 rows = 10 days), written by the script to a
temporary folder as `series/series_000.csv`, ... (columns Time, Demand, Temperature; the job
matches them with the glob `data.path: series/*.csv`), or with `--layout long` as one long-format
file with an id column. The target is Demand; Temperature is in the files but not used.

Each series, in both tools: a 1-layer GRU (or LSTM) of `--hidden` units, lookback 48, horizon 1,
batch 64, Adam lr 1e-3, gradient-norm clipping 1.0, exactly `--epochs` epochs (no early
stopping), chronological split (last 20 % of rows = test, last 10 % of the rest = validation,
one validation pass per epoch), seed 0, CPU; then one-step predictions over the test part.

    .venv/bin/python benchmarks/pipeline_throughput.py [--series 100] [--epochs 50] [--reps 1]
                                                        [--markdown] [--json results.json]

What runs, as a user would run it (each a fresh process; reps interleaved, medians reported):
- `python -m forecaster run JOB.yaml --workers W --no-tracking --log-format json` for each W in
  `--workers` (default 1,2), each into a fresh output directory (nothing skipped);
- a Python process (this script's `--child darts`) that imports darts and loops over the same
  files: read the CSV, fit darts' `Scaler` (MinMax) on the training part, `BlockRNNModel.fit`
  with the validation part, `historical_forecasts(retrain=False)` over the test part, RMSE;
- the same `forecaster run` again on the workers=1 output: every series skipped (the cost of an
  idempotent re-run);
- (`--phase-series K`, default 5) a process that runs the job's per-series function
  (`forecaster.pipeline.work.run_series`) on K series with timers wrapped around its steps from
  the outside: where the per-series time goes that is not the training loop.

The script is also its own child: `--child NAME ...` runs one measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "datasets" / "vic_elec.csv"
TAG = "@@BENCH@@"
LOOKBACK, HORIZON, BATCH, LR, CLIP = 48, 1, 64, 1e-3, 1.0
TEST_SIZE, VAL_SIZE = 0.2, 0.1
JOB_NAME = "throughput_bench"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tutorial_vs_darts import _busy_seconds, wait_for_idle  # noqa: E402


def emit(payload: dict) -> None:
    print(TAG + json.dumps(payload), flush=True)


def split_rows(n: int) -> tuple[int, int]:
    """(train_end, val_end) exactly as forecaster's chronological_split computes them."""
    fit_rows = n - round(n * TEST_SIZE)
    return fit_rows - round(fit_rows * VAL_SIZE), fit_rows


# --------------------------------------------------------------------------- data and job file
def make_data(work: Path, n_series: int, rows: int, layout: str) -> tuple[str, str]:
    """Write the series; returns (data.path for the job file, a description)."""
    import pandas as pd

    frame = pd.read_csv(DATA, usecols=["Time", "Demand", "Temperature"])
    available = len(frame) // rows
    if n_series > available:
        raise SystemExit(f"{DATA.name} has {len(frame)} rows: at most {available} windows of "
                         f"{rows} rows (use a smaller --rows or --series).")
    names = [f"series_{i:03d}" for i in range(n_series)]
    parts = [frame.iloc[i * rows:(i + 1) * rows] for i in range(n_series)]
    if layout == "files":
        folder = work / "series"
        folder.mkdir()
        for name, part in zip(names, parts, strict=True):
            part.to_csv(folder / f"{name}.csv", index=False)
        path = "series/*.csv"
        where = f"{folder}/series_NNN.csv, one file per series (data.path: {path})"
    else:
        long = pd.concat([part.assign(series=name) for name, part in zip(names, parts,
                                                                         strict=True)])
        long = long[["series", "Time", "Demand", "Temperature"]]
        long.to_csv(work / "series_long.csv", index=False)
        path = "series_long.csv"
        where = f"{work}/series_long.csv, long format, id column 'series'"
    last = parts[-1]["Time"].iloc[-1]
    text = (f"{n_series} series: consecutive non-overlapping windows of {rows} rows "
            f"({rows / 48:g} days of half-hours) of datasets/vic_elec.csv, rows 0-"
            f"{n_series * rows - 1} ({parts[0]['Time'].iloc[0]} to {last}); target Demand "
            f"(MW), Temperature present but unused; written to {where}")
    return path, text


def write_job(work: Path, data_path: str, args: argparse.Namespace) -> Path:
    import yaml

    data: dict = {"path": data_path, "date_column": "Time", "targets": ["Demand"],
                  "features": []}
    if args.layout == "long":
        data["id_column"] = "series"
    job = {
        "name": JOB_NAME,
        "task": "forecast",
        "data": data,
        "mode": "per-series",
        "split": {"test_size": TEST_SIZE, "val_size": VAL_SIZE},
        "preprocessing": {"lookback": LOOKBACK, "horizon": HORIZON},
        "model": {"cell": args.cell, "hidden_size": args.hidden, "num_layers": 1,
                  "dropout": 0.0},
        "training": {"epochs": args.epochs, "batch_size": BATCH, "learning_rate": LR,
                     "optimizer": "adam", "patience": 0, "clip_norm": CLIP, "seed": 0,
                     "device": "cpu"},
        "tracking": {"enabled": False},
        "output": {"dir": "out", "checkpoint_every": 1},  # the per-epoch default
        "execution": {"executor": "local", "workers": 1},
    }
    path = work / "job.yaml"
    path.write_text(yaml.safe_dump(job, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- child: darts loop
def child_darts(work: Path, epochs: int, hidden: int, cell: str, layout: str) -> None:
    t0 = time.perf_counter()
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel

    import_s = time.perf_counter() - t0
    import logging
    import warnings

    import numpy as np
    import pandas as pd
    import torch

    warnings.filterwarnings("ignore")
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch", "darts"):
        logging.getLogger(name).setLevel(logging.ERROR)
    emit({"event": "imported", "import_s": import_s, "threads": torch.get_num_threads()})

    if layout == "files":
        sources = [(path.stem, path) for path in sorted((work / "series").glob("*.csv"))]
        long = None
    else:
        long = pd.read_csv(work / "series_long.csv")
        sources = [(name, None) for name in long["series"].unique()]
    for name, path in sources:
        emit({"event": "series_started", "series": name})
        started = time.perf_counter()
        frame = pd.read_csv(path) if path is not None else long[long["series"] == name]
        y = frame["Demand"].to_numpy(dtype=np.float32)
        n = len(y)
        train_end, val_end = split_rows(n)
        series = TimeSeries.from_values(y)
        scaler = Scaler()  # MinMaxScaler(0, 1) by default, fitted on the training part only
        scaler.fit(series[:train_end])
        scaled = scaler.transform(series)
        model = BlockRNNModel(
            input_chunk_length=LOOKBACK, output_chunk_length=HORIZON, model=cell.upper(),
            hidden_dim=hidden, n_rnn_layers=1, dropout=0.0, batch_size=BATCH, n_epochs=epochs,
            optimizer_kwargs={"lr": LR}, random_state=0, work_dir=str(work / "darts_work"),
            pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                               "enable_model_summary": False, "logger": False,
                               "enable_checkpointing": False, "gradient_clip_val": CLIP})
        t = time.perf_counter()
        model.fit(scaled[:train_end], val_series=scaled[train_end - LOOKBACK:val_end],
                  verbose=False)
        fit_s = time.perf_counter() - t
        forecasts = model.historical_forecasts(
            scaled, start=val_end, start_format="position", forecast_horizon=1, stride=1,
            retrain=False, last_points_only=True, verbose=False, show_warnings=False)
        pred = scaler.inverse_transform(forecasts).values()[:, 0].astype(np.float64)
        truth = y[val_end:].astype(np.float64)
        assert len(pred) == len(truth), (len(pred), len(truth))
        emit({"event": "series_done", "series": name,
              "seconds": time.perf_counter() - started, "fit_seconds": fit_s,
              "rmse": float(np.sqrt(np.mean((pred - truth) ** 2))),
              "threads": torch.get_num_threads()})


# --------------------------------------------------------------------------- child: phases
def child_phases(job: Path, out: Path, count: int, n_series: int, threads: int) -> None:
    """run_series on `count` series in one fresh process, timers wrapped around its steps,
    with `threads` torch threads (as a job's worker would have)."""
    t_start = time.perf_counter()
    imports: dict[str, float] = {}

    def timed_import(label: str, statement: str) -> None:
        t = time.perf_counter()
        exec(statement, {})
        imports[label] = time.perf_counter() - t

    timed_import("import forecaster.cli (click, the CLI's start)", "import forecaster.cli")
    timed_import("import torch", "import torch")
    timed_import("import pandas", "import pandas")
    timed_import("import forecaster.pipeline runner + work",
                 "import forecaster.pipeline.job, forecaster.pipeline.work")
    timed_import("import forecaster.forecasting.forecast_run (scikit-learn for MinMaxScaler, ...)",
                 "import forecaster.forecasting.forecast_run")
    timed_import("import forecaster.forecasting.plots (matplotlib; lazy: first series)",
                 "import forecaster.forecasting.plots")
    timed_import("import statsmodels ExponentialSmoothing (lazy: first series)",
                 "from statsmodels.tsa.statespace.exponential_smoothing import "
                 "ExponentialSmoothing")
    imports["all imports"] = time.perf_counter() - t_start

    import importlib

    import torch

    from forecaster.pipeline.job import SERIES_DIR, WORK_DIR, _series_key
    from forecaster.pipeline.schema import load_pipeline
    from forecaster.pipeline.series import expand_series
    from forecaster.pipeline.work import SeriesTask, run_series

    current: dict[str, float] = {}
    missing: list[str] = []

    def wrap(places: list[tuple[str, str]], label: str) -> None:
        """Time calls of a function wherever it is bound (module or module:Class, name)."""
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
            missing.append(label)
            return
        original = getattr(*found[0])

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                current[label] = current.get(label, 0.0) + time.perf_counter() - t

        for owner, name in found:
            setattr(owner, name, timed)

    fc = "forecaster.forecasting.forecaster:Forecaster"
    run = "forecaster.forecasting.forecast_run"
    plots = "forecaster.forecasting.plots"
    wrap([("forecaster.pipeline.series", "load_series_of")],
         "load_series_of (read + validate the CSV)")
    wrap([(fc, "fit_span")], "fit_span (total)")
    wrap([("forecaster.training.loop", "_optimizer")],
         "  create optimiser (first Adam(): imports torch._dynamo)")
    wrap([("forecaster.training.checkpoint:Checkpoint", "save")],
         "  per-epoch checkpoint saves (all epochs)")
    wrap([(fc, "evaluate")], "evaluate (model + baselines + metrics)")
    wrap([("forecaster.forecasting.baselines", "exp_smoothing")],
         "  baseline: exponential smoothing")
    wrap([(fc, "forecast")], "forecast (next step)")
    wrap([(fc, "save_into")], "save model")
    wrap([(run, "write_evaluation")], "write metrics.json + predictions.csv")
    wrap([(run, "write_forecast")], "write forecast.csv")
    wrap([(run, "history_tail")], "history tail (serving example)")
    wrap([(run, "model_card")], "model card")
    wrap([(plots, "plot_forecast")], "plot.png")
    wrap([(plots, "plot_loss")], "loss.png")
    wrap([("forecaster.training.checkpoint:Checkpoint", "clear")], "remove checkpoint")

    pipeline = load_pipeline(job, [f"output.dir={out}"])
    specs = expand_series(pipeline)[:count]
    per_series = []
    for spec in specs:
        current.clear()
        t = time.perf_counter()
        key = _series_key(pipeline, spec)  # the runner's planning step, once per series
        key_s = time.perf_counter() - t
        run_dir = out / SERIES_DIR / spec.slug
        task = SeriesTask(pipeline, spec, key, run_dir,
                          out / WORK_DIR / spec.slug / "checkpoint.pt", threads=threads,
                          progress="off")
        t = time.perf_counter()
        outcome = run_series(task)
        total = time.perf_counter() - t
        if outcome.status != "done":
            raise SystemExit(f"{spec.series_id}: {outcome.reason}")
        metrics = json.loads((run_dir / "metrics.json").read_text())
        fit_loop = metrics["training"]["seconds"]
        timed = dict(current)
        timed["  training loop (metrics.json training.seconds)"] = fit_loop
        timed["run_series total"] = total
        timed["planning: series key (read CSV + hash; runner, before the job)"] = key_s
        per_series.append(timed)

    # the runner rewrites the whole manifest (JSON + fsync + rename) twice per series
    from forecaster.pipeline.manifest import Manifest

    manifest = Manifest(str(job), "0" * 64, "0" * 64)
    for i in range(n_series):
        record = manifest.record(f"series_{i:03d}")
        record.status, record.key, record.metrics = "done", "0" * 64, {"rmse": 1.0}
        record.run_dir = str(out / SERIES_DIR / f"series_{i:03d}")
    saves = []
    for _ in range(5):
        t = time.perf_counter()
        manifest.save(out)
        saves.append(time.perf_counter() - t)
    emit({"imports": imports, "series": per_series, "missing": missing,
          "manifest_save_s": statistics.median(saves), "manifest_records": n_series,
          "threads": torch.get_num_threads()})


# --------------------------------------------------------------------------- parent: measuring
def run_process(cmd: list[str], cwd: Path, log: Path) -> dict:
    """Run `cmd`; every stdout line is time-stamped (seconds since launch) as it arrives.
    Returns wall seconds, the lines, the process tree's CPU seconds (os.wait4) and the cores
    the rest of the machine used meanwhile."""
    busy0, steal0 = _busy_seconds()
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=err, text=True,
                                bufsize=1)
        lines = []
        for line in proc.stdout:
            lines.append((time.perf_counter() - t0, line.rstrip("\n")))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    busy1, steal1 = _busy_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    cpu = usage.ru_utime + usage.ru_stime
    other = max(busy1 - busy0 - cpu, 0.0) + (steal1 - steal0)
    return {"wall_s": wall, "lines": lines, "cpu_s": cpu, "other_cores": other / wall,
            "returncode": proc.returncode, "rss_mib": usage.ru_maxrss / 1024}


def _fail(what: str, result: dict, log: Path) -> None:
    tail = "\n".join(line for _, line in result["lines"][-20:])
    raise SystemExit(f"{what} failed (exit code {result['returncode']}):\n{tail}\n"
                     f"{log.read_text(errors='replace')[-3000:]}")


def forecaster_job(job: Path, out: Path, workers: int, args: argparse.Namespace,
                   log: Path, rerun: bool = False) -> dict:
    if not rerun:
        shutil.rmtree(out, ignore_errors=True)
    if args.idle_wait:
        wait_for_idle(args.idle_wait, args.contention)
    cmd = [sys.executable, "-m", "forecaster", "run", str(job), "--workers", str(workers),
           "--no-tracking", "--log-format", "json", "--set", f"output.dir={out}"]
    result = run_process(cmd, job.parent, log)
    events = []
    for at, line in result["lines"]:
        if line.startswith("{"):
            events.append((at, json.loads(line)))
    if result["returncode"] != 0:
        _fail(" ".join(cmd), result, log)
    first = {name: next((at for at, e in events if e["event"] == name), None)
             for name in ("job_started", "series_started", "job_finished")}
    done = [(at, e) for at, e in events if e["event"] == "series_done"]
    skipped = [e for _, e in events if e["event"] == "series_skipped"]
    if rerun:
        if len(skipped) != args.series or done:
            _fail(f"re-run: {len(skipped)} skipped, {len(done)} done of {args.series}", result,
                  log)
    elif len(done) != args.series:
        _fail(f"{len(done)} of {args.series} series done", result, log)
    row = {"wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
           "other_cores": result["other_cores"], "rss_mib": result["rss_mib"],
           "workers": workers, "series": args.series,
           "to_job_started_s": first["job_started"],
           "to_first_series_started_s": first["series_started"],
           "to_job_finished_s": first["job_finished"]}
    if rerun:
        row["check_s"] = first["job_finished"] - first["job_started"]
        return row
    fits, threads, epochs_run = [], set(), set()
    for run_dir in sorted((out / "series").iterdir()):
        training = json.loads((run_dir / "metrics.json").read_text())["training"]
        fits.append(training["seconds"])
        threads.add(tuple(training.get("threads_used") or ()))
        epochs_run.add(training["epochs_run"])
    if epochs_run != {args.epochs}:
        raise SystemExit(f"epochs run {epochs_run}, expected {args.epochs}")
    seconds = [e["seconds"] for _, e in done]
    starts = sorted(at - e["seconds"] for at, e in done)  # when run_series began, per series
    by_start = sorted(done, key=lambda item: item[0] - item[1]["seconds"])
    first_per_worker = [e["seconds"] for _, e in by_start[:workers]]
    rest = [e["seconds"] for _, e in by_start[workers:]]
    last_done = max(at for at, _ in done)
    row.update({
        "threads": sorted(threads),
        "series_sum_s": sum(seconds), "fit_sum_s": sum(fits),
        "series_mean_s": statistics.mean(seconds), "fit_mean_s": statistics.mean(fits),
        "other_mean_s": (sum(seconds) - sum(fits)) / len(seconds),
        "first_start_s": starts[0],
        "worker_first_starts_s": starts[:workers],
        "worker_start_s": starts[min(workers, len(starts)) - 1] - first["series_started"],
        "first_series_per_worker_s": statistics.mean(first_per_worker),
        "later_series_median_s": statistics.median(rest) if rest else None,
        "gaps_worker_s": workers * (last_done - starts[0]) - sum(seconds),
        "finish_s": result["wall_s"] - last_done,
        "done_to_finished_s": first["job_finished"] - last_done,
        "exit_s": result["wall_s"] - first["job_finished"],
        "plan_s": first["series_started"] - first["job_started"],
        "rmse_mean": statistics.mean(e["rmse"] for _, e in done),
    })
    return row


def darts_loop(work: Path, args: argparse.Namespace, log: Path) -> dict:
    if args.idle_wait:
        wait_for_idle(args.idle_wait, args.contention)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "darts", str(work),
           str(args.epochs), str(args.hidden), args.cell, args.layout]
    result = run_process(cmd, work, log)
    if result["returncode"] != 0:
        _fail("darts loop", result, log)
    events = [(at, json.loads(line[len(TAG):])) for at, line in result["lines"]
              if line.startswith(TAG)]
    imported = next((at, e) for at, e in events if e["event"] == "imported")
    starts = [at for at, e in events if e["event"] == "series_started"]
    done = [(at, e) for at, e in events if e["event"] == "series_done"]
    if len(done) != args.series:
        _fail(f"darts: {len(done)} of {args.series} series", result, log)
    seconds = [e["seconds"] for _, e in done]
    fits = [e["fit_seconds"] for _, e in done]
    last_done = max(at for at, _ in done)
    return {"wall_s": result["wall_s"], "cpu_s": result["cpu_s"],
            "other_cores": result["other_cores"], "rss_mib": result["rss_mib"],
            "workers": 1, "series": args.series, "threads": sorted({e["threads"]
                                                                     for _, e in done}),
            "to_job_started_s": imported[0], "import_s": imported[1]["import_s"],
            "first_start_s": starts[0], "series_sum_s": sum(seconds), "fit_sum_s": sum(fits),
            "series_mean_s": statistics.mean(seconds), "fit_mean_s": statistics.mean(fits),
            "other_mean_s": (sum(seconds) - sum(fits)) / len(seconds),
            "first_series_per_worker_s": seconds[0],
            "later_series_median_s": statistics.median(seconds[1:]) if seconds[1:] else None,
            "gaps_worker_s": (last_done - starts[0]) - sum(seconds),
            "finish_s": result["wall_s"] - last_done,
            "rmse_mean": statistics.mean(e["rmse"] for _, e in done)}


def phases(job: Path, work: Path, args: argparse.Namespace, threads: int, log: Path) -> dict:
    if args.idle_wait:
        wait_for_idle(args.idle_wait, args.contention)
    out = work / "out-phases"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "phases", str(job),
           str(out), str(args.phase_series), str(args.series), str(threads)]
    result = run_process(cmd, work, log)
    if result["returncode"] != 0:
        _fail("phases", result, log)
    payload = json.loads(next(line for _, line in result["lines"] if line.startswith(TAG))
                         [len(TAG):])
    payload["other_cores"] = result["other_cores"]
    payload["wall_s"] = result["wall_s"]
    return payload


# --------------------------------------------------------------------------- parent: reporting
def stats(values: list[float]) -> tuple[float, float, float] | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt_stat(stat: tuple[float, float, float] | None, spec: str) -> str:
    if stat is None:
        return "-"
    med, lo, hi = stat
    if lo == hi or spec == "{:.0f}" and f"{lo:.0f}" == f"{hi:.0f}":
        return spec.format(med)
    return f"{spec.format(med)} ({spec.format(lo)}-{spec.format(hi)})"


def render(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([line.format(*header), line.format(*("-" * w for w in widths))]
                     + [line.format(*r) for r in rows])


def method_label(key: str) -> str:
    if key == "darts":
        return "darts BlockRNNModel, plain loop"
    if key == "rerun":
        return "forecaster run again (all skipped)"
    return "forecaster run"


LEGEND = """
wall s: launch of the process to its exit (`python -m forecaster run ...`; darts: the loop script).
series/min: 60 x series / wall s.
s to first series start: launch to the start of the first series' own work (forecaster: the time
  its series_done event arrived minus its `seconds`; darts: the loop's first iteration).
training share: sum of the training loops' seconds (forecaster: metrics.json training.seconds;
  darts: model.fit()) / (workers x wall s): the part of the job's CPU slots spent training.
"""


def main_table(reps: list[dict], keys: list[str], markdown: bool) -> str:
    header = ["method", "workers", "torch threads", "series", "wall s", "series/min",
              "s to first series start", "training share"]
    rows = []
    for key in keys:
        runs = [rep[key] for rep in reps]
        first = runs[0]
        threads = sorted({t for r in runs for t in r.get("threads", [])})
        per_min = stats([60 * r["series"] / r["wall_s"] for r in runs])
        share = stats([r["fit_sum_s"] / (r["workers"] * r["wall_s"]) for r in runs]
                      ) if "fit_sum_s" in first else None
        start = stats([r.get("first_start_s") for r in runs])
        rows.append([method_label(key), str(first["workers"]),
                     ", ".join(map(str, threads)) or "-", str(first["series"]),
                     fmt_stat(stats([r["wall_s"] for r in runs]), "{:.1f}"),
                     fmt_stat(per_min, "{:.1f}"),
                     fmt_stat(start, "{:.2f}") if key != "rerun" else "-",
                     fmt_stat(share, "{:.0%}") if share else "-"])
    return render(header, rows, markdown)


BREAKDOWN = [  # key, label, format
    ("to_job_started_s", "process start + imports: to job_started (darts: imports done)",
     "{:.2f}"),
    ("plan_s", "planning: job_started to first series_started (keys: every CSV read)",
     "{:.2f}"),
    ("worker_start_s", "worker start: series_started to series timer (see README)", "{:.2f}"),
    ("first_start_s", "launch to the first series' start", "{:.2f}"),
    ("series_mean_s", "per series: seconds (series_done; darts: whole loop body)", "{:.3f}"),
    ("fit_mean_s", "  of which the training loop (metrics.json; darts: fit())", "{:.3f}"),
    ("other_mean_s", "  of which the rest (load, set-up, evaluate, write)", "{:.3f}"),
    ("first_series_per_worker_s", "first series of each worker (first calls)", "{:.3f}"),
    ("later_series_median_s", "later series, median", "{:.3f}"),
    ("series_sum_s", "sum of per-series seconds", "{:.1f}"),
    ("fit_sum_s", "sum of training-loop seconds", "{:.1f}"),
    ("gaps_worker_s", "gaps: workers x series phase - sum of series (worker-s)", "{:.1f}"),
    ("finish_s", "last series done to process exit", "{:.2f}"),
    ("done_to_finished_s", "  of which to job_finished (pool shutdown, forecasts.csv)",
     "{:.2f}"),
    ("exit_s", "  of which job_finished to exit (interpreter shutdown)", "{:.2f}"),
    ("check_s", "re-run: job_started to job_finished (all skipped)", "{:.2f}"),
    ("rmse_mean", "mean test RMSE over the series (MW; a sanity check)", "{:.1f}"),
    ("cpu_s", "CPU seconds, whole process tree", "{:.1f}"),
    ("rss_mib", "peak RSS of the largest process (MiB)", "{:.0f}"),
    ("other_cores", "cores used by other processes meanwhile", "{:.2f}"),
]


def breakdown_table(reps: list[dict], keys: list[str], markdown: bool) -> str:
    header = ["measure (median, min-max)"] + [
        f"{method_label(k).split(',')[0]}" + (f" w={reps[0][k]['workers']}"
                                              if k.startswith("w") else "") for k in keys]
    rows = []
    for key, label, spec in BREAKDOWN:
        cells = [fmt_stat(stats([rep[k].get(key) for rep in reps]), spec) for k in keys]
        if any(c != "-" for c in cells):
            rows.append([label, *cells])
    return render(header, rows, markdown)


def phases_table(found: list[dict], markdown: bool) -> str:
    if not found:
        return ""
    lines = []
    imports = found[0]["imports"]
    rows = [[name, fmt_stat(stats([p["imports"][name] for p in found]), "{:.2f}")]
            for name in imports]
    lines.append(render(["import in a fresh process (median, min-max)", "s"], rows, markdown))
    names = []
    for p in found:
        for s in p["series"]:
            names += [n for n in s if n not in names]
    rows = []
    for name in names:
        first = stats([p["series"][0].get(name, 0.0) for p in found])
        later = stats([statistics.median(s.get(name, 0.0) for s in p["series"][1:])
                       for p in found if len(p["series"]) > 1])
        rows.append([name, fmt_stat(first, "{:.3f}"), fmt_stat(later, "{:.3f}")])
    saves = stats([p["manifest_save_s"] for p in found])
    rows.append([f"runner: one manifest.json save ({found[0]['manifest_records']} records; "
                 f"2 per series)", "-", fmt_stat(saves, "{:.4f}")])
    k = len(found[0]["series"])
    lines.append(render([f"per-series step (run_series in one process, "
                         f"{found[0]['threads']} torch thread(s))",
                         "first series (fresh process) s", f"series 2-{k}, median s"], rows,
                        markdown))
    missing = sorted({m for p in found for m in p["missing"]})
    if missing:
        lines.append(f"(not found in this version, not timed: {', '.join(missing)})")
    return "\n\n".join(lines)


def machine() -> dict:
    import platform

    import torch

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    return {"cores": cores, "cpu": model, "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=100, help="Series in the job (100).")
    parser.add_argument("--rows", type=int, default=480,
                        help="Rows per series (480 = 10 days of half-hours).")
    parser.add_argument("--epochs", type=int, default=50,
                        help="Epochs per series, exactly (50: the training loop is most of "
                             "a series' time; 10: the per-series overheads show).")
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--cell", choices=["gru", "lstm"], default="gru")
    parser.add_argument("--workers", default="1,2", help="Worker counts to run (1,2).")
    parser.add_argument("--layout", choices=["files", "long"], default="files",
                        help="files: one CSV per series (a glob); long: one long-format CSV "
                             "with an id column.")
    parser.add_argument("--reps", type=int, default=1,
                        help="Repetitions, interleaved (w=1, w=2, darts, re-run, phases).")
    parser.add_argument("--phase-series", type=int, default=5,
                        help="Series in the per-step profile (0: skip it).")
    parser.add_argument("--no-darts", action="store_true", help="Skip the darts loop.")
    parser.add_argument("--idle-wait", type=float, default=120.0,
                        help="Seconds to wait for a quiet machine before each run (0: don't).")
    parser.add_argument("--contention", type=float, default=0.15,
                        help="Cores other processes may use for the machine to count as quiet.")
    parser.add_argument("--markdown", action="store_true", help="Also print Markdown tables.")
    parser.add_argument("--json", type=Path, default=None, help="Write every figure here.")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Keep the data, job file, outputs and logs in this folder.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        if name == "darts":
            child_darts(Path(rest[0]), int(rest[1]), int(rest[2]), rest[3], rest[4])
        elif name == "phases":
            child_phases(Path(rest[0]), Path(rest[1]), int(rest[2]), int(rest[3]),
                         int(rest[4]))
        else:
            raise SystemExit(f"unknown child {name}")
        return

    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]
    info = machine()
    phase_threads = max(1, info["cores"] // max(worker_counts))  # as the most workers get
    work = Path(tempfile.mkdtemp(prefix="pipeline_throughput."))
    try:
        data_path, described = make_data(work, args.series, args.rows, args.layout)
        job = write_job(work, data_path, args)
        print(f"machine: {info['cores']} cores ({info['cpu']}), Python {info['python']}, torch "
              f"{info['torch']}, default torch threads {info['torch_threads']}")
        print(f"data: {described}")
        print(f"model: 1 x {args.hidden} {args.cell.upper()}, lookback {LOOKBACK}, horizon "
              f"{HORIZON}, batch {BATCH}, Adam {LR:g}, clip {CLIP:g}, exactly {args.epochs} "
              f"epochs, split test {TEST_SIZE:g} / validation {VAL_SIZE:g} of the rest, CPU; "
              f"job file {job}")
        print(f"torch threads: forecaster workers=1 follows the machine (the thread policy, "
              f"at most {info['cores']}), the darts loop keeps torch's default "
              f"({info['torch_threads']}); with W workers each gets cores // W", flush=True)
        reps: list[dict] = []
        found: list[dict] = []
        for rep in range(1, args.reps + 1):
            results: dict[str, dict] = {}
            for workers in worker_counts:
                out = work / f"out-w{workers}-rep{rep}"
                row = forecaster_job(job, out, workers, args, work / f"w{workers}-{rep}.log")
                results[f"w{workers}"] = row
                print(f"rep {rep} forecaster workers={workers}: wall {row['wall_s']:.1f}s, "
                      f"{60 * args.series / row['wall_s']:.1f} series/min, other processes "
                      f"{row['other_cores']:.2f} cores", file=sys.stderr, flush=True)
            if not args.no_darts:
                row = darts_loop(work, args, work / f"darts-{rep}.log")
                results["darts"] = row
                print(f"rep {rep} darts: wall {row['wall_s']:.1f}s, "
                      f"{60 * args.series / row['wall_s']:.1f} series/min, other processes "
                      f"{row['other_cores']:.2f} cores", file=sys.stderr, flush=True)
            base = min(worker_counts)
            row = forecaster_job(job, work / f"out-w{base}-rep{rep}", base, args,
                                 work / f"rerun-{rep}.log", rerun=True)
            results["rerun"] = row
            print(f"rep {rep} re-run: wall {row['wall_s']:.1f}s", file=sys.stderr, flush=True)
            reps.append(results)
            if args.phase_series:
                found.append(phases(job, work, args, phase_threads,
                                    work / f"phases-{rep}.log"))
                print(f"rep {rep} phases: wall {found[-1]['wall_s']:.1f}s", file=sys.stderr,
                      flush=True)
        keys = list(reps[0])
        disturbed = {k: [round(rep[k]["other_cores"], 2) for rep in reps] for k in keys}
        busy = max(max(v) for v in disturbed.values()) > args.contention
        print(f"\ncores used by other processes during each run: {disturbed}"
              + ("  (the machine was busy: treat the figures as noisy)" if busy else ""))
        print(f"\n{args.reps} rep(s); medians (min-max over reps). training share = sum of "
              f"training-loop seconds / (workers x wall).\n")
        print(main_table(reps, keys, markdown=False))
        print(LEGEND)
        print(breakdown_table(reps, keys, markdown=False))
        if found:
            print()
            print(phases_table(found, markdown=False))
        if args.markdown:
            print("\nMarkdown:\n")
            print(main_table(reps, keys, markdown=True))
            print()
            print(breakdown_table(reps, keys, markdown=True))
            if found:
                print()
                print(phases_table(found, markdown=True))
        if args.json:
            args.json.write_text(json.dumps({"machine": info, "data": described,
                                             "args": {k: str(v) for k, v in vars(args).items()},
                                             "reps": reps, "phases": found}, indent=2))
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
