"""Inputs known in advance (issue 13): forecaster with and without future features, calendar and
holidays, beside seasonal naive and neuralforecast NHITS with and without the same future inputs,
on the same points of the same series.

    .venv-bench/bin/python benchmarks/covariates.py [--only epf,pedestrian,elec]
        [--tools forecaster,naive,neuralforecast] [--variants default,future+calendar,...]
        [--refresh forecaster] [--threads 1] [--markdown] [--json results.json]

Series (short names for --only; a group selects its members):
- epf = epf_fr, epf_be: datasets/epf_fr.csv and epf_be.csv (hourly day-ahead prices, 16080
  rows), h = 24, season 168 (weekly); future inputs gen_forecast and system_load (forecasts
  published the day before; the BE rows carry France's, see datasets/README.md).
- pedestrian = ped_birrarung, ped_bourke, ped_qv, ped_southern: the 4 sensors of
  datasets/pedestrian.csv, h = 24, season 24 (the toolkit's season for hourly data; the weekly
  seasonal naive, 168, is shown beside it). Each sensor's missing hours (2978 at Birrarung Marr,
  in spans of up to 31 days; 2 to 26 elsewhere) are inserted and interpolated linearly for every
  tool, and a window that holds a filled hour is not scored (so Birrarung Marr's filled month
  in its test span counts for no one).
- elec: datasets/vic_elec.csv Demand, h = 48, season 48; future input Temperature (the
  observed value, standing for the forecast a user would supply), holidays AU-VIC.

Protocol (forecast_accuracy's): the test span is the last 25 % of each series' rows, exactly the
one `forecaster train` uses (checked against its metrics.json); forecasts start from origins
every h steps from the first test row while h rows remain; every tool is fitted once on the rows
before the test span and never refitted. Scores per series and model over its scored windows:
MASE (scaled by the in-sample seasonal-naive MAE, season m, of the rows before the test span)
and MAE; per group, the mean MASE and the forecaster / seasonal-naive MASE ratio.

- forecaster: the real CLI, `forecaster train FILE --target T --date-column D --horizon h
  --season m --out DIR --json --no-tracking` plus each VARIANTS entry's options (pedestrian: one
  global model, `forecaster run benchmarks/pedestrian_global.yaml` with the same settings as
  `--set data.future_features=[...]`, `--set preprocessing.calendar=...`); of predictions.csv
  the windows that start at an origin are kept. A variant runs only when `forecaster train
  --help` lists every option it needs; the others are reported as not run. The CLI's default
  calendar is "none" (the Python API's), so `default` and `no-known-inputs` are the same
  settings today. elec's default variant is the run forecast_accuracy.py cached (the same
  command) when its cache holds one for these values.
- naive: SeasonalNaive (season m) and, where m is not a week, SeasonalNaive-weekly, computed
  here: the value one season before each target step (what statsforecast's SeasonalNaive gives).
- neuralforecast (EPF only): NHITS(h, input_size=2*h) with and without
  futr_exog_list=['gen_forecast', 'system_load'], as neuralforecast users give future inputs
  (only the given columns, no calendar added); scaler_type='robust' for both, as neuralforecast's
  own exogenous-variables example on this data does (the default, identity, would feed raw loads
  of ~50000 to the network); the rest of its default recipe (1000 steps).
  `NeuralForecast.cross_validation(..., n_windows=K, step_size=h, refit=False)` on integer steps
  (freq=1) with the future columns in the frame; Lightning's bar, summary, logger and checkpoints
  off.

Costs at 1 thread: NHITS about 3-4 minutes per series and variant; forecaster about 3 minutes per
EPF market, several minutes for pedestrian (global) and 8 for elec.

Results are cached per (tool or variant, series) in benchmarks/.cache/covariates/ (git-ignored),
keyed by the series' values, h, m, the test span and the variant's options, and for forecaster
variants the package's code version (forecast_accuracy.code_version: a change to the package
re-runs them; the peers' keys are the data's only): `--refresh forecaster` re-runs every
forecaster variant, `--refresh future+calendar` one of them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import forecast_accuracy as fa
import numpy as np
import pandas as pd

ROOT = fa.ROOT
DATASETS = fa.DATASETS
CACHE = ROOT / "benchmarks" / ".cache" / "covariates"
FORECASTER = fa.FORECASTER
TEST_SIZE = fa.TEST_SIZE
EPF_FUTURE = ["gen_forecast", "system_load"]
SENSORS = {"ped_birrarung": "Birrarung Marr", "ped_bourke": "Bourke Street Mall (North)",
           "ped_qv": "QV Market-Elizabeth St (West)", "ped_southern": "Southern Cross Station"}
GROUPS = {"epf": ["epf_fr", "epf_be"], "pedestrian": list(SENSORS), "elec": ["elec"]}
TOOLS = ("forecaster", "naive", "neuralforecast")

# The forecaster variants: name -> (groups, settings). A setting is one name of the issue's plan
# (the Python keyword and pipeline key; the CLI option is the same with dashes). "default" needs
# nothing new; the others run once `forecaster train --help` lists their options.
VARIANTS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "default": (("epf", "pedestrian", "elec"), {}),
    "no-known-inputs": (("epf", "pedestrian", "elec"), {"calendar": "none"}),
    "calendar": (("epf", "pedestrian", "elec"), {"calendar": "auto"}),
    "future": (("epf",), {"future_features": ",".join(EPF_FUTURE), "calendar": "none"}),
    # averaged with Theta, which knows no future inputs (the default before --combine auto)
    "future+calendar": (("epf",), {"future_features": ",".join(EPF_FUTURE),
                                   "calendar": "auto", "combine": "theta"}),
    # the network alone: what --combine auto does with future-known columns
    "future+calendar-network": (("epf",), {"future_features": ",".join(EPF_FUTURE),
                                           "calendar": "auto", "combine": "none"}),
    "calendar+holidays": (("pedestrian", "elec"), {"calendar": "auto", "holidays": "AU-VIC"}),
    "temperature+calendar+holidays": (("elec",), {"future_features": "Temperature",
                                                  "calendar": "auto", "holidays": "AU-VIC"}),
}
NHITS_VARIANTS = {"NHITS": [], "NHITS-future": EPF_FUTURE}
# where a setting lives in a pipeline file (columns in `data`, inputs made from dates in
# `preprocessing`)
PIPELINE_SECTIONS = {"future_features": "data", "static_features": "data",
                     "calendar": "preprocessing", "holidays": "preprocessing"}


@dataclass
class Item:
    """One series of the benchmark: a frame with the date, the target and its known inputs."""

    name: str
    group: str
    frame: pd.DataFrame
    date_column: str
    target: str
    season: int
    horizon: int
    csv: Path  # the file `forecaster train` reads (pedestrian: the group's long copy)
    source: str
    filled: np.ndarray | None = None  # True where the row was inserted by the benchmark
    weekly: int | None = None  # the weekly season where `season` is not a week
    extra: dict = field(default_factory=dict)

    @property
    def targets(self) -> list[str]:
        return [self.target]

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def test_start(self) -> int:
        return self.n - round(self.n * TEST_SIZE)

    @property
    def windows(self) -> int:
        return (self.n - self.test_start) // self.horizon

    @property
    def origins(self) -> list[int]:
        return [self.test_start + k * self.horizon for k in range(self.windows)]

    @property
    def scored(self) -> list[int]:
        """Indices of the origins whose window holds no filled value."""
        if self.filled is None:
            return list(range(self.windows))
        return [k for k, o in enumerate(self.origins)
                if not self.filled[o:o + self.horizon].any()]

    def values(self, target: str | None = None) -> np.ndarray:
        return self.frame[target or self.target].to_numpy(dtype=np.float64)

    def key(self, options: str = "") -> str:
        digest = hashlib.sha256(np.ascontiguousarray(self.values()).tobytes())
        digest.update(f"{self.season},{self.horizon},{self.test_start},{self.windows}".encode())
        if options:
            digest.update(options.encode())
        return digest.hexdigest()[:16]


# ----------------------------------------------------------------------------- the series
def _filled_sensor(part: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """One sensor on its full hourly grid, missing hours interpolated, and which were filled."""
    times = pd.to_datetime(part["Date_Time"], utc=True)
    counts = pd.Series(part["Count"].to_numpy(dtype=np.float64), index=times)
    grid = pd.date_range(times.min(), times.max(), freq="h")
    full = counts.reindex(grid)
    filled = full.isna().to_numpy()
    full = full.interpolate(method="linear")
    text = grid.strftime("%Y-%m-%dT%H:%M:%SZ")
    return pd.DataFrame({"Date_Time": text, "Count": full.to_numpy()}), filled


def load_all() -> dict[str, Item]:
    out: dict[str, Item] = {}
    for market in ("fr", "be"):
        path = DATASETS / f"epf_{market}.csv"
        frame = pd.read_csv(path)
        out[f"epf_{market}"] = Item(f"epf_{market}", "epf", frame, "ds", "y", 168, 24, path,
                                    f"epf_{market}.csv")
    pedestrian = pd.read_csv(DATASETS / "pedestrian.csv")
    parts, long = {}, []
    for name, sensor in SENSORS.items():
        frame, filled = _filled_sensor(pedestrian[pedestrian["Sensor"] == sensor])
        parts[name] = (frame, filled)
        long.append(frame.assign(Sensor=sensor)[["Sensor", "Date_Time", "Count"]])
    copy = _copy(pd.concat(long, ignore_index=True), "pedestrian_filled")
    for name, (frame, filled) in parts.items():
        out[name] = Item(name, "pedestrian", frame, "Date_Time", "Count", 24, 24, copy,
                         f"pedestrian.csv {SENSORS[name]} ({int(filled.sum())} hours filled)",
                         filled=filled, weekly=168, extra={"sensor": SENSORS[name]})
    elec = pd.read_csv(DATASETS / "vic_elec.csv", usecols=["Time", "Demand", "Temperature"])
    out["elec"] = Item("elec", "elec", elec, "Time", "Demand", 48, 48, DATASETS / "vic_elec.csv",
                       "vic_elec.csv Demand", weekly=336)
    return out


def _copy(frame: pd.DataFrame, name: str) -> Path:
    path = CACHE / "data" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def select(items: dict[str, Item], only: str | None) -> list[Item]:
    if not only:
        return list(items.values())
    chosen: list[str] = []
    for token in (t.strip().lower() for t in only.split(",") if t.strip()):
        names = GROUPS.get(token, [token] if token in items else None)
        if names is None:
            sys.exit(f"--only: unknown series {token}; known: {', '.join(items)} and the groups "
                     f"{', '.join(GROUPS)}")
        chosen += [n for n in names if n not in chosen]
    return [items[n] for n in chosen]


# ----------------------------------------------------------------------------- forecaster
def _available_options() -> str:
    done = subprocess.run([FORECASTER, "train", "--help"], capture_output=True, text=True,
                          cwd=ROOT)
    return done.stdout


def runnable(settings: dict[str, str], help_text: str) -> list[str]:
    """The CLI options a variant needs that `forecaster train --help` does not list yet."""
    return [f"--{name.replace('_', '-')}" for name in settings
            if f"--{name.replace('_', '-')}" not in help_text]


def cli_options(settings: dict[str, str]) -> list[str]:
    out: list[str] = []
    for name, value in settings.items():
        out += [f"--{name.replace('_', '-')}", value]
    return out


def run_forecaster(item: Item, options: list[str], workdir: Path, threads: int) -> dict:
    """`forecaster train` with the benchmark's settings plus `options`; the windows of
    predictions.csv that start at an origin."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    out = workdir / "run"
    command = [FORECASTER, "train", str(item.csv), "--target", item.target, "--date-column",
               item.date_column, "--horizon", str(item.horizon), "--season", str(item.season),
               "--out", str(out), "--overwrite", "--json", "--no-tracking", *options]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"error": f"exit {done.returncode}: {message}", "command": fa._shown(command),
                "total_s": wall}
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    fa._check_test_start(item, metrics["data"])
    windows = fa._origin_windows(item, item.target, pd.read_csv(out / "predictions.csv"))
    training = metrics.get("training", {})
    return {"windows": windows, "fit_s": training.get("seconds"), "total_s": wall,
            "command": fa._shown(command),
            "lookback": metrics.get("model", {}).get("lookback"),
            "epochs": [training.get("best_epoch"), training.get("epochs_run")]}


def run_pedestrian_global(members: list[Item], settings: dict[str, str], workdir: Path,
                          threads: int) -> dict[str, dict]:
    """One global model over the sensors through the pipeline runner, the variant's settings
    given as `--set <section>.<name>=<value>`; {item name: result}."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    out = workdir / "pipeline"
    sets = []
    for name, value in settings.items():
        listed = f"[{value}]" if name in ("future_features", "static_features") else value
        sets += ["--set", f"{PIPELINE_SECTIONS[name]}.{name}={listed}"]
    command = [FORECASTER, "run", str(ROOT / "benchmarks" / "pedestrian_global.yaml"), "--force",
               "--no-tracking", "--set", f"data.path={members[0].csv}",
               "--set", f"output.dir={out}", *sets]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        error = {"error": f"exit {done.returncode}: {' / '.join(tail)}",
                 "command": fa._shown(command), "total_s": wall}
        return {item.name: error for item in members}
    folders = {p.name: p for p in (out / "series").iterdir()}
    results = {}
    for item in members:
        folder = folders[fa._folder_name(item.extra["sensor"], folders)]
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        fa._check_test_start(item, metrics["data"] | {"rows": item.n})
        windows = fa._origin_windows(item, item.target, pd.read_csv(folder / "predictions.csv"))
        results[item.name] = {"windows": windows, "fit_s": metrics.get("training", {}).get(
            "seconds"), "total_s": wall, "command": fa._shown(command)}
    return results


def _accuracy_cache(item: Item) -> dict | None:
    """forecast_accuracy's cached default run of the same series, h, m and test span."""
    path = fa.CACHE / "forecaster" / f"{item.name}.json"
    if item.name != "elec" or not path.exists():
        return None
    cached = json.loads(path.read_text(encoding="utf-8"))
    # the same formula as forecast_accuracy's Series.key, with the same code version
    if cached.get("key") != fa.cache_key("forecaster", item.key()):
        return None
    return {"windows": cached["forecasts"]["forecaster"][item.target],
            "fit_s": cached["fit_s"]["forecaster"], "total_s": cached["total_s"]["forecaster"],
            "command": cached["command"], "reused": f"forecast_accuracy's run of {cached['when']}"}


def forecaster_results(chosen: list[Item], variants: list[str], refresh: set[str],
                       threads: int) -> dict[str, dict[str, dict]]:
    """{variant: {item: result}}, each cached under CACHE/<variant>/<item>.json."""
    help_text = _available_options()
    out: dict[str, dict[str, dict]] = {}
    for variant in variants:
        groups, settings = VARIANTS[variant]
        members = [item for item in chosen if item.group in groups]
        if not members:
            continue
        missing = runnable(settings, help_text)
        if missing:
            out[variant] = {item.name: {"error": f"not run: forecaster train has no "
                                                 f"{', '.join(missing)} yet"}
                            for item in members}
            continue
        fresh = variant in refresh or "forecaster" in refresh
        options = cli_options(settings)
        out[variant] = {}
        pending = []
        for item in members:
            cached = _cached(variant, item, " ".join(options), fresh)
            if cached is not None:
                out[variant][item.name] = cached
            else:
                pending.append(item)
        for item in [i for i in pending if i.group != "pedestrian"]:
            reused = None if (fresh or options) else _accuracy_cache(item)
            workdir = CACHE / "work" / variant / item.name
            workdir.mkdir(parents=True, exist_ok=True)
            result = reused or run_forecaster(item, options, workdir, threads)
            out[variant][item.name] = _store(variant, item, " ".join(options), result, threads)
        sensors = [i for i in pending if i.group == "pedestrian"]
        if sensors:
            group = [item for item in chosen if item.group == "pedestrian"]
            workdir = CACHE / "work" / variant / "pedestrian"
            workdir.mkdir(parents=True, exist_ok=True)
            results = run_pedestrian_global(group, settings, workdir, threads)
            for item in group:
                out[variant][item.name] = _store(variant, item, " ".join(options),
                                                 results[item.name], threads)
    return out


def _key(tool: str, item: Item, options: str) -> str:
    """The data's key; a forecaster variant's with the package's code version too."""
    return fa.cache_key("forecaster" if tool in VARIANTS else tool, item.key(options))


def _cached(tool: str, item: Item, options: str, refresh: bool) -> dict | None:
    path = CACHE / tool / f"{item.name}.json"
    if path.exists() and not refresh:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == _key(tool, item, options) and "error" not in cached:
            fa._progress(f"[{tool}] {item.name}: cached ({fa._seconds(cached)})")
            return cached
    return None


def _store(tool: str, item: Item, options: str, result: dict, threads: int) -> dict:
    result.update(key=_key(tool, item, options), threads=threads,
                  seconds=result.get("seconds", result.get("total_s") or math.nan),
                  when=result.get("when", time.strftime("%Y-%m-%dT%H:%M:%S")))
    path = CACHE / tool / f"{item.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result), encoding="utf-8")
    fa._progress(f"[{tool}] {item.name}: {fa._seconds(result)}"
                 + (f"  ERROR {result['error']}" if "error" in result else ""))
    return result


# ----------------------------------------------------------------------------- the peers
def seasonal_naive(item: Item, season: int) -> list[list[float]]:
    """At each origin, the value one season before each target step (h <= season here)."""
    y = item.values()
    steps = np.arange(item.horizon)
    return [y[o - season + steps % season].tolist() for o in item.origins]


def run_nhits(item: Item, future: list[str], threads: int) -> dict:
    import logging

    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.models import NHITS

    torch.set_num_threads(threads)
    for noisy in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    h = item.horizon
    quiet = {"enable_progress_bar": False, "enable_model_summary": False, "logger": False,
             "accelerator": "cpu", "enable_checkpointing": False}
    stop = item.origins[-1] + h
    df = pd.DataFrame({"unique_id": item.target, "ds": np.arange(stop),
                       "y": item.values()[:stop]})
    for column in future:
        df[column] = item.frame[column].to_numpy(dtype=np.float64)[:stop]
    model = NHITS(h=h, input_size=2 * h, futr_exog_list=future or None, scaler_type="robust",
                  **quiet)
    start = time.perf_counter()
    cv = NeuralForecast(models=[model], freq=1).cross_validation(
        df=df, n_windows=item.windows, step_size=h, refit=False)
    wall = time.perf_counter() - start
    windows = fa._windows_from_cv(item, cv, "NHITS")[item.target]
    return {"windows": windows, "fit_s": None, "total_s": wall,
            "settings": f"h={h}, input_size={2 * h}, scaler_type=robust, futr_exog_list="
                        f"{future or None}, defaults otherwise"}


def peer_results(chosen: list[Item], tools: list[str], refresh: set[str],
                 threads: int) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    if "naive" in tools:
        out["SeasonalNaive"] = {i.name: {"windows": seasonal_naive(i, i.season), "total_s": 0.0,
                                         "settings": f"season {i.season}"} for i in chosen}
        out["SeasonalNaive-weekly"] = {
            i.name: {"windows": seasonal_naive(i, i.weekly), "total_s": 0.0,
                     "settings": f"season {i.weekly}"} for i in chosen if i.weekly}
    if "neuralforecast" in tools:
        for name, future in NHITS_VARIANTS.items():
            out[name] = {}
            for item in (i for i in chosen if i.group == "epf"):
                cached = _cached(name, item, ",".join(future), "neuralforecast" in refresh)
                if cached is None:
                    try:
                        result = run_nhits(item, future, threads)
                    except Exception as error:  # a peer failing is a result, not a crash
                        result = {"error": f"{type(error).__name__}: {error}"}
                    cached = _store(name, item, ",".join(future), result, threads)
                out[name][item.name] = cached
    return out


# ----------------------------------------------------------------------------- the scores
def scores(item: Item, windows: list[list[float]]) -> dict[str, float]:
    """MASE and MAE over the item's scored windows."""
    y, m, t0 = item.values(), item.season, item.test_start
    scale = float(np.mean(np.abs(y[m:t0] - y[:t0 - m])))
    keep = item.scored
    actual = np.concatenate([y[item.origins[k]:item.origins[k] + item.horizon] for k in keep])
    forecast = np.asarray(windows, dtype=np.float64)[keep].ravel()
    mae = float(np.mean(np.abs(actual - forecast)))
    return {"mase": mae / scale, "mae": mae, "windows": len(keep)}


def score_all(chosen: list[Item], results: dict[str, dict[str, dict]]) -> tuple[dict, list]:
    table: dict[str, dict[str, dict]] = {item.name: {} for item in chosen}
    notes: list[str] = []
    for model, per_item in results.items():
        failed: dict[str, list[str]] = {}  # error -> items, so a variant not run is one line
        for item in chosen:
            result = per_item.get(item.name)
            if result is None:
                continue
            if "error" in result:
                failed.setdefault(result["error"], []).append(item.name)
                continue
            table[item.name][model] = scores(item, result["windows"]) | {
                "total_s": result.get("total_s")}
        notes += [f"{model} on {', '.join(names)}: {error}" for error, names in failed.items()]
    return table, notes


def report(chosen: list[Item], table: dict, models: list[str], markdown: bool) -> str:
    parts = []
    setup = [[i.name, i.source, str(i.n), str(i.season), str(i.horizon), str(i.test_start),
              f"{len(i.scored)} of {i.windows}"] for i in chosen]
    parts.append(fa._table(["series", "data", "rows", "m", "h", "first test row",
                            "scored origins"], setup, markdown))
    shown = [m for m in models if any(m in row for row in table.values())]
    for metric in ("mase", "mae"):
        rows = [[name] + [fa._cell(row.get(m, {}).get(metric)) for m in shown]
                for name, row in table.items()]
        for group, members in GROUPS.items():
            present = [n for n in members if n in table]
            if len(present) > 1:
                rows.append([f"{group} (mean)"] + [fa._cell(
                    float(np.mean([table[n][m][metric] for n in present]))
                    if all(m in table[n] for n in present) else None) for m in shown])
        parts.append(f"{metric.upper()} per series\n" + fa._table(["series", *shown], rows,
                                                                  markdown))
    forecasters = [m for m in shown if m.startswith("forecaster")]
    if forecasters:
        rows = [[name] + [fa._cell(row[m]["mase"] / row["SeasonalNaive"]["mase"])
                          if m in row and "SeasonalNaive" in row else "—" for m in forecasters]
                for name, row in table.items()]
        parts.append("forecaster MASE / SeasonalNaive MASE (target: 0.70 or lower for "
                     "pedestrian and elec)\n" + fa._table(["series", *forecasters], rows,
                                                          markdown))
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated series or groups: epf,pedestrian,elec")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help="comma-separated: forecaster,naive,neuralforecast")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"forecaster variants (default all: {', '.join(VARIANTS)})")
    parser.add_argument("--refresh", default="",
                        help="re-run although cached: forecaster, neuralforecast or a variant")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per tool")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--json", type=Path, help="write every score and time to this file")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    refresh = {t.strip() for t in args.refresh.split(",") if t.strip()}
    for name in tools:
        if name not in TOOLS:
            parser.error(f"unknown tool {name!r}; known: {', '.join(TOOLS)}")
    for name in variants + [r for r in refresh if r not in TOOLS]:
        if name not in VARIANTS:
            parser.error(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    chosen = select(load_all(), args.only)
    results = peer_results(chosen, tools, refresh, args.threads)
    if "forecaster" in tools:
        for variant, per_item in forecaster_results(chosen, variants, refresh,
                                                    args.threads).items():
            results[f"forecaster[{variant}]"] = per_item
    table, notes = score_all(chosen, results)
    print(report(chosen, table, list(results), args.markdown))
    if notes:
        print("\nNot run or failed:\n" + "\n".join(f"- {note}" for note in notes))
    if args.json:
        runs = {model: {name: {k: v for k, v in r.items() if k != "windows"}
                        for name, r in per.items()} for model, per in results.items()}
        args.json.write_text(json.dumps({"series": table, "notes": notes, "runs": runs},
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
