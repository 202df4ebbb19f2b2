"""The Keras stock tutorial workflow, three ways, side by side: forecaster, darts, plain PyTorch.

Workflow (identical for all three): datasets/GOOG.csv, target Close, stacked LSTM 3 x 50, lookback
100, horizon 1, batch 64, Adam lr 1e-3, MSE, exactly N epochs (no early stopping), chronological
split (last 25 % of rows = test, last 10 % of the rest = validation, one validation pass per epoch),
MinMax scaling fitted on the training rows only.

Every measurement runs in a fresh child process; repetitions are interleaved (forecaster rep 1,
darts rep 1, plain PyTorch rep 1, forecaster rep 2, ...) and medians are reported.

    .venv/bin/python benchmarks/tutorial_vs_darts.py [--reps 3] [--epochs 20] [--device cpu]
                                                      [--markdown] [--json results.json]

The script is also its own child: ``--child NAME`` runs one measurement and prints one JSON line.
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
DATA = ROOT / "datasets" / "GOOG.csv"
VENV_BIN = Path(sys.executable).parent
TARGET = "Close"
LOOKBACK, HORIZON, HIDDEN, LAYERS, BATCH, LR = 100, 1, 50, 3, 64, 1e-3
TEST_SIZE, VAL_SIZE = 0.25, 0.1
JSON_TAG = "@@BENCH@@"


# --------------------------------------------------------------------------- shared helpers
def split_rows(n: int) -> tuple[int, int]:
    """(train_end, test_start) exactly as forecaster's chronological_split computes them."""
    test = round(n * TEST_SIZE)
    fit_rows = n - test
    val = round(fit_rows * VAL_SIZE)
    return fit_rows - val, fit_rows


def load_close():  # -> np.ndarray (numpy is imported lazily, in the children)
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(DATA, parse_dates=["Date"]).sort_values("Date")
    return frame[TARGET].to_numpy(dtype=np.float64)


def rmse(a, b) -> float:
    import numpy as np

    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


def emit(payload: dict) -> None:
    print(JSON_TAG + json.dumps(payload), flush=True)


# --------------------------------------------------------------------------- child: forecaster
def child_forecaster_predict(model_dir: str) -> None:
    """Import time of the library, then the batched one-step backtest over the test span."""
    t0 = time.perf_counter()
    import forecaster  # noqa: F401
    from forecaster import Forecaster

    import_s = time.perf_counter() - t0
    import numpy as np
    import torch

    values = load_close()[:, None]
    n = len(values)
    _, test_start = split_rows(n)
    positions = np.arange(test_start, n)  # every test row is a one-step target
    model = Forecaster.load(model_dir)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        pred = model.predict_positions(values, positions)
        times.append(time.perf_counter() - t)
    y = values[:, 0]
    emit({"import_s": import_s, "predict_s": times[0], "predict_warm_s": min(times[1:]),
          "predict_rmse": rmse(pred[:, 0], y[positions]), "points": int(len(positions)),
          "threads": torch.get_num_threads()})


# --------------------------------------------------------------------------- child: darts
def child_darts(epochs: int, device: str) -> None:
    t0 = time.perf_counter()
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    import_s = time.perf_counter() - t0
    import logging
    import warnings

    import numpy as np
    import torch
    from darts.dataprocessing.transformers import Scaler

    warnings.filterwarnings("ignore")
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning").setLevel(logging.ERROR)

    y = load_close()
    n = len(y)
    train_end, test_start = split_rows(n)
    # GOOG has trading days only (holiday gaps): darts needs a regular index, so use positions.
    series = TimeSeries.from_values(y.astype(np.float32))
    scaler = Scaler()  # MinMaxScaler(0, 1) by default
    scaler.fit(series[:train_end])
    scaled = scaler.transform(series)
    train = scaled[:train_end]
    val = scaled[train_end - LOOKBACK:test_start]  # targets in [train_end, test_start)
    accelerator = "gpu" if device == "cuda" else "cpu"
    model = BlockRNNModel(
        input_chunk_length=LOOKBACK, output_chunk_length=HORIZON, model="LSTM", hidden_dim=HIDDEN,
        n_rnn_layers=LAYERS, batch_size=BATCH, n_epochs=epochs, optimizer_kwargs={"lr": LR},
        random_state=0,
        pl_trainer_kwargs={"accelerator": accelerator, "enable_progress_bar": False,
                           "enable_model_summary": False, "logger": False,
                           "enable_checkpointing": False})
    t = time.perf_counter()
    model.fit(train, val_series=val, verbose=False)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    forecasts = model.historical_forecasts(
        scaled, start=test_start, start_format="position", forecast_horizon=1, stride=1,
        retrain=False, last_points_only=True, verbose=False, show_warnings=False)
    predict_s = time.perf_counter() - t
    pred = scaler.inverse_transform(forecasts).values()[:, 0].astype(np.float64)
    positions = np.arange(test_start, n)
    assert len(pred) == len(positions), (len(pred), len(positions))
    assert int(forecasts.start_time()) == test_start, forecasts.start_time()
    emit({"import_s": import_s, "fit_s": fit_s, "s_per_epoch": fit_s / epochs,
          "predict_s": predict_s, "rmse": rmse(pred, y[positions]),
          "naive_rmse": rmse(y[positions - 1], y[positions]), "points": int(len(positions)),
          "train_windows": train_end - LOOKBACK, "threads": torch.get_num_threads()})


# --------------------------------------------------------------------------- child: plain PyTorch
def child_plain(epochs: int, device: str) -> None:
    """A minimal hand-written loop: the reference for seconds per epoch."""
    t0 = time.perf_counter()
    import numpy as np
    import torch
    from torch import nn

    import_s = time.perf_counter() - t0
    torch.manual_seed(0)
    y = load_close()
    n = len(y)
    train_end, test_start = split_rows(n)
    lo, hi = y[:train_end].min(), y[:train_end].max()
    s = ((y - lo) / (hi - lo)).astype(np.float32)

    def windows(first: int, stop: int) -> tuple[torch.Tensor, torch.Tensor]:
        idx = np.arange(max(first, LOOKBACK), stop)
        x = np.stack([s[t - LOOKBACK:t] for t in idx])[:, :, None]
        return torch.from_numpy(x).to(device), torch.from_numpy(s[idx, None]).to(device)

    x_tr, y_tr = windows(0, train_end)
    x_va, y_va = windows(train_end, test_start)
    x_te, _ = windows(test_start, n)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.LSTM(1, HIDDEN, LAYERS, batch_first=True)
            self.fc = nn.Linear(HIDDEN, HORIZON)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.rnn(x)[0][:, -1])

    net = Net().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    loss_fn = nn.MSELoss()
    t = time.perf_counter()
    for _ in range(epochs):
        net.train()
        for rows in torch.randperm(len(x_tr)).split(BATCH):
            opt.zero_grad()
            loss = loss_fn(net(x_tr[rows]), y_tr[rows])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(net(x_va), y_va))  # noqa: F841 - the validation pass
    if device == "cuda":
        torch.cuda.synchronize()
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    with torch.no_grad():
        pred = net(x_te).cpu().numpy()[:, 0].astype(np.float64) * (hi - lo) + lo
    predict_s = time.perf_counter() - t
    positions = np.arange(test_start, n)
    emit({"import_s": import_s, "fit_s": fit_s, "s_per_epoch": fit_s / epochs,
          "predict_s": predict_s, "rmse": rmse(pred, y[positions]),
          "naive_rmse": rmse(y[positions - 1], y[positions]),
          "threads": torch.get_num_threads()})


# --------------------------------------------------------------------------- parent
def _busy_seconds() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def wait_for_idle(limit_s: float, threshold: float) -> float:
    """Wait (at most `limit_s`) until the rest of the machine uses < `threshold` cores for two
    seconds running; returns the seconds waited. Other people's jobs on a 2-core machine turn a
    0.4 s epoch into 15 s (two intra-op threads, one core taken), so we start on a quiet machine."""
    started = time.perf_counter()
    quiet = 0
    while time.perf_counter() - started < limit_s:
        b0, s0 = _busy_seconds()
        time.sleep(1.0)
        b1, s1 = _busy_seconds()
        quiet = quiet + 1 if (b1 - b0) + (s1 - s0) < threshold else 0
        if quiet >= 2:
            break
    return time.perf_counter() - started


def run_child(cmd: list[str], log: Path) -> dict:
    """Run `cmd` in a fresh process: wall seconds, its own peak RSS and CPU time (os.wait4, per
    child), and how much CPU the rest of the machine used meanwhile (other_cores)."""
    with open(log, "w") as out:
        busy0, steal0 = _busy_seconds()
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        busy1, steal1 = _busy_seconds()
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"child failed ({proc.returncode}): {' '.join(cmd)}\n{text[-3000:]}")
    payload = {}
    for line in text.splitlines():
        if line.startswith(JSON_TAG):
            payload = json.loads(line[len(JSON_TAG):])
    cpu = usage.ru_utime + usage.ru_stime
    other = max(busy1 - busy0 - cpu, 0.0) + (steal1 - steal0)
    # ru_maxrss is in KiB on Linux
    return {"wall_s": wall, "rss_mib": usage.ru_maxrss / 1024, "cpu_s": cpu,
            "other_cores": other / wall, **payload}


def measured(cmd: list[str], log: Path, args: argparse.Namespace, what: str,
             fresh: Path | None = None, collect=None) -> dict:
    """run_child on a quiet machine; rerun (up to --retries times) when other processes took
    more than --contention cores on average while it ran. The least disturbed try is kept."""
    tries = []
    for attempt in range(args.retries + 1):
        if fresh is not None:  # an output directory each try must create anew
            shutil.rmtree(fresh, ignore_errors=True)
        waited = wait_for_idle(args.idle_wait, args.contention) if args.idle_wait else 0.0
        result = {**run_child(cmd, log), "waited_s": waited, "tries": attempt + 1}
        if collect is not None:  # figures the child left in files, read before the next try
            result.update(collect())
        tries.append(result)
        if result["other_cores"] <= args.contention:
            break
        print(f"  {what}: other processes used {result['other_cores']:.2f} cores during the run "
              f"(wall {result['wall_s']:.1f}s); "
              f"{'retrying' if attempt < args.retries else 'keeping the least disturbed try'}",
              file=sys.stderr, flush=True)
    best = min(tries, key=lambda r: r["other_cores"])
    best["tries"] = len(tries)
    return best


def self_cmd(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def one_rep(rep: int, args: argparse.Namespace, work: Path) -> dict[str, dict]:
    results: dict[str, dict] = {}
    # forecaster: the real CLI, then the backtest timing of its saved model in a fresh process
    run_dir = work / f"run{rep}"
    cli = [str(VENV_BIN / "forecaster"), "train", str(DATA), "--target", TARGET, "--epochs",
           str(args.epochs), "--patience", "0", "--quiet", "--no-tracking", "--device", args.device,
           "--out", str(run_dir)]
    tries = iter(range(1000))

    def collect() -> dict:  # keep each try's figures and model: the least disturbed one is used
        model_dir = work / f"rep{rep}-try{next(tries)}-model"
        shutil.copytree(run_dir / "model", model_dir)
        return {"metrics": json.loads((run_dir / "metrics.json").read_text()),
                "model_dir": str(model_dir)}

    fc = measured(cli, work / f"forecaster{rep}.log", args, "forecaster train", fresh=run_dir,
                  collect=collect)
    metrics = fc["metrics"]
    training = metrics["training"]
    assert training["epochs_run"] == args.epochs, training["epochs_run"]
    pred = measured(self_cmd("--child", "forecaster-predict", fc["model_dir"]),
                    work / f"forecaster-predict{rep}.log", args, "forecaster predict")
    if abs(pred["predict_rmse"] - metrics["metrics"]["model"]["rmse"]) > 1e-6 * max(
            1.0, metrics["metrics"]["model"]["rmse"]):
        print(f"warning: predict_positions RMSE {pred['predict_rmse']} differs from "
              f"metrics.json {metrics['metrics']['model']['rmse']}", file=sys.stderr)
    results["forecaster"] = {
        "import_s": pred["import_s"], "wall_s": fc["wall_s"], "fit_s": training["seconds"],
        "s_per_epoch": training["seconds_per_epoch"], "rss_mib": fc["rss_mib"],
        "cpu_s": fc["cpu_s"], "rmse": metrics["metrics"]["model"]["rmse"],
        "naive_rmse": metrics["metrics"]["naive"]["rmse"], "predict_s": pred["predict_s"],
        "predict_warm_s": pred["predict_warm_s"], "points": metrics["points"],
        "threads": training.get("threads_used"), "predict_threads": pred["threads"],
        "best_epoch": training["best_epoch"], "other_cores": fc["other_cores"],
        "tries": fc["tries"], "predict_other_cores": pred["other_cores"]}
    print(f"rep {rep} forecaster: wall {fc['wall_s']:.2f}s, fit {training['seconds']:.2f}s, "
          f"RMSE {results['forecaster']['rmse']:.3f}", file=sys.stderr, flush=True)
    dd = measured(self_cmd("--child", "darts", str(args.epochs), args.device),
                  work / f"darts{rep}.log", args, "darts")
    results["darts"] = dd
    print(f"rep {rep} darts: wall {dd['wall_s']:.2f}s, fit {dd['fit_s']:.2f}s, "
          f"RMSE {dd['rmse']:.3f}", file=sys.stderr, flush=True)
    pt = measured(self_cmd("--child", "plain", str(args.epochs), args.device),
                  work / f"plain{rep}.log", args, "plain PyTorch")
    results["plain"] = pt
    print(f"rep {rep} plain PyTorch: wall {pt['wall_s']:.2f}s, fit {pt['fit_s']:.2f}s, "
          f"RMSE {pt['rmse']:.3f}", file=sys.stderr, flush=True)
    return results


ROWS = [  # (key, label, format)
    ("import_s", "import time (s)", "{:.2f}"),
    ("wall_s", "whole process wall (s)", "{:.2f}"),
    ("fit_s", "fit (s)", "{:.2f}"),
    ("s_per_epoch", "s / epoch", "{:.3f}"),
    ("overhead_s", "whole process - fit (s)", "{:.2f}"),
    ("rss_mib", "peak RSS (MiB)", "{:.0f}"),
    ("cpu_s", "CPU time user+sys (s)", "{:.1f}"),
    ("rmse", "test RMSE", "{:.3f}"),
    ("naive_rmse", "naive RMSE (same points)", "{:.3f}"),
    ("rmse_ratio", "RMSE / naive RMSE", "{:.4f}"),
    ("predict_s", "one-step test predictions (s)", "{:.4f}"),
    ("predict_warm_s", "  same, warm (best of 4)", "{:.4f}"),
]
TOOLS = [("forecaster", "forecaster"), ("darts", "darts BlockRNNModel"),
         ("plain", "plain PyTorch")]


def summarise(reps: list[dict[str, dict]]) -> dict[str, dict[str, tuple[float, float, float]]]:
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for tool, _ in TOOLS:
        rows = [r[tool] for r in reps]
        for r in rows:
            if "fit_s" in r:
                r["overhead_s"] = r["wall_s"] - r["fit_s"]
            r["rmse_ratio"] = r["rmse"] / r["naive_rmse"]
        out[tool] = {}
        for key, _, _ in ROWS:
            values = [r[key] for r in rows if r.get(key) is not None]
            if values:
                out[tool][key] = (statistics.median(values), min(values), max(values))
    return out


def cell(stats: dict, key: str, fmt: str) -> str:
    if key not in stats:
        return "-"
    med, lo, hi = stats[key]
    if lo == hi:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(lo)}-{fmt.format(hi)})"


def ratios(summary: dict) -> list[tuple[str, float, str, bool]]:
    f, d, p = summary["forecaster"], summary["darts"], summary["plain"]
    per_epoch = f["s_per_epoch"][0] / p["s_per_epoch"][0]
    whole = f["wall_s"][0] / d["wall_s"][0]
    acc = f["rmse"][0] / f["naive_rmse"][0]
    return [
        ("forecaster s/epoch / plain PyTorch s/epoch", per_epoch, "<= 1.00", per_epoch <= 1.0),
        ("forecaster whole process / darts whole process", whole, "<= 0.70", whole <= 0.7),
        ("forecaster test RMSE / naive RMSE", acc, "<= 1.05", acc <= 1.05),
    ]


def tables(summary: dict, markdown: bool) -> str:
    header = ["measure (median, min-max)"] + [label for _, label in TOOLS]
    body = [[label] + [cell(summary[tool], key, fmt) for tool, _ in TOOLS]
            for key, label, fmt in ROWS]
    rat = [[name, f"{value:.3f}", target, "met" if ok else "NOT met"]
           for name, value, target, ok in ratios(summary)]
    rat_header = ["ratio (of medians)", "measured", "target", "status"]
    if markdown:
        def md(head: list[str], rows: list[list[str]]) -> str:
            lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            return "\n".join(lines)
        return md(header, body) + "\n\n" + md(rat_header, rat)

    def plain(head: list[str], rows: list[list[str]]) -> str:
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths))]
                         + [fmt.format(*r) for r in rows])
    return plain(header, body) + "\n\n" + plain(rat_header, rat)


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
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--markdown", action="store_true",
                        help="Also print the tables as Markdown.")
    parser.add_argument("--json", type=Path, default=None, help="Write every figure here.")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Keep run directories and child logs in this folder.")
    parser.add_argument("--retries", type=int, default=2,
                        help="Rerun a measurement disturbed by other processes (default 2).")
    parser.add_argument("--contention", type=float, default=0.15,
                        help="Cores other processes may use during a measurement (default 0.15).")
    parser.add_argument("--idle-wait", type=float, default=180.0,
                        help="Seconds to wait for a quiet machine before each child (0: don't).")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        if name == "forecaster-predict":
            child_forecaster_predict(rest[0])
        elif name == "darts":
            child_darts(int(rest[0]), rest[1])
        elif name == "plain":
            child_plain(int(rest[0]), rest[1])
        else:
            raise SystemExit(f"unknown child {name}")
        return

    info = machine()
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, torch "
          f"{info['torch']}, torch.get_num_threads() = {info['torch_threads']}; "
          f"{args.reps} reps x {args.epochs} epochs on {args.device}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="tutorial_vs_darts."))
    reps = []
    try:
        for rep in range(1, args.reps + 1):
            reps.append(one_rep(rep, args, work))
        summary = summarise(reps)
        threads = {tool: sorted({r[tool].get("threads") for r in reps}) for tool, _ in TOOLS}
        print(f"torch threads seen in the children: {threads}")
        print(f"test points scored: {reps[0]['forecaster']['points']} "
              f"(forecaster), {reps[0]['darts']['points']} (darts); best epoch kept by "
              f"forecaster: {[r['forecaster']['best_epoch'] for r in reps]}")
        print(f"cores used by other processes while each child ran (rep x forecaster/darts/"
              f"plain): {[[round(r[t]['other_cores'], 2) for t, _ in TOOLS] for r in reps]}; "
              f"tries: {[[r[t]['tries'] for t, _ in TOOLS] for r in reps]}\n")
        print(tables(summary, markdown=False))
        if args.markdown:
            print("\nMarkdown:\n")
            print(tables(summary, markdown=True))
        if args.json:
            args.json.write_text(json.dumps({"machine": info, "args": {
                "reps": args.reps, "epochs": args.epochs, "device": args.device},
                "reps": reps, "summary": summary,
                "ratios": [list(r) for r in ratios(summary)]}, indent=2))
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
