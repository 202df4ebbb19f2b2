"""Prediction intervals of forecaster's default beside statsforecast's and neuralforecast's, on the
same windows of the same series as benchmarks/forecast_accuracy.py (issue 12).

    .venv-bench/bin/python benchmarks/intervals.py [--only air,goog,...]
        [--tools forecaster,statsforecast,neuralforecast] [--refresh forecaster] [--threads 1]
        [--cost] [--markdown] [--json results.json]

The series, season m, horizon h, test span (the last 25 % of rows), origins (every h steps from
the first test row) and the rule "fitted once, never refitted" are forecast_accuracy's, whose
loading, selection, CLI and cross-validation helpers this script imports. At 80 % and 95 %:

- forecaster: the real CLI with its defaults (`forecaster train ... --json --no-tracking`;
  tourism: one global model, `forecaster run benchmarks/tourism_global.yaml`); of
  predictions.csv's windows (one from every test row, its lower_80 ... upper_95 updated origin
  by origin by adaptive conformal inference) the windows at the origins are scored. For the
  stock series, also its own adaptive and split-conformal figures from metrics.json
  (`intervals.metrics.model` / `model_split`, every test window).
- statsforecast AutoETS with its own (model-based) intervals, and SeasonalNaive with
  `ConformalIntervals(h=h, n_windows=5)` (the windows statsforecast's tutorials use; fewer
  where the training rows hold fewer, at least 2): `cross_validation(..., level=[80, 95],
  refit=False)`. With refit=False statsforecast recomputes SeasonalNaive's conformity scores
  from the last n_windows windows before each cutoff (its `forward` is `forecast`).
- neuralforecast LSTM, its default recipe with `loss=MQLoss(level=[80, 95])` (point: the
  median), `cross_validation(..., refit=False)`.

Per series, tool and level: coverage (share of actuals inside), mean width and the interval
(Winkler) score, width + 2/alpha x the distance of an actual outside, with the toolkit's own
`interval_scores.interval_metrics`; also MSIS, the interval score scaled by the in-sample
seasonal-naive MAE (as MASE is), so tourism's 304 series can be averaged into one item. Over
the collection: mean coverage per level (tourism one item: its pooled coverage), the lowest
item's coverage, and the geometric mean of the interval score relative to conformal
SeasonalNaive's (per item the ratio of MSIS, i.e. of interval scores), per level.

`--cost` times, in this process for air, goog and aus_beer with the CLI's defaults, what
intervals add: to training, `calibration_parts` + `intervals.pool` (which `Forecaster.fit_span`
runs at its end) against the whole `fit_span`; to prediction, `Forecaster.forecast(series)`
(the point forecast plus its bounds, whose rates are replayed over the unseen rows) against
`Forecaster.predict_positions` at the last origin alone (the point forecast).

Results are cached per (tool, series) in benchmarks/.cache/intervals/ (git-ignored), keyed as
forecast_accuracy's (this toolkit's key with the forecaster package's code version, so a change
to the package re-runs it), and `--refresh forecaster` re-runs only this toolkit. Costs at 1 thread:
neuralforecast about 35 s a series (LSTM only), statsforecast seconds except AutoETS on elec,
forecaster as in forecast_accuracy (elec several minutes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import forecast_accuracy as fa
import numpy as np
import pandas as pd

from forecaster.forecasting.interval_scores import bound_columns, interval_metrics

CACHE = fa.ROOT / "benchmarks" / ".cache" / "intervals"
LEVELS = (80, 95)
BOUNDS = bound_columns(LEVELS)  # lower_80, upper_80, lower_95, upper_95
TOOLS = fa.TOOLS
MODELS = {"forecaster": ["forecaster"],
          "statsforecast": ["AutoETS", "SeasonalNaive-conformal"],
          "neuralforecast": ["LSTM-MQLoss"]}
REFERENCE = "SeasonalNaive-conformal"
CONFORMAL_WINDOWS = 5
COST_SERIES = ("air", "goog", "aus_beer")


def _bounds_from_cv(s: fa.Series, cv: pd.DataFrame, name: str, point: str) -> dict[str, dict]:
    """{target: {"point": windows, "lower_80": windows, ...}} from a peer's cross-validation
    frame, its bounds named {name}-lo-80 / {name}-hi-80 (or -lo-80.0)."""
    columns = {"point": point}
    for level in LEVELS:
        for side, ours in (("lo", "lower"), ("hi", "upper")):
            found = [c for c in cv.columns if c in (f"{name}-{side}-{level}",
                                                     f"{name}-{side}-{float(level)}")]
            if not found:
                raise SystemExit(f"{s.name}: {name} gave no {side}-{level} column "
                                 f"(columns: {', '.join(map(str, cv.columns))})")
            columns[f"{ours}_{level}"] = found[0]
    per_column = {ours: fa._windows_from_cv(s, cv, theirs) for ours, theirs in columns.items()}
    return {target: {ours: per_column[ours][target] for ours in columns}
            for target in per_column["point"]}


# ----------------------------------------------------------------------------- the tools
def run_forecaster(s: fa.Series, workdir: Path, threads: int) -> dict:
    """forecast_accuracy's CLI run, then the bounds of its windows at the origins and, per
    series, metrics.json's adaptive and split figures."""
    result = fa.run_forecaster(s, workdir, threads)
    if "error" in result:
        return result
    if s.name == "tourism":
        folders = {p.name: p for p in (workdir / "pipeline" / "series").iterdir()}
        runs = {t: folders[fa._folder_name(t, folders)] for t in s.targets}
    else:
        runs = {s.targets[0]: workdir / "run"}
    points = result["forecasts"]["forecaster"]
    forecasts, own, missing = {}, {}, []
    for target, run in runs.items():
        predictions = pd.read_csv(run / "predictions.csv")
        if not all(column in predictions.columns for column in BOUNDS):
            missing.append(target)
            continue
        forecasts[target] = {"point": points[target],
                             **{c: fa._origin_windows(s, target, predictions, c)
                                for c in BOUNDS}}
        block = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
        own[target] = {name: block.get("intervals", {}).get("metrics", {}).get(name)
                       for name in ("model", "model_split")}
    result["forecasts"] = {"forecaster": forecasts}
    result["own_metrics"] = own
    if missing:
        result.setdefault("errors", {})["forecaster"] = (
            f"predictions.csv of {len(missing)} of {len(runs)} series has no "
            f"{'/'.join(BOUNDS)} columns")
    return result


def conformal_windows(s: fa.Series) -> int:
    """statsforecast's tutorial setting (5), fewer where the rows before the first cutoff hold
    fewer windows of h (statsforecast needs n_windows * h + 1 rows), at least 2."""
    return max(2, min(CONFORMAL_WINDOWS, (s.test_start - 1) // s.horizon))


def run_statsforecast(s: fa.Series, workdir: Path, threads: int) -> dict:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, SeasonalNaive
    from statsforecast.utils import ConformalIntervals

    m, h = s.season, s.horizon
    n_windows = conformal_windows(s)
    models = {"AutoETS": ("AutoETS", lambda: AutoETS(season_length=m)),
              "SeasonalNaive-conformal": ("SeasonalNaive", lambda: SeasonalNaive(
                  season_length=m,
                  prediction_intervals=ConformalIntervals(h=h, n_windows=n_windows)))}
    df = fa._long_frame(s, s.origins[-1] + h)
    result: dict = {"forecasts": {}, "fit_s": {}, "total_s": {}, "errors": {},
                    "settings": {"SeasonalNaive-conformal": f"n_windows={n_windows}"}}
    for label, (name, make) in models.items():
        start = time.perf_counter()
        try:
            sf = StatsForecast(models=[make()], freq=1, n_jobs=1)
            cv = sf.cross_validation(df=df, h=h, n_windows=s.windows, step_size=h,
                                     refit=False, level=list(LEVELS))
        except Exception as error:  # a peer failing on a series is a result, not a crash
            result["errors"][label] = f"{type(error).__name__}: {error}"
            continue
        result["total_s"][label] = time.perf_counter() - start
        result["fit_s"][label] = None
        result["forecasts"][label] = _bounds_from_cv(s, cv, name, name)
        fa._progress(f"  statsforecast {label:<24} {s.name:<12} "
                     f"{result['total_s'][label]:7.1f} s")
    return result


def run_neuralforecast(s: fa.Series, workdir: Path, threads: int) -> dict:
    import logging

    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MQLoss
    from neuralforecast.models import LSTM

    torch.set_num_threads(threads)
    for noisy in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    h = s.horizon
    quiet = {"enable_progress_bar": False, "enable_model_summary": False, "logger": False,
             "accelerator": "cpu", "enable_checkpointing": False}
    df = fa._long_frame(s, s.origins[-1] + h)
    label = "LSTM-MQLoss"
    result: dict = {"forecasts": {}, "fit_s": {}, "total_s": {}, "errors": {},
                    "settings": {label: "defaults, h, loss=MQLoss(level=[80, 95]) "
                                        "(input_size -1: neuralforecast uses 3*h)"}}
    start = time.perf_counter()
    try:
        model = LSTM(h=h, loss=MQLoss(level=list(LEVELS)), **quiet)
        nf = NeuralForecast(models=[model], freq=1)
        cv = nf.cross_validation(df=df, n_windows=s.windows, step_size=h, refit=False)
    except Exception as error:
        result["errors"][label] = f"{type(error).__name__}: {error}"
        return result
    result["total_s"][label] = time.perf_counter() - start
    result["fit_s"][label] = None
    result["forecasts"][label] = _bounds_from_cv(s, cv, "LSTM", "LSTM-median")
    fa._progress(f"  neuralforecast {label:<12} {s.name:<12} {result['total_s'][label]:7.1f} s")
    return result


RUNNERS = {"forecaster": run_forecaster, "statsforecast": run_statsforecast,
           "neuralforecast": run_neuralforecast}


# ----------------------------------------------------------------------------- the scores
def _scale(y: np.ndarray, s: fa.Series) -> float:
    """The in-sample seasonal-naive MAE of the rows before the test span (MASE's scale)."""
    m, t0 = s.season, s.test_start
    return float(np.mean(np.abs(y[m:t0] - y[:t0 - m])))


def series_scores(s: fa.Series, target: str, windows: dict) -> dict[str, dict]:
    """Per level: coverage, mean width, interval score and MSIS over every origin window."""
    y = s.values(target)
    actual = np.concatenate([y[o:o + s.horizon] for o in s.origins])
    scale = _scale(y, s)
    out = {}
    for level in LEVELS:
        lower = np.asarray(windows[f"lower_{level}"], dtype=np.float64).ravel()
        upper = np.asarray(windows[f"upper_{level}"], dtype=np.float64).ravel()
        block = interval_metrics(actual, lower, upper, float(level))
        score = block["interval_score"]
        block["msis"] = score / scale if score is not None and scale > 0 else math.nan
        out[str(level)] = block
    return out


def score_all(chosen: list[fa.Series], results: dict[str, dict[str, dict]]) -> dict:
    """{series: {model: {"80": {...}, "95": {...}}}}; tourism: coverage pooled (every series
    has the same points), width, interval score and MSIS the means over its series."""
    table: dict[str, dict] = {}
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
                each = [series_scores(s, t, forecasts[t]) for t in s.targets if t in forecasts]
                if not each:
                    continue
                row[model] = {lv: {k: float(np.nanmean([e[lv][k] for e in each]))
                                   for k in each[0][lv]} for lv in each[0]}
                row[model]["series"] = len(each)
                row[model]["total_s"] = result.get("total_s", {}).get(model)
        table[s.name] = row
    return {"series": table, "notes": notes}


def summary(table: dict[str, dict], models: list[str]) -> dict[str, dict]:
    """Per model and level, over the items where every model has a result: mean coverage,
    the lowest coverage (and its item), and the geometric-mean interval score relative to
    the reference."""
    complete = [n for n, row in table.items() if all(m in row for m in models)]
    out: dict[str, dict] = {}
    for model in models:
        out[model] = {"items": len(complete)}
        for level in map(str, LEVELS):
            cover = {n: table[n][model][level]["coverage"] for n in complete}
            rel = [table[n][model][level]["msis"] / table[n][REFERENCE][level]["msis"]
                   for n in complete if REFERENCE in table[n]]
            lowest = min(cover, key=cover.get) if cover else None
            out[model][level] = {
                "mean_coverage": float(np.mean(list(cover.values()))) if cover else math.nan,
                "lowest": cover[lowest] if lowest else math.nan, "lowest_item": lowest,
                "rel_geo_score": float(np.exp(np.mean(np.log(rel)))) if rel else math.nan}
    return out


# ----------------------------------------------------------------------------- the cost
def _median_time(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_cost(series: dict[str, fa.Series], threads: int, repeats: int = 5) -> list[dict]:
    """What intervals add to training and prediction, in this process, CLI defaults."""
    import torch

    torch.set_num_threads(threads)
    return [_cost_of(series[name], repeats) for name in COST_SERIES]


def _cost_of(s: fa.Series, repeats: int) -> dict:
    from forecaster.data import chronological_split, load_series
    from forecaster.forecasting.intervals import pool
    from forecaster.forecasting.model_intervals import calibration_parts
    from forecaster.settings import build_forecaster

    data = load_series(s.csv, target=s.targets[0], date_column=s.date_column)
    model = build_forecaster({"horizon": s.horizon}, progress="off")
    split = chronological_split(len(data.frame), test_size=fa.TEST_SIZE, val_size=0.1,
                                lookback=model.lookback, horizon=model.horizon)  # train's split
    start = time.perf_counter()
    model.fit_span(data, split.train_end, split.val_end)
    fit = time.perf_counter() - start
    calibrate = _median_time(lambda: pool([calibration_parts(
        model, data, split.train_end, split.val_end)], model.lookback_), repeats)
    n = len(data.frame)
    phase = model.phase_of(data)
    points = _median_time(lambda: model.predict_positions(data.values, np.array([n]), phase),
                          repeats)
    forecast = _median_time(lambda: model.forecast(data), repeats)
    fa._progress(f"[cost] {s.name}: fit {fit:.2f} s, calibration {calibrate:.3f} s, "
                 f"forecast {forecast * 1000:.1f} ms vs points {points * 1000:.1f} ms")
    return {"series": s.name, "rows": n, "fit_span_s": fit, "calibration_s": calibrate,
            "training_share": calibrate / fit, "predict_positions_s": points,
            "forecast_s": forecast, "forecast_ratio": forecast / points,
            "epochs": model.history_.epochs_run}


# ----------------------------------------------------------------------------- printing
def _pct(value) -> str:
    return fa._cell(100 * value if value is not None else None, 1)


def report(chosen: list[fa.Series], scored: dict, models: list[str], results: dict,
           cost: list[dict] | None, markdown: bool) -> str:
    table = scored["series"]
    parts = []
    for level in map(str, LEVELS):
        for metric, title, cell in (
                ("coverage", f"Coverage of the {level} % intervals, %", _pct),
                ("mean_width", f"Mean width of the {level} % intervals (tourism: mean over "
                               f"its series)", lambda v: fa._cell(v, 2)),
                ("interval_score", f"Interval score at {level} % (tourism: mean over its "
                                   f"series; lower is better)", lambda v: fa._cell(v, 2))):
            rows = [[name] + [cell(row.get(m, {}).get(level, {}).get(metric)) for m in models]
                    for name, row in table.items()]
            parts.append(f"{title}\n" + fa._table(["series", *models], rows, markdown))
    stats = summary(table, models)
    rows = []
    for m in models:
        cells = [m]
        for level in map(str, LEVELS):
            v = stats[m][level]
            cells += [_pct(v["mean_coverage"]),
                      f"{_pct(v['lowest'])} ({v['lowest_item'] or '—'})",
                      fa._cell(v["rel_geo_score"])]
        rows.append(cells)
    items = max((v["items"] for v in stats.values()), default=0)
    header = ["model"] + [f"{lv} %: {what}" for lv in map(str, LEVELS)
                         for what in ("mean coverage", "lowest", "rel. score")]
    parts.append(f"Collection ({items} items where every model has a result; rel. score: "
                 f"geometric mean of the interval score relative to {REFERENCE})\n"
                 + fa._table(header, rows, markdown))
    own = results.get("forecaster", {})
    stock_rows = []
    for name in fa.STOCKS:
        figures = own.get(name, {}).get("own_metrics", {})
        for block in figures.values():
            cells = [name]
            for level in map(str, LEVELS):
                for kind in ("model", "model_split"):
                    cells.append(_pct(((block.get(kind) or {}).get(level) or {})
                                      .get("coverage")))
            stock_rows.append(cells)
    if stock_rows:
        parts.append("Stock series: forecaster's coverage over every test window, adaptive "
                     "(ACI) vs split conformal, % (metrics.json)\n"
                     + fa._table(["series", "80 % adaptive", "80 % split", "95 % adaptive",
                                  "95 % split"], stock_rows, markdown))
    if cost:
        rows = [[c["series"], str(c["rows"]), str(c["epochs"]), fa._cell(c["fit_span_s"], 2),
                 fa._cell(c["calibration_s"], 3), _pct(c["training_share"]),
                 fa._cell(1000 * c["predict_positions_s"], 1),
                 fa._cell(1000 * c["forecast_s"], 1), fa._cell(c["forecast_ratio"], 2)]
                for c in cost]
        parts.append("Cost of intervals (in process, 1 fit, medians of 5 calls)\n" + fa._table(
            ["series", "rows", "epochs", "fit_span s", "calibration s", "share of fit, %",
             "points ms", "forecast with bounds ms", "ratio"], rows, markdown))
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
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per tool")
    parser.add_argument("--cost", action="store_true",
                        help="also time what intervals add (air, goog, aus_beer, in process)")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("--json", type=Path, help="write every score to this file")
    args = parser.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    refresh = {t.strip() for t in args.refresh.split(",") if t.strip()}
    for name in [*tools, *refresh]:
        if name not in TOOLS:
            parser.error(f"unknown tool {name!r}; known: {', '.join(TOOLS)}")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    every = fa.load_all()
    chosen = fa.select(every, args.only)
    results: dict[str, dict[str, dict]] = {tool: {} for tool in tools}
    for tool in tools:
        for s in chosen:
            results[tool][s.name] = fa.forecasts_of(tool, s, tool in refresh, args.threads,
                                                    cache=CACHE, runners=RUNNERS)
    models = [m for tool in tools for m in MODELS[tool]]
    scored = score_all(chosen, results)
    cost = measure_cost(every, args.threads) if args.cost else None
    print(report(chosen, scored, models, results, cost, args.markdown))
    if args.json:
        runs = {tool: {name: {k: v for k, v in r.items() if k != "forecasts"}
                       for name, r in per.items()} for tool, per in results.items()}
        args.json.write_text(json.dumps({"series": scored["series"],
                                         "summary": summary(scored["series"], models)
                                         if REFERENCE in models else None,
                                         "notes": scored["notes"], "runs": runs,
                                         "cost": cost}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
