"""Accuracy of `forecaster train` (the real CLI) beside its baselines on three data sets.

    .venv/bin/python benchmarks/accuracy.py [--sweep] [--only goog,air,elec] [--markdown]
                                            [--json results.json]

(a) datasets/GOOG.csv, target Close, every default;
(b) datasets/airpassengers.csv (ds, y; monthly), --lookback 24 --season 12;
(c) datasets/vic_elec.csv, target Demand, feature Temperature (half-hourly), --season 48
    --lookback 96 --epochs 5.

For each run: the model's test MASE beside seasonal-naive MASE, and its test RMSE beside the
last-value (naive) RMSE, all on the same test points, as reported by `forecaster train --json`.
`--sweep` also tries other settings on (b) and (c) (lookback, hidden size, layers, epochs, GRU,
learning rate, window normalisation) and prints which work best. Nothing in the package is changed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORECASTER = str(Path(sys.executable).parent / "forecaster")  # the venv running this script

GOOG = ["datasets/GOOG.csv", "--target", "Close"]
AIR = ["datasets/airpassengers.csv", "--target", "y", "--date-column", "ds", "--season", "12"]
ELEC = ["datasets/vic_elec.csv", "--target", "Demand", "--features", "Temperature",
        "--date-column", "Time", "--season", "48"]

DEFAULT_RUNS = {
    "goog": [("GOOG Close, all defaults", GOOG)],
    "air": [("airpassengers, lookback 24", AIR + ["--lookback", "24"])],
    "elec": [("vic_elec Demand+Temperature, lookback 96, 5 epochs",
              ELEC + ["--lookback", "96", "--epochs", "5"])],
}

SWEEP_RUNS = {
    "air": [
        ("air lb 12", AIR + ["--lookback", "12"]),
        ("air lb 36", AIR + ["--lookback", "36"]),
        ("air lb 24 gru", AIR + ["--lookback", "24", "--cell", "gru"]),
        ("air lb 24 1x32", AIR + ["--lookback", "24", "--num-layers", "1", "--hidden-size", "32"]),
        ("air lb 24 1x64 lr 3e-3", AIR + ["--lookback", "24", "--num-layers", "1", "--hidden-size",
                                          "64", "--learning-rate", "3e-3"]),
        ("air lb 24 200 ep pat 30", AIR + ["--lookback", "24", "--epochs", "200",
                                           "--patience", "30"]),
        ("air lb 24 gru 1x64 lr 3e-3 200 ep pat 30",
         AIR + ["--lookback", "24", "--cell", "gru", "--num-layers", "1", "--hidden-size", "64",
                "--learning-rate", "3e-3", "--epochs", "200", "--patience", "30"]),
        ("air lb 13 gru 1x64 lr 3e-3 200 ep pat 30",
         AIR + ["--lookback", "13", "--cell", "gru", "--num-layers", "1", "--hidden-size", "64",
                "--learning-rate", "3e-3", "--epochs", "200", "--patience", "30"]),
        ("air lb 24 window-norm none", AIR + ["--lookback", "24", "--window-norm", "none"]),
        ("air lb 24 200 ep pat 30 seed 1", AIR + ["--lookback", "24", "--epochs", "200",
                                                  "--patience", "30", "--seed", "1"]),
        ("air lb 24 200 ep pat 30 seed 2", AIR + ["--lookback", "24", "--epochs", "200",
                                                  "--patience", "30", "--seed", "2"]),
        ("air lb 24 500 ep pat 50", AIR + ["--lookback", "24", "--epochs", "500",
                                           "--patience", "50"]),
        ("air lb 12 200 ep pat 30", AIR + ["--lookback", "12", "--epochs", "200",
                                           "--patience", "30"]),
        ("air lb 24 lr 3e-3 200 ep pat 30", AIR + ["--lookback", "24", "--learning-rate", "3e-3",
                                                   "--epochs", "200", "--patience", "30"]),
        ("air lb 24 batch 16 200 ep pat 30", AIR + ["--lookback", "24", "--batch-size", "16",
                                                    "--epochs", "200", "--patience", "30"]),
    ],
    "elec": [
        ("elec lb 48 5 ep", ELEC + ["--lookback", "48", "--epochs", "5"]),
        ("elec lb 96 gru 5 ep", ELEC + ["--lookback", "96", "--cell", "gru", "--epochs", "5"]),
        ("elec lb 96 10 ep", ELEC + ["--lookback", "96", "--epochs", "10"]),
        ("elec lb 96 no temperature 5 ep",
         ["datasets/vic_elec.csv", "--target", "Demand", "--date-column", "Time", "--season",
          "48", "--lookback", "96", "--epochs", "5"]),
    ],
}


def run(label: str, argv: list[str], out_root: Path) -> dict:
    out = out_root / f"run{len(list(out_root.iterdir()))}"
    cmd = [FORECASTER, "train", *argv, "--json", "--quiet", "--no-tracking", "--out", str(out)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(f"{label}: FAILED ({proc.returncode})\n{proc.stderr[-2000:]}", file=sys.stderr)
        return {"label": label, "argv": argv, "error": proc.stderr[-2000:]}
    summary = json.loads(proc.stdout)
    m = summary["metrics"]
    row = {
        "label": label, "argv": argv, "wall_s": wall, "season": summary["season"],
        "points": summary["points"], "epochs_run": summary["training"]["epochs_run"],
        "best_epoch": summary["training"]["best_epoch"],
        "fit_s": summary["training"]["seconds"],
        "model_mase": m["model"]["mase"], "snaive_mase": m["seasonal_naive"]["mase"],
        "naive_mase": m["naive"]["mase"], "model_rmse": m["model"]["rmse"],
        "naive_rmse": m["naive"]["rmse"], "snaive_rmse": m["seasonal_naive"]["rmse"],
        "best_baseline_mase": min(v["mase"] for k, v in m.items() if k != "model"),
        "best_baseline": min((k for k in m if k != "model"), key=lambda k: m[k]["mase"]),
        "metrics": m,
    }
    row["beats_snaive"] = row["model_mase"] < row["snaive_mase"]
    row["rmse_vs_naive"] = row["model_rmse"] / row["naive_rmse"]
    print(f"{label}: MASE {row['model_mase']:.4f} vs seasonal naive {row['snaive_mase']:.4f}; "
          f"RMSE {row['model_rmse']:.4g} vs naive {row['naive_rmse']:.4g} "
          f"({row['epochs_run']} epochs, best {row['best_epoch']}, {wall:.1f}s)",
          file=sys.stderr, flush=True)
    return row


COLUMNS = [("label", "run", "{}"), ("points", "test pts", "{}"), ("season", "season", "{}"),
           ("epochs_run", "epochs (best)", None), ("model_mase", "model MASE", "{:.4f}"),
           ("snaive_mase", "seas. naive MASE", "{:.4f}"),
           ("beats_snaive", "beats seas. naive", None),
           ("model_rmse", "model RMSE", "{:.4g}"), ("naive_rmse", "naive RMSE", "{:.4g}"),
           ("rmse_vs_naive", "RMSE / naive", "{:.4f}"),
           ("best_baseline", "best baseline (MASE)", None), ("wall_s", "wall s", "{:.0f}")]


def fmt_row(row: dict) -> list[str]:
    if "error" in row:
        return [row["label"], "failed"] + [""] * (len(COLUMNS) - 2)
    cells = []
    for key, _, fmt in COLUMNS:
        if key == "epochs_run":
            cells.append(f"{row['epochs_run']} ({row['best_epoch']})")
        elif key == "beats_snaive":
            cells.append("yes" if row[key] else "no")
        elif key == "best_baseline":
            cells.append(f"{row['best_baseline']} {row['best_baseline_mase']:.4f}")
        else:
            cells.append(fmt.format(row[key]))
    return cells


def table(rows: list[dict], markdown: bool) -> str:
    head = [c[1] for c in COLUMNS]
    body = [fmt_row(r) for r in rows]
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                         + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([line.format(*head), line.format(*("-" * w for w in widths))]
                     + [line.format(*r) for r in body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="goog,air,elec",
                        help="Comma-separated subset of goog, air, elec.")
    parser.add_argument("--sweep", action="store_true",
                        help="Also try other settings on airpassengers and vic_elec.")
    parser.add_argument("--markdown", action="store_true", help="Also print Markdown tables.")
    parser.add_argument("--json", type=Path, default=None, help="Write every figure here.")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    rows, sweep = [], []
    with tempfile.TemporaryDirectory(prefix="accuracy.") as tmp:
        out_root = Path(tmp)
        for key in chosen:
            for label, argv in DEFAULT_RUNS[key]:
                rows.append(run(label, argv, out_root))
        if args.sweep:
            for key in chosen:
                for label, argv in SWEEP_RUNS.get(key, []):
                    sweep.append(run(label, argv, out_root))
    print("Default runs (test span = last 25 % of rows; MASE scaled by in-sample seasonal "
          "naive):\n")
    print(table(rows, markdown=False))
    if sweep:
        print("\nSweep:\n")
        print(table(sweep, markdown=False))
        for key, prefix in (("air", "air"), ("elec", "elec")):
            done = [r for r in rows + sweep if "error" not in r and
                    r["argv"][0] == DEFAULT_RUNS[key][0][1][0]]
            if done:
                best = min(done, key=lambda r: r["model_mase"])
                print(f"best {prefix}: {best['label']}: MASE {best['model_mase']:.4f} vs "
                      f"seasonal naive {best['snaive_mase']:.4f} "
                      f"({'beats' if best['beats_snaive'] else 'does not beat'} it)")
    if args.markdown:
        print("\nMarkdown:\n")
        print(table(rows, markdown=True))
        if sweep:
            print()
            print(table(sweep, markdown=True))
    if args.json:
        args.json.write_text(json.dumps({"default": rows, "sweep": sweep}, indent=2,
                                        default=str))


if __name__ == "__main__":
    main()
