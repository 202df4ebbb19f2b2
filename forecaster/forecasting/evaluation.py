"""Score a model beside the baselines on the same windows, and say plainly who wins."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from forecaster.forecasting.baselines import BASELINE_LABELS, all_baselines, baseline_labels
from forecaster.forecasting.interval_report import IntervalReport, score_intervals
from forecaster.forecasting.intervals import Calibration
from forecaster.forecasting.metrics import mase_scale, metric_notes, point_metrics
from forecaster.forecasting.verdict import Verdict, judge


@dataclass(frozen=True)
class IntervalRequest:
    """What `evaluate_forecasts` needs for intervals: the model's calibration (None: a model
    saved before intervals) and the levels in percent."""

    calibration: Calibration | None
    levels: tuple[float, ...]
    note: str | None = None  # why a default level was left out
    window: int = 2  # the rows a baseline's volatility is measured over (the model's lookback)


def coverage_sentence(report: IntervalReport) -> str | None:
    """e.g. "Its 80 % intervals held 78.9 % of the actual values, its 95 % intervals 93.1 %
    (split conformal without updates: 74.0 %, 90.2 %)." None when the model has none."""
    held = report.coverage("model")
    if not held or any(value is None for value in held.values()):
        return None
    parts = [f"{name} % intervals held {100 * value:.1f} %" for name, value in held.items()]
    split = report.coverage("model_split")
    text = "Its " + parts[0] + " of the actual values" + "".join(
        f", its {part.replace(' held ', ' ')}" for part in parts[1:])
    if split and all(value is not None for value in split.values()):
        text += (" (split conformal without updates: "
                 + ", ".join(f"{100 * value:.1f} %" for value in split.values()) + ")")
    return text + "."


UNDER_COVERAGE = 0.05  # a level whose intervals hold this much less is a caveat


def with_coverage(judged: Verdict, report: IntervalReport) -> Verdict:
    """The verdict with the coverage sentence added, and a caveat per level whose intervals
    held clearly fewer actual values than they should."""
    sentence = coverage_sentence(report)
    if sentence is None:
        return judged
    caveats = list(judged.caveats)
    for name, held in report.coverage("model").items():
        if held is not None and held < float(name) / 100 - UNDER_COVERAGE:
            caveats.append(f"{name} % intervals held {100 * held:.0f} %")
    return replace(judged, text=f"{judged.text} {sentence}", caveats=caveats)


@dataclass
class Evaluation:
    """Metrics by forecaster name ("model" first), per-point predictions and a verdict."""

    metrics: dict[str, dict[str, float | None]]  # None: not computable (see `notes`)
    predictions: pd.DataFrame  # date, step, actual, model, one column per baseline
    verdict: str
    horizon: int
    season: int
    model_label: str
    metrics_by_step: dict[str, dict[str, list[float]]] | None = None
    baseline_labels: dict[str, str] = field(default_factory=dict)  # name -> with settings
    notes: dict[str, str] = field(default_factory=dict)  # metric -> why it is left out
    judged: Verdict | None = None  # the one verdict: outcome, sentence, caveats
    in_sample_points: int = 0  # scored points whose target row the model trained/validated on
    intervals: IntervalReport | None = None  # coverage, width, interval score per level

    @property
    def span(self) -> str:
        """What the scored points are: "test", "in-sample" or "partly in-sample"."""
        return span_name(self.in_sample_points, len(self.predictions))

    def labels(self) -> dict[str, str]:
        """Display names: the model's, then each baseline's with its settings (the same names
        the verdict uses)."""
        return {"model": self.model_label, **BASELINE_LABELS,
                "seasonal_naive": f"seasonal naive ({self.season})", **self.baseline_labels}

    def table(self) -> pd.DataFrame:
        """Forecasters as rows, metrics as columns, model first."""
        return pd.DataFrame(self.metrics).T

    def to_dict(self) -> dict[str, Any]:
        from forecaster.data.date_text import date_format

        dates = pd.DatetimeIndex(self.predictions["date"])
        shown = date_format(dates)  # from every date: hourly data keep their times at midnight
        first, last = ((dates[0].strftime(shown), dates[-1].strftime(shown)) if len(dates)
                       else (None, None))
        return {
            "points": int(len(self.predictions)),
            "horizon": self.horizon,
            "season": self.season,
            "baselines": {name: label for name, label in self.labels().items()
                          if name != "model"},
            "first_date": first,  # ISO 8601, with the time only where it is not midnight
            "last_date": last,
            "metrics": self.metrics,
            **({"metrics_not_computed": self.notes} if self.notes else {}),
            "scored_span": self.span,
            "in_sample_points": self.in_sample_points,
            "unseen_points": int(len(self.predictions)) - self.in_sample_points,
            "skill_vs_naive": skill(self.metrics),
            "beats_naive": self.judged.beats_naive if self.judged else beats_naive(self.metrics),
            **({"beats_best_baseline": self.judged.beats_best_baseline,
                "best_baseline": self.judged.best_baseline_record(),
                "skill_vs_best_baseline": self.judged.skill_vs_best_baseline}
               if self.judged else {}),
            "verdict": self.verdict,
            **({"verdict_outcome": self.judged.outcome, "verdict_caveats": self.judged.caveats,
                "verdict_short": self.judged.short} if self.judged else {}),
            **({"metrics_by_step": self.metrics_by_step} if self.metrics_by_step else {}),
            **({"intervals": self.intervals.to_dict()} if self.intervals else {}),
        }


def _rmses(metrics: dict[str, dict[str, float | None]]) -> tuple[float, float] | None:
    """(model RMSE, naive RMSE), or None when either could not be computed."""
    model, naive = metrics["model"]["rmse"], metrics["naive"]["rmse"]
    return None if model is None or naive is None else (model, naive)


def skill(metrics: dict[str, dict[str, float | None]]) -> float | None:
    """1 - RMSE_model / RMSE_naive: positive means better than repeating the last value (None
    when either RMSE is missing or the naive one is zero)."""
    pair = _rmses(metrics)
    if pair is None or pair[1] == 0:
        return None
    return float(1.0 - pair[0] / pair[1])


def beats_naive(metrics: dict[str, dict[str, float | None]]) -> bool | None:
    """The verdict's own answer (a tie within 0.5% is not a win)."""
    return judge(metrics, "model").beats_naive


def verdict(metrics: dict[str, dict[str, float | None]], model_label: str, **facts: Any) -> str:
    """The verdict's sentence (see `forecaster.forecasting.verdict.judge` for `facts`)."""
    return judge(metrics, model_label, labels=BASELINE_LABELS, **facts).text


_OVERFLOW = ("not computable: the errors are beyond the range of floating-point numbers (the "
             "series' values are too large); rescale the series")


def _notes(actual: np.ndarray, scale: float, metrics: dict[str, dict[str, float | None]]
           ) -> dict[str, str]:
    """Why each metric left out (None) for some forecaster is missing."""
    notes = metric_notes(actual, scale)
    for values in metrics.values():
        for name, value in values.items():
            if value is None and name not in notes:
                notes[name] = _OVERFLOW
    return notes


def span_name(in_sample: int, points: int) -> str:
    """"test" when no scored point was seen in training, "in-sample" when all were."""
    if in_sample == 0:
        return "test"
    return "in-sample" if in_sample >= points else "partly in-sample"


def _day(stamp: Any) -> str:
    """A date as 2018-01-02, with the time only where it is not midnight."""
    stamp = pd.Timestamp(stamp)
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def seen_note(in_sample: int, points: int, trained_until: Any, first_unseen: Any) -> str | None:
    """The sentence saying how many scored points the model trained or validated on."""
    if in_sample == 0:
        return None
    until = f" (up to {_day(trained_until)})" if trained_until is not None else ""
    after = (f" Score from --start {_day(first_unseen)} for a test result."
             if first_unseen is not None else "")
    return (f"In-sample: {in_sample} of the {points} scored points lie in the rows the model "
            f"was trained and validated on{until}; only {points - in_sample} are unseen, so "
            f"this flatters the model.{after}")


def evaluate_forecasts(y: np.ndarray, dates: pd.DatetimeIndex, positions: np.ndarray,
                       model_predictions: np.ndarray, *, season: int, model_label: str,
                       by_step: bool = False, seen_rows: int = 0,
                       best_epoch: int | None = None,
                       intervals: IntervalRequest | None = None) -> Evaluation:
    """Metrics of (windows, horizon) model predictions and of every baseline on those windows.

    All history before the first scored window is fair game for the baselines (and for the
    MASE scale); nothing at or after a window's first target is used to forecast it.
    `seen_rows`: the leading rows of `y` the model trained or validated on (targets among them
    are in-sample, and the verdict says so); `best_epoch`: the epoch the model was kept at;
    `intervals`: score the model's and every baseline's intervals (`interval_report`), and add
    their bounds to the predictions and their coverage to the verdict.
    """
    horizon = model_predictions.shape[1]
    start = int(positions[0])
    baselines = all_baselines(y, positions, horizon, season, fit_end=start)
    labels = baseline_labels(y, season, fit_end=start)
    forecasts = {"model": model_predictions, **baselines}
    targets = positions[:, None] + np.arange(horizon)[None, :]
    actual = y[targets]
    scale = mase_scale(y[:start], season)
    metrics = {name: point_metrics(actual, pred, scale) for name, pred in forecasts.items()}
    report = None
    if intervals is not None:
        report = score_intervals(y, positions, forecasts, intervals.calibration,
                                 intervals.levels, season=season, start=start,
                                 window=intervals.window)
        if intervals.note:
            report.notes["levels"] = intervals.note
    table = pd.DataFrame({
        "date": dates[targets.ravel()],
        "step": np.tile(np.arange(1, horizon + 1), len(positions)),
        "actual": actual.ravel(),
        "model": model_predictions.ravel(),
        **(report.columns() if report is not None else {}),
        **{name: pred.ravel() for name, pred in baselines.items()},
    })
    steps = None
    if by_step:
        steps = {name: {metric: [point_metrics(actual[:, h], pred[:, h], scale)[metric]
                                 for h in range(horizon)] for metric in ("rmse", "mae", "mase")}
                 for name, pred in forecasts.items()}
    in_sample = int((targets < seen_rows).sum())
    trained_until = dates[seen_rows - 1] if 0 < seen_rows <= len(dates) else None
    first_unseen = dates[seen_rows] if 0 < seen_rows < len(dates) else None
    judged = judge(metrics, model_label, rows=len(np.unique(targets)), best_epoch=best_epoch,
                   span=span_name(in_sample, targets.size),
                   seen_note=seen_note(in_sample, targets.size, trained_until, first_unseen),
                   labels=labels)
    if report is not None:
        judged = with_coverage(judged, report)
    return Evaluation(metrics, table, judged.text, horizon, season, model_label,
                      steps, labels, _notes(actual, scale, metrics), judged, in_sample, report)


def rows_seen(data_info: dict[str, Any], series: Any) -> int:
    """How many leading rows of `series` (a SeriesData) the model trained and validated on.

    The rows up to the recorded training end (`last_date`) count as seen, unless they are
    provably other data: as many rows as the model fitted on, with another fingerprint (the
    same dates of another series). A model saved before `fit_fingerprint` was recorded is
    judged by its dates alone."""
    last = data_info.get("last_date")
    index = series.frame.index
    if not last or not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        return 0
    try:
        stamp = pd.Timestamp(str(last))
    except ValueError:  # the parse of this one recorded value only
        stamp = pd.NaT
    if stamp is pd.NaT:
        from forecaster.errors import ModelFileError

        raise ModelFileError(f"The model's config.json records data.last_date="
                             f"{str(last)[:40]!r}, which is not a date: it cannot say which "
                             f"rows it was trained on. Train the model again.")
    if index.tz is not None and stamp.tz is None:
        stamp = stamp.tz_localize(index.tz)
    elif index.tz is None and stamp.tz is not None:
        stamp = stamp.tz_convert(None)
    count = int(index.searchsorted(stamp, side="right"))
    fitted = sum(value for value in (data_info.get("train_rows"),
                                     data_info.get("validation_rows"))
                 if isinstance(value, int) and not isinstance(value, bool))
    expected = data_info.get("fit_fingerprint")
    if expected and count == fitted and series.head(count).fingerprint() != expected:
        return 0
    return count


def unseen_start(seen: int, n: int, source: str, trained_until: str | None) -> int | float:
    """The default first scored row: the first one the model did not see, or the last 25 %
    of a series it never saw. DataError when every row was seen (nothing to test on)."""
    if seen == 0:
        return 0.75
    if seen >= n:
        from forecaster.errors import DataError

        raise DataError(f"Every row of '{source}' (up to {_day(trained_until)}) was used to "
                        f"train or validate this model: there is nothing unseen to test it on. "
                        f"Score newer rows, or pass --start (e.g. --start 0.75) to score "
                        f"in-sample rows, which are then labelled in-sample.")
    return seen
