"""Training speed on a quiet machine and beside one competing CPU-bound process, by thread policy.

    .venv/bin/python benchmarks/busy_machine.py [--epochs 5] [--text-rows 2000] [--markdown]

Each measurement is the real CLI in a fresh child process, so that OpenMP's settings (read once,
when torch is imported) apply:

- stock: `forecaster train datasets/GOOG.csv --target Close` (LSTM 3 x 50, lookback 100, 750
  training windows), `--epochs E --patience 0`;
- text: `forecaster classify train` on the first `--text-rows` reviews of
  `datasets/rotten_tomatoes.csv` (bi-LSTM 64 with attention), `--epochs E --patience 0`.

Seconds per epoch come from the run's metrics.json (`training.seconds` / epochs run). The
competitor is one single-threaded CPU-bound process (a pure-Python loop), started before the child
and stopped after it, so it holds one of the cores for the whole fit.

Policies compared:
- `default policy`: what forecaster does unless told otherwise (no `--threads`: the usable
  cores less one, at least one);
- `torch default`: `--threads <cores>`, what PyTorch does on its own;
- `all cores, passive wait`: `--threads <cores>` with `OMP_WAIT_POLICY=PASSIVE` (waiting threads
  sleep instead of spinning).

Targets (issue 9): busy / quiet for the default policy at most 2.0; the default policy's quiet
time at most 1.15 x torch default's quiet time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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


def seconds_per_epoch(command: list[str], env: dict[str, str], out: Path) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run([*command, "--out", str(out)], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"child failed ({done.returncode}): {' '.join(command)}\n{done.stderr}")
    metrics = json.loads((out / "metrics.json").read_text())
    training = metrics["training"]
    runs = training.get("epochs_run") or len(training.get("train_loss", [])) or 1
    return {"s_per_epoch": training["seconds"] / runs, "wall": wall,
            "threads": training.get("torch_threads", 0)}


def measure(epochs: int, text_rows: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="busy-bench-") as tmp:
        text_file = Path(tmp) / "reviews.csv"
        lines = (ROOT / "datasets/rotten_tomatoes.csv").read_text(encoding="utf-8").splitlines()
        text_file.write_text("\n".join(lines[: text_rows + 1]) + "\n", encoding="utf-8")
        env_base = clean_environment()
        count = 0
        for work, command in workloads(epochs, text_file).items():
            for policy, (extra, env_extra) in policies().items():
                result = {"workload": work, "policy": policy}
                for condition in ("quiet", "busy"):
                    count += 1
                    competitor = start_competitor() if condition == "busy" else None
                    try:
                        if competitor is not None:
                            time.sleep(0.5)  # let it reach full speed
                        got = seconds_per_epoch([*command, *extra], {**env_base, **env_extra},
                                                Path(tmp) / f"run{count}")
                    finally:
                        if competitor is not None:
                            competitor.kill()
                            competitor.wait()
                    result[condition] = got["s_per_epoch"]
                    result[f"{condition}_wall"] = got["wall"]
                    print(f"  {work:28s} {policy:26s} {condition:5s} "
                          f"{got['s_per_epoch']:8.3f} s/epoch, {got['threads']} threads "
                          f"(process {got['wall']:.1f} s)",
                          flush=True)
                rows.append(result)
    return rows


def report(rows: list[dict], markdown: bool) -> None:
    quiet_torch = {r["workload"]: r["quiet"] for r in rows if r["policy"] == "torch default"}
    header = ["workload", "threads policy", "quiet s/epoch", "busy s/epoch", "busy / quiet",
              "quiet / torch-default quiet"]
    lines = [header]
    for r in rows:
        lines.append([r["workload"], r["policy"], f"{r['quiet']:.3f}", f"{r['busy']:.3f}",
                      f"{r['busy'] / r['quiet']:.2f}",
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
        busy_ok = r["busy"] / r["quiet"] <= 2.0
        quiet_ok = r["quiet"] / quiet_torch[r["workload"]] <= 1.15
        print(f"{r['workload']}: busy/quiet {r['busy'] / r['quiet']:.2f} (target <= 2.0: "
              f"{'met' if busy_ok else 'NOT met'}); quiet cost against torch default "
              f"{r['quiet'] / quiet_torch[r['workload']]:.2f} (target <= 1.15: "
              f"{'met' if quiet_ok else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--text-rows", type=int, default=2000)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args()
    print(f"machine: {cores()} usable cores, {platform.processor() or platform.machine()}, "
          f"python {platform.python_version()}; competitor: one pure-Python busy loop")
    rows = measure(args.epochs, args.text_rows)
    print()
    report(rows, args.markdown)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
