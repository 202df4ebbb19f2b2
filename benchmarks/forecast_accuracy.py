"""Multi-step accuracy of forecaster's default beside statsforecast and neuralforecast, on the same
points of the same series (issue 11).

    .venv-bench/bin/python benchmarks/forecast_accuracy.py [--only air,aus,tourism,...]
        [--tools forecaster,statsforecast,neuralforecast] [--refresh forecaster] [--threads 2]
        [--markdown] [--json results.json]

Series (short names for --only; a group name selects its members): air (airpassengers, monthly),
co2 (co2_weekly, weekly; its 59 empty values interpolated linearly for every tool), sunspots
(monthly), elec (vic_elec Demand alone, half-hourly), aus = aus_beer ... aus_gas (the six
columns of aus_production, quarterly, each over its non-empty span), tourism (the 304 quarterly
series of tourism.csv, one Region x State x Purpose each), goog (GOOG.csv Close) and gafa =
gafa_aapl, gafa_amzn, gafa_fb (gafa_stock.csv Close, trading days; its GOOG holds the same values
as GOOG.csv, so it is left out rather than counted twice).

Season m and horizon h come from the frequency alone (FREQUENCIES): no per-series settings.
The test span is the last 25 % of rows, exactly the one `forecaster train` uses (checked against
its metrics.json); forecasts start from origins every h steps from the first test row, as long
as h rows remain. Every tool is fitted once, on the rows before the test span, and never refitted:

- forecaster: the real CLI with its defaults, `forecaster train FILE --target T [--date-column D]
  --horizon h --season m --out DIR --json --no-tracking` (tracking off only so the benchmark writes
  no MLflow runs); of its predictions.csv (a window from every test row) the windows that start
  at an origin are kept. Tourism: one global model over the 304 series, `forecaster run
  benchmarks/tourism_global.yaml` (mode: global); its training time is the wall time of that run.
  `--tourism-pipeline benchmarks/tourism_global_static.yaml` runs it with State and Purpose as
  static features (`tourism_global_embedding.yaml`: the series id, a per-series embedding).
- statsforecast AutoETS, AutoARIMA, AutoTheta, SeasonalNaive, Naive (season_length=m):
  `cross_validation(df cut at the last origin + h, h, n_windows=K, step_size=h, refit=False)`, so
  the first cutoff is the first test row. One call per model, timed whole (fit and forecasts).
- neuralforecast LSTM and NHITS with their default recipes (h=h; NHITS has no default
  input_size, it gets 2*h; LSTM keeps input_size=-1, which neuralforecast turns into 3*h),
  `NeuralForecast.cross_validation(..., refit=False)` the same way; Lightning's progress bar,
  model summary, logger and checkpoints are switched off, which changes no result.
  Timestamps are replaced by integer steps (freq=1) for both peers.

Scores per series and tool over all its windows: MASE (scaled by the in-sample seasonal-naive MAE,
season m, of the rows before the test span), sMAPE (0-200) and RMSE. Over the collection: the
geometric mean of MASE relative to SeasonalNaive (the M4 way; tourism is one item, its mean MASE
over the 304 series), the mean rank by MASE and the summed wall times. Also, per series, the
ratio forecaster MASE / SeasonalNaive MASE (flagged above 1.10) and for the stock series the ratio
to Naive (the target: within 2 %).

Costs at 1 thread (2-core machine): statsforecast's AutoARIMA takes 5 min on co2 (season 52)
and longer on elec (season 48, 39k rows); neuralforecast takes about 4 min per series (1000
steps per model whatever the length); forecaster trains elec in about 7 min, tourism (global)
in under a minute.

Forecasts are cached per (tool, series) in benchmarks/.cache/forecast_accuracy/ (git-ignored),
keyed by the series' values, h, m and the test span, so the peers are run once; this toolkit's
key adds its code version (a hash of the forecaster package's .py files), so a change to the
package re-runs it without `--refresh forecaster` (the peers' versions do not change here).
Run with `--threads 1` (the default) while developing and only on a few series; the machine's
cores for a final run.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
CACHE = ROOT / "benchmarks" / ".cache" / "forecast_accuracy"
# the tourism run's pipeline; --tourism-pipeline names a variant (static features, an id
# embedding), whose forecasts are cached apart, under variants/<its stem>
DEFAULT_TOURISM_PIPELINE = ROOT / "benchmarks" / "tourism_global.yaml"
TOURISM_PIPELINE = DEFAULT_TOURISM_PIPELINE
FORECASTER = str(Path(sys.executable).parent / "forecaster")  # the venv running this script
TEST_SIZE = 0.25  # `forecaster train`'s default test span

# frequency: (season m, horizon h); the only settings, shared by every series of that frequency
FREQUENCIES = {"monthly": (12, 12), "quarterly": (4, 8), "weekly": (52, 13), "daily": (7, 14),
               "half-hourly": (48, 48), "trading days": (5, 5)}
TOOLS = ("forecaster", "statsforecast", "neuralforecast")
MODELS = {"forecaster": ["forecaster"],
          "statsforecast": ["AutoETS", "AutoARIMA", "AutoTheta", "SeasonalNaive", "Naive"],
          "neuralforecast": ["LSTM", "NHITS"]}
REFERENCE = "SeasonalNaive"
STOCKS = ("goog", "gafa_aapl", "gafa_amzn", "gafa_fb")
# peers that were tried and did not finish: reported as not run, with the reason
NOT_RUN = {("elec", "AutoARIMA"): "did not finish in 5 minutes at 1 thread (season 48, 39k rows)"}


@dataclass
class Series:
    """One benchmark series (or the tourism collection): values, dates and how the CLI reads it."""

    name: str
    frequency: str
    frame: pd.DataFrame  # date column then one column per series (tourism: 304)
    date_column: str
    targets: list[str]
    source: str  # the file as shipped, for the report
    csv: Path | None = None  # the file given to `forecaster train` (a copy where one was needed)
    extra: dict = field(default_factory=dict)

    @property
    def season(self) -> int:
        return FREQUENCIES[self.frequency][0]

    @property
    def horizon(self) -> int:
        return FREQUENCIES[self.frequency][1]

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def test_start(self) -> int:
        return self.n - round(self.n * TEST_SIZE)  # as forecaster.data.split does

    @property
    def windows(self) -> int:
        return (self.n - self.test_start) // self.horizon

    @property
    def origins(self) -> list[int]:
        return [self.test_start + k * self.horizon for k in range(self.windows)]

    def values(self, target: str) -> np.ndarray:
        return self.frame[target].to_numpy(dtype=np.float64)

    def key(self) -> str:
        """What the cached forecasts depend on: the values, h, m and the test span."""
        digest = hashlib.sha256(np.ascontiguousarray(
            self.frame[self.targets].to_numpy(dtype=np.float64)).tobytes())
        digest.update(f"{self.season},{self.horizon},{self.test_start},{self.windows}".encode())
        return digest.hexdigest()[:16]


# ----------------------------------------------------------------------------- the series
def _copy(frame: pd.DataFrame, name: str) -> Path:
    """A derived CSV (one ticker, one column's span, filled gaps) for the CLI, in the cache."""
    path = CACHE / "data" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame.to_csv(index=False)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def load_all() -> dict[str, Series]:
    """Every series of the benchmark, read once."""
    out: dict[str, Series] = {}
    air = pd.read_csv(DATASETS / "airpassengers.csv")
    out["air"] = Series("air", "monthly", air, "ds", ["y"], "airpassengers.csv",
                        DATASETS / "airpassengers.csv")
    co2 = pd.read_csv(DATASETS / "co2_weekly.csv")
    co2["co2"] = co2["co2"].interpolate(method="linear")  # = --fill interpolate, for every tool
    out["co2"] = Series("co2", "weekly", co2, "date", ["co2"], "co2_weekly.csv",
                        _copy(co2, "co2_weekly_interpolated"))
    sun = pd.read_csv(DATASETS / "sunspots_monthly.csv")
    out["sunspots"] = Series("sunspots", "monthly", sun, "Month", ["Sunspots"],
                             "sunspots_monthly.csv", DATASETS / "sunspots_monthly.csv")
    elec = pd.read_csv(DATASETS / "vic_elec.csv", usecols=["Time", "Demand"])
    out["elec"] = Series("elec", "half-hourly", elec, "Time", ["Demand"], "vic_elec.csv",
                         DATASETS / "vic_elec.csv")
    aus = pd.read_csv(DATASETS / "aus_production.csv")
    for column in aus.columns[1:]:
        present = aus[column].notna().to_numpy()
        first, last = present.argmax(), len(present) - present[::-1].argmax()
        part = aus.iloc[first:last][["Quarter", column]].reset_index(drop=True)
        name = f"aus_{column.lower()}"
        out[name] = Series(name, "quarterly", part, "Quarter", [column],
                           f"aus_production.csv {column}", _copy(part, name))
    tourism = pd.read_csv(DATASETS / "tourism.csv")
    tourism["Series"] = tourism["Region"] + " | " + tourism["State"] + " | " + tourism["Purpose"]
    long = tourism[["Quarter", "Series", "State", "Purpose", "Trips"]]  # static features
    wide = long.pivot(index="Quarter", columns="Series", values="Trips").reset_index()
    out["tourism"] = Series("tourism", "quarterly", wide, "Quarter", list(wide.columns[1:]),
                            "tourism.csv (304 series)", _copy(long, "tourism_series"))
    goog = pd.read_csv(DATASETS / "GOOG.csv", usecols=["Date", "Close"])
    out["goog"] = Series("goog", "trading days", goog, "Date", ["Close"], "GOOG.csv Close",
                         DATASETS / "GOOG.csv")
    gafa = pd.read_csv(DATASETS / "gafa_stock.csv", usecols=["Symbol", "Date", "Close"])
    for symbol, part in gafa[gafa["Symbol"] != "GOOG"].groupby("Symbol", sort=True):
        part = part[["Date", "Close"]].reset_index(drop=True)
        name = f"gafa_{symbol.lower()}"
        out[name] = Series(name, "trading days", part, "Date", ["Close"],
                           f"gafa_stock.csv {symbol} Close", _copy(part, name))
    return out


def select(series: dict[str, Series], only: str | None) -> list[Series]:
    if not only:
        return list(series.values())
    wanted = [token.strip().lower() for token in only.split(",") if token.strip()]
    chosen = [s for s in series.values()
              if any(s.name == w or s.name.startswith(w + "_") for w in wanted)]
    unknown = [w for w in wanted
               if not any(s.name == w or s.name.startswith(w + "_") for s in series.values())]
    if unknown:
        sys.exit(f"--only: unknown series {', '.join(unknown)}; known: "
                 f"{', '.join(series)} (and the groups aus, gafa)")
    return chosen


# ----------------------------------------------------------------------------- the tools
def run_forecaster(s: Series, workdir: Path, threads: int) -> dict:
    """The real CLI with its defaults; the windows of predictions.csv that start at an origin."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    if s.name == "tourism":
        return _forecaster_global(s, workdir, env)
    target = s.targets[0]
    out = workdir / "run"
    command = [FORECASTER, "train", str(s.csv), "--target", target, "--date-column",
               s.date_column, "--horizon", str(s.horizon), "--season", str(s.season),
               "--out", str(out), "--overwrite", "--json", "--no-tracking"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        return {"error": f"exit {done.returncode}: {message}", "command": _shown(command),
                "total_s": wall}
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    _check_test_start(s, metrics["data"])
    predictions = pd.read_csv(out / "predictions.csv")
    forecasts = {target: _origin_windows(s, target, predictions)}
    training = metrics.get("training", {})
    return {"forecasts": {"forecaster": forecasts},
            "fit_s": {"forecaster": training.get("seconds")},
            "total_s": {"forecaster": wall}, "command": _shown(command),
            "lookback": metrics.get("model", {}).get("lookback"),
            "epochs": [training.get("best_epoch"), training.get("epochs_run")]}


def _shown(command: list[str]) -> str:
    shown = [Path(part).name if part == FORECASTER else part for part in command]
    return " ".join(part.replace(f"{ROOT}/", "") for part in shown)


def _check_test_start(s: Series, data: dict) -> None:
    """The first test row of the CLI's run must be ours, or the tools are not scored alike."""
    ours = pd.Timestamp(_parse_dates(s.frame[s.date_column]).iloc[s.test_start])
    theirs = pd.Timestamp(data["test_first_date"])
    if ours.tz is not None:
        theirs = theirs.tz_localize(ours.tz) if theirs.tz is None else theirs
    if ours != theirs or data["rows"] != s.n:
        raise SystemExit(f"{s.name}: forecaster's test span starts at {theirs} of {data['rows']}"
                         f" rows, this script's at {ours} of {s.n}: the scores would not match")


def _parse_dates(column: pd.Series) -> pd.Series:
    text = column.astype(str)
    quarters = text.str.extract(r"^(\d{4}) Q([1-4])$")
    if quarters[0].notna().all():
        return pd.to_datetime(quarters[0] + "-" + ((quarters[1].astype(int) - 1) * 3 + 1)
                              .astype(str) + "-01")
    if text.str.fullmatch(r"\d{8}").all():
        return pd.to_datetime(text, format="%Y%m%d")
    return pd.to_datetime(text, utc=text.str.endswith("Z").any())


def _origin_windows(s: Series, target: str, predictions: pd.DataFrame,
                    column: str = "model") -> list[list[float]]:
    """predictions.csv holds a window of h rows from every test row in turn: block j starts at
    test row j. Keep the blocks' `column` at the origins, and check their actual values are
    ours."""
    h = s.horizon
    starts = np.flatnonzero(predictions["step"].to_numpy() == 1)
    expected = s.n - s.test_start - h + 1
    if len(starts) != expected:
        raise SystemExit(f"{s.name}: predictions.csv has {len(starts)} windows, expected "
                         f"{expected}")
    y = s.values(target)
    out = []
    for origin in s.origins:
        block = predictions.iloc[starts[origin - s.test_start]:][:h]
        if not np.allclose(block["actual"].to_numpy(), y[origin:origin + h], rtol=1e-6):
            raise SystemExit(f"{s.name}: the window at row {origin} holds other actual values")
        out.append(block[column].to_list())
    return out


def _forecaster_global(s: Series, workdir: Path, env: dict) -> dict:
    """One global model over the tourism series through the pipeline runner."""
    out = workdir / "pipeline"
    command = [FORECASTER, "run", str(TOURISM_PIPELINE), "--force",
               "--set", f"data.path={s.csv}", "--set", f"output.dir={out}"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-3:]
        return {"error": f"exit {done.returncode}: {' / '.join(tail)}",
                "command": _shown(command), "total_s": wall}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    forecasts, fit = {}, None
    folders = {p.name: p for p in (out / "series").iterdir()}
    for target in s.targets:
        folder = folders.get(_folder_name(target, folders))
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        _check_test_start(s, metrics["data"] | {"rows": s.n})
        forecasts[target] = _origin_windows(s, target, pd.read_csv(folder / "predictions.csv"))
        fit = fit or metrics.get("training", {}).get("seconds")
    return {"forecasts": {"forecaster": forecasts}, "fit_s": {"forecaster": fit},
            "total_s": {"forecaster": wall}, "command": _shown(command),
            "manifest_status": manifest.get("status")}


def _folder_name(series_id: str, folders: dict) -> str:
    """The run directory of one series id (the runner may make the id safe for a path)."""
    if series_id in folders:
        return series_id
    squeezed = "".join(ch for ch in series_id if ch.isalnum())
    matches = [name for name in folders if "".join(ch for ch in name if ch.isalnum()) == squeezed]
    if len(matches) != 1:
        raise SystemExit(f"no single run directory for series {series_id!r}")
    return matches[0]


def _long_frame(s: Series, stop: int) -> pd.DataFrame:
    """The first `stop` rows of every target as (unique_id, ds, y), ds an integer step."""
    parts = [pd.DataFrame({"unique_id": target, "ds": np.arange(stop),
                           "y": s.values(target)[:stop]}) for target in s.targets]
    return pd.concat(parts, ignore_index=True)


def _windows_from_cv(s: Series, cv: pd.DataFrame, column: str) -> dict[str, list[list[float]]]:
    """{target: [forecast of each origin]} from a cross-validation frame (cutoff = origin - 1)."""
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    out = {}
    for target, part in cv.groupby("unique_id", sort=False):
        windows = []
        for origin in s.origins:
            rows = part[part["cutoff"] == origin - 1].sort_values("ds")
            if len(rows) != s.horizon or rows["ds"].iloc[0] != origin:
                raise SystemExit(f"{s.name}: {column} has no full window at row {origin}")
            windows.append(rows[column].astype(float).to_list())
        out[str(target)] = windows
    return out


def run_statsforecast(s: Series, workdir: Path, threads: int) -> dict:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, Naive, SeasonalNaive

    m, h = s.season, s.horizon
    models = {"AutoETS": lambda: AutoETS(season_length=m),
              "AutoARIMA": lambda: AutoARIMA(season_length=m),
              "AutoTheta": lambda: AutoTheta(season_length=m),
              "SeasonalNaive": lambda: SeasonalNaive(season_length=m),
              "Naive": lambda: Naive()}
    df = _long_frame(s, s.origins[-1] + h)
    result: dict = {"forecasts": {}, "fit_s": {}, "total_s": {}, "errors": {}}
    for name, make in models.items():
        if (s.name, name) in NOT_RUN:
            result["errors"][name] = f"not run: {NOT_RUN[(s.name, name)]}"
            continue
        start = time.perf_counter()
        try:
            sf = StatsForecast(models=[make()], freq=1, n_jobs=1)
            cv = sf.cross_validation(df=df, h=h, n_windows=s.windows, step_size=h, refit=False)
        except Exception as error:  # a peer failing on a series is a result, not a crash
            result["errors"][name] = f"{type(error).__name__}: {error}"
            continue
        result["total_s"][name] = time.perf_counter() - start
        result["fit_s"][name] = None  # fit and forecasts in one call
        result["forecasts"][name] = _windows_from_cv(s, cv, name)
        _progress(f"  statsforecast {name:<13} {s.name:<12} {result['total_s'][name]:7.1f} s")
    return result


def run_neuralforecast(s: Series, workdir: Path, threads: int) -> dict:
    import logging

    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM, NHITS

    torch.set_num_threads(threads)
    for noisy in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    h = s.horizon
    quiet = {"enable_progress_bar": False, "enable_model_summary": False, "logger": False,
             "accelerator": "cpu", "enable_checkpointing": False}
    models = {"LSTM": lambda: LSTM(h=h, **quiet),
              "NHITS": lambda: NHITS(h=h, input_size=2 * h, **quiet)}
    df = _long_frame(s, s.origins[-1] + h)
    result: dict = {"forecasts": {}, "fit_s": {}, "total_s": {}, "errors": {},
                    "settings": {"LSTM": "defaults, h (input_size -1: neuralforecast uses 3*h)",
                                 "NHITS": f"defaults, h, input_size={2 * h}"}}
    for name, make in models.items():
        start = time.perf_counter()
        try:
            nf = NeuralForecast(models=[make()], freq=1)
            cv = nf.cross_validation(df=df, n_windows=s.windows, step_size=h, refit=False)
        except Exception as error:
            result["errors"][name] = f"{type(error).__name__}: {error}"
            continue
        result["total_s"][name] = time.perf_counter() - start
        result["fit_s"][name] = None
        result["forecasts"][name] = _windows_from_cv(s, cv, name)
        _progress(f"  neuralforecast {name:<12} {s.name:<12} {result['total_s'][name]:7.1f} s")
    return result


RUNNERS = {"forecaster": run_forecaster, "statsforecast": run_statsforecast,
           "neuralforecast": run_neuralforecast}


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def code_hash(package: Path) -> str:
    """A hash of a package's .py files: their sorted paths and contents."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@functools.cache
def code_version() -> str:
    """The forecaster package's code hash, computed once per run."""
    return code_hash(ROOT / "forecaster")


def cache_key(tool: str, data_key: str) -> str:
    """A cached result's key: the data's, and for this toolkit its code version too, so a
    change to the package is never read from a stale cache (the peers' versions are fixed)."""
    return f"{data_key}-{code_version()}" if tool == "forecaster" else data_key


def forecasts_of(tool: str, s: Series, refresh: bool, threads: int, cache: Path = CACHE,
                 runners: dict | None = None) -> dict:
    """The cached result of (tool, series), or a fresh run when absent, stale or refreshed
    (`cache` and `runners`: another benchmark's, e.g. intervals.py)."""
    path = cache / tool / f"{s.name}.json"
    if path.exists() and not refresh:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("key") == cache_key(tool, s.key()):
            _progress(f"[{tool}] {s.name}: cached ({_seconds(cached)})")
            return cached
    workdir = cache / "work" / tool / s.name
    workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = (runners or RUNNERS)[tool](s, workdir, threads)
    result.update(key=cache_key(tool, s.key()), threads=threads,
                  seconds=time.perf_counter() - start,
                  when=time.strftime("%Y-%m-%dT%H:%M:%S"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result), encoding="utf-8")
    _progress(f"[{tool}] {s.name}: {_seconds(result)}"
              + (f"  ERROR {result['error']}" if "error" in result else ""))
    return result


def _seconds(result: dict) -> str:
    return f"{result.get('seconds', float('nan')):.1f} s, {result.get('threads', '?')} thread(s)"


# ----------------------------------------------------------------------------- the scores
def scores(y: np.ndarray, s: Series, windows: list[list[float]]) -> dict[str, float]:
    """MASE, sMAPE and RMSE over every window of one series."""
    m, t0 = s.season, s.test_start
    scale = float(np.mean(np.abs(y[m:t0] - y[:t0 - m])))
    actual = np.concatenate([y[o:o + s.horizon] for o in s.origins])
    forecast = np.asarray(windows, dtype=np.float64).ravel()
    error = actual - forecast
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(2 * np.abs(error), denominator, out=np.zeros_like(error),
                      where=denominator > 0)
    return {"mase": float(np.mean(np.abs(error)) / scale) if scale > 0 else math.nan,
            "smape": float(100 * np.mean(ratio)),
            "rmse": float(np.sqrt(np.mean(error ** 2)))}


def score_all(chosen: list[Series], results: dict[str, dict[str, dict]]) -> dict:
    """Per series (tourism: mean over its series) and per model: scores and times."""
    table: dict[str, dict[str, dict]] = {}
    notes: list[str] = []
    for s in chosen:
        row: dict[str, dict] = {}
        for tool, per_series in results.items():
            result = per_series.get(s.name, {})
            if "error" in result:
                notes.append(f"{tool} on {s.name}: {result['error']}")
            for name, error in result.get("errors", {}).items():
                notes.append(f"{name} on {s.name}: {error}")
            for model, forecasts in result.get("forecasts", {}).items():
                each = [scores(s.values(t), s, forecasts[t]) for t in s.targets]
                row[model] = {k: float(np.mean([e[k] for e in each])) for k in each[0]}
                row[model]["total_s"] = result["total_s"].get(model)
                row[model]["fit_s"] = result["fit_s"].get(model)
                if len(s.targets) > 1:
                    row[model]["per_series_mase"] = {
                        t: e["mase"] for t, e in zip(s.targets, each, strict=True)}
        table[s.name] = row
    return {"series": table, "notes": notes}


def summary(table: dict[str, dict[str, dict]], models: list[str]) -> dict[str, dict]:
    """Relative geometric-mean MASE, mean rank, mean sMAPE and summed times per model, over the
    series where every model has a result (so every model is judged on the same items)."""
    complete = [name for name, row in table.items() if all(m in row for m in models)]
    out = {}
    for model in models:
        rel = [table[n][model]["mase"] / table[n][REFERENCE]["mase"] for n in complete
               if REFERENCE in table[n]]
        ranks = []
        for n in complete:
            order = sorted(models, key=lambda x: table[n][x]["mase"])
            ranks.append(order.index(model) + 1)
        times = [table[n][model]["total_s"] for n in complete]
        fits = [table[n][model]["fit_s"] for n in complete]
        out[model] = {
            "rel_geo_mase": float(np.exp(np.mean(np.log(rel)))) if rel else math.nan,
            "mean_rank": float(np.mean(ranks)) if ranks else math.nan,
            "mean_smape": float(np.mean([table[n][model]["smape"] for n in complete]))
            if complete else math.nan,
            "total_s": float(sum(t for t in times if t is not None)),
            "fit_s": float(sum(f for f in fits)) if fits and None not in fits else None,
            "items": len(complete)}
    return out


# ----------------------------------------------------------------------------- printing
def _cell(value, digits=3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*header)] + [fmt.format(*row) for row in rows])


def report(chosen: list[Series], scored: dict, models: list[str], markdown: bool) -> str:
    table = scored["series"]
    parts = []
    setup = [[s.name, s.source, s.frequency, str(s.n), str(s.season), str(s.horizon),
              str(s.test_start), str(s.windows)] for s in chosen]
    parts.append(_table(["series", "data", "frequency", "rows", "m", "h", "first test row",
                         "origins"], setup, markdown))
    for metric, digits in (("mase", 3), ("smape", 2), ("rmse", 3)):
        rows = [[name] + [_cell(row.get(m, {}).get(metric), digits) for m in models]
                for name, row in table.items()]
        parts.append(f"{metric.upper()} per series (tourism: mean over its 304 series)\n"
                     + _table(["series", *models], rows, markdown))
    stats = summary(table, models)
    rows = [[m, _cell(v["rel_geo_mase"]), _cell(v["mean_rank"], 2), _cell(v["mean_smape"], 2),
             _cell(v["fit_s"], 1), _cell(v["total_s"], 1)] for m, v in
            sorted(stats.items(), key=lambda kv: (math.isnan(kv[1]["rel_geo_mase"]),
                                                  kv[1]["rel_geo_mase"]))]
    items = max((v["items"] for v in stats.values()), default=0)
    parts.append(f"Collection ({items} items where every model has a result; relative to "
                 f"{REFERENCE}, geometric mean)\n"
                 + _table(["model", "rel. geo-mean MASE", "mean rank", "mean sMAPE", "fit s",
                           "total s (fit + all forecasts)"], rows, markdown))
    if "forecaster" in models:
        rows = []
        for name, row in table.items():
            f = row.get("forecaster", {}).get("mase")
            sn = row.get(REFERENCE, {}).get("mase")
            nv = row.get("Naive", {}).get("mase")
            vs_sn = f / sn if f is not None and sn else None
            vs_nv = f / nv if f is not None and nv and name in STOCKS else None
            flags = []
            if vs_sn is not None and vs_sn > 1.10:
                flags.append("> 1.10 x seasonal naive")
            if vs_nv is not None and abs(vs_nv - 1) > 0.02:
                flags.append("not within 2 % of naive")
            rows.append([name, _cell(vs_sn), _cell(vs_nv), ", ".join(flags) or "ok"])
        parts.append("forecaster MASE / SeasonalNaive MASE (stocks: also / Naive)\n"
                     + _table(["series", "/ SeasonalNaive", "/ Naive", "flag"], rows, markdown))
    if scored["notes"]:
        parts.append("Problems:\n" + "\n".join(f"- {note}" for note in scored["notes"]))
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated short names, e.g. air,aus,goog")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help="comma-separated: forecaster,statsforecast,neuralforecast")
    parser.add_argument("--refresh", default="",
                        help="tools to re-run although cached, e.g. forecaster")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads per tool (default 1; the machine's cores for a final "
                             "run)")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--json", type=Path, help="write every score and time to this file")
    parser.add_argument("--tourism-pipeline", type=Path, default=DEFAULT_TOURISM_PIPELINE,
                        help="the pipeline file of the tourism run (default "
                             "benchmarks/tourism_global.yaml), e.g. "
                             "benchmarks/tourism_global_static.yaml")
    args = parser.parse_args(argv)
    global TOURISM_PIPELINE
    chosen_pipeline = args.tourism_pipeline.resolve()
    variant = (CACHE / "variants" / chosen_pipeline.stem
               if chosen_pipeline != DEFAULT_TOURISM_PIPELINE.resolve() else CACHE)
    TOURISM_PIPELINE = chosen_pipeline
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    refresh = {t.strip() for t in args.refresh.split(",") if t.strip()}
    for name in [*tools, *refresh]:
        if name not in TOOLS:
            parser.error(f"unknown tool {name!r}; known: {', '.join(TOOLS)}")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # statsforecast, torch in this process
    chosen = select(load_all(), args.only)
    results: dict[str, dict[str, dict]] = {tool: {} for tool in tools}
    for tool in tools:
        for s in chosen:
            cache = variant if tool == "forecaster" and s.name == "tourism" else CACHE
            results[tool][s.name] = forecasts_of(tool, s, tool in refresh, args.threads,
                                                 cache)
    models = [m for tool in tools for m in MODELS[tool]]
    scored = score_all(chosen, results)
    print(report(chosen, scored, models, args.markdown))
    if args.json:
        extra = {tool: {name: {k: v for k, v in r.items() if k != "forecasts"}
                        for name, r in per.items()} for tool, per in results.items()}
        args.json.write_text(json.dumps({"series": scored["series"],
                                         "summary": summary(scored["series"], models),
                                         "notes": scored["notes"], "runs": extra},
                                        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
