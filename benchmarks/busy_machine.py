"""Training speed on a quiet machine and beside one competing CPU-bound process, by thread policy.

    .venv/bin/python benchmarks/busy_machine.py [--epochs 10] [--reps 3] [--markdown]

Each measurement is the real CLI in a fresh child process, so that OpenMP's settings (read once,
when torch is imported) apply:

- stock: `forecaster train datasets/GOOG.csv --target Close` (LSTM 3 x 50, lookback 100, 750
  training windows), `--epochs E --patience 0`;
- text: `forecaster classify train` on the first `--text-rows` reviews of
  `datasets/rotten_tomatoes.csv` (bi-LSTM 64 with attention), `--epochs E --patience 0`.

Seconds per epoch come from the run's metrics.json (`training.seconds` / epochs run), and the
thread counts the fit used from `training.threads_used`. The competitor is one single-threaded
CPU-bound process (a pure-Python loop). Conditions:
- `quiet`: no competitor;
- `busy`: the competitor starts before the child and runs to its end;
- `late`: the competitor starts when the child prints its first epoch line, so the fit has
  already chosen its threads on a quiet machine.

Policies compared:
- `default policy`: what forecaster does unless told otherwise (no `--threads`: every usable core
  less those other processes use, looked at before training and every 2 s between batches);
- `torch default`: `--threads <cores>`, fixed, what PyTorch does on its own;
- `all cores, passive wait`: `--threads <cores>` with `OMP_WAIT_POLICY=PASSIVE` (waiting threads
  sleep instead of spinning).

Targets (issue 9): busy / quiet and late / quiet for the default policy at most 2.0; the default
policy's quiet time at most 1.15 x torch default's quiet time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = str(Path(sys.executable).with_name("forecaster"))


def cores() -> int:
    return len(os.sched_getaffinity(0))


def policies() -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (extra CLI arguments, extra environment)."""
    every = str(cores())
    return {
        "default policy": ([], {}),
        "torch default": (["--threads", every], {}),
        "all cores, passive wait": (["--threads", every], {"OMP_WAIT_POLICY": "PASSIVE"}),
    }


def workloads(epochs: int, text_file: Path) -> dict[str, list[str]]:
    common = ["--epochs", str(epochs), "--patience", "0", "--no-tracking", "--quiet",
              "--device", "cpu"]
    return {
        "stock (GOOG, LSTM 3x50)": [CLI, "train", str(ROOT / "datasets/GOOG.csv"), "--target",
                                    "Close", *common],
        "text (reviews, bi-LSTM 64)": [CLI, "classify", "train", str(text_file), *common],
    }


def clean_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")}
    env["FORECASTER_NO_TRACKING"] = "1"
    return env


def start_competitor() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


CONDITIONS = ("quiet", "busy", "late")  # late: the competitor starts at the first epoch's end


def seconds_per_epoch(command: list[str], env: dict[str, str], out: Path,
                      condition: str) -> dict[str, float]:
    """Run one child under `condition`; its seconds per epoch, wall time and thread counts."""
    competitor = start_competitor() if condition == "busy" else None
    if competitor is not None:
        time.sleep(0.5)  # let it reach full speed
    started = time.perf_counter()
    child = subprocess.Popen([*command, "--out", str(out)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in child.stderr:  # --quiet: one line per epoch
            lines.append(line)
            if condition == "late" and competitor is None and line.startswith("epoch 1/"):
                competitor = start_competitor()
        child.wait()
    finally:
        if competitor is not None:
            competitor.kill()
            competitor.wait()
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"child failed ({child.returncode}): {' '.join(command)}\n"
                         + "".join(lines))
    training = json.loads((out / "metrics.json").read_text())["training"]
    runs = training.get("epochs_run") or 1
    return {"s_per_epoch": training["seconds"] / runs, "wall": wall,
            "threads": "->".join(map(str, training.get("threads_used", [])))}


def measure(epochs: int, text_rows: int, reps: int) -> list[dict]:
    """Every (workload, policy, condition) once per rep, interleaved, so that a slow spell of the
    machine hits every variant alike; the median over reps is kept."""
    times: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="busy-bench-") as tmp:
        text_file = Path(tmp) / "reviews.csv"
        lines = (ROOT / "datasets/rotten_tomatoes.csv").read_text(encoding="utf-8").splitlines()
        text_file.write_text("\n".join(lines[: text_rows + 1]) + "\n", encoding="utf-8")
        env_base = clean_environment()
        count = 0
        for rep in range(1, reps + 1):
            for work, command in workloads(epochs, text_file).items():
                for policy, (extra, env_extra) in policies().items():
                    for condition in CONDITIONS:
                        count += 1
                        got = seconds_per_epoch([*command, *extra], {**env_base, **env_extra},
                                                Path(tmp) / f"run{count}", condition)
                        times.setdefault((work, policy, condition), []).append(
                            got["s_per_epoch"])
                        print(f"  rep {rep} {work:28s} {policy:26s} {condition:5s} "
                              f"{got['s_per_epoch']:8.3f} s/epoch, threads {got['threads']} "
                              f"(process {got['wall']:.1f} s)", flush=True)
    rows = []
    for work in workloads(epochs, Path("-")):
        for policy in policies():
            rows.append({"workload": work, "policy": policy,
                         **{condition: statistics.median(times[(work, policy, condition)])
                            for condition in CONDITIONS},
                         "samples": {condition: times[(work, policy, condition)]
                                     for condition in CONDITIONS}})
    return rows


def report(rows: list[dict], markdown: bool) -> None:
    quiet_torch = {r["workload"]: r["quiet"] for r in rows if r["policy"] == "torch default"}
    header = ["workload", "threads policy", "quiet s/epoch", "busy s/epoch", "late s/epoch",
              "busy / quiet", "late / quiet", "quiet / torch-default quiet"]
    lines = [header]
    for r in rows:
        lines.append([r["workload"], r["policy"], f"{r['quiet']:.3f}", f"{r['busy']:.3f}",
                      f"{r['late']:.3f}", f"{r['busy'] / r['quiet']:.2f}",
                      f"{r['late'] / r['quiet']:.2f}",
                      f"{r['quiet'] / quiet_torch[r['workload']]:.2f}"])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines[1:]:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        for line in lines:
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    print()
    for r in rows:
        if r["policy"] != "default policy":
            continue
        busy_ok = max(r["busy"], r["late"]) / r["quiet"] <= 2.0
        quiet_ok = r["quiet"] / quiet_torch[r["workload"]] <= 1.15
        print(f"{r['workload']}: busy/quiet {r['busy'] / r['quiet']:.2f}, late/quiet "
              f"{r['late'] / r['quiet']:.2f} (target <= 2.0: "
              f"{'met' if busy_ok else 'NOT met'}); quiet cost against torch default "
              f"{r['quiet'] / quiet_torch[r['workload']]:.2f} (target <= 1.15: "
              f"{'met' if quiet_ok else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--text-rows", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=3, help="interleaved repetitions (median)")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    print(f"machine: {cores()} usable cores, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}; competitor: one pure-Python busy loop")
    rows = measure(args.epochs, args.text_rows, args.reps)
    print()
    report(rows, args.markdown)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
