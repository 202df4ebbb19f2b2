"""The one verdict of a forecasting run: does the model beat the strongest baseline?

The model is judged against the baseline with the lowest MASE on the same points (the
scale-free metric; RMSE where MASE could not be computed, e.g. a flat history), and that
baseline is named: a monthly model 2.5 times worse than seasonal naive was once called a win
because it beat repeating the last value. ``beats_naive`` stays (pipelines and MLflow read it)
and is judged on the same metric. Every place that states the verdict (the printed line,
metrics.json's ``beats_naive``/``beats_best_baseline``/``best_baseline``, the model card,
MLflow's tags, the pipeline summary) reads it from :func:`judge`, so they cannot disagree: a
model within 0.5 % of a baseline is "no better" everywhere. The verdict says when it rests on
little: fewer than :data:`FEW_ROWS` scored rows, a model kept at its first epoch, or scored rows
the model saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forecaster.forecasting.numbers import column_cells

FEW_ROWS = 30  # fewer scored rows than this: the verdict is a hint, not a result
TIE = 0.5  # percent: scores closer than this are "no better"

BEATS, NO_BETTER, WORSE, NOT_COMPUTABLE = "beats", "no_better", "worse", "not_computable"
_PHRASE = {BEATS: "beats {}", NO_BETTER: "no better than {}", WORSE: "does NOT beat {}",
           NOT_COMPUTABLE: "not comparable with {}"}
SHORT_NAMES = {"naive": "naive", "seasonal_naive": "seasonal naive", "drift": "drift",
               "exp_smoothing": "exp. smoothing", "theta": "Theta"}
_SHORT = {outcome: phrase.format("naive") for outcome, phrase in _PHRASE.items()}
NAIVE_TEXT = "repeating the last value"


@dataclass(frozen=True)
class Verdict:
    """The outcome against the strongest baseline, its sentence and its caveats.

    `best_baseline`/`best_score`: the baseline the model is judged against and its score on
    `metric` ("mase", or "rmse" where MASE is missing); `naive_outcome`: against the last value.
    """

    outcome: str  # BEATS | NO_BETTER | WORSE | NOT_COMPUTABLE, against `best_baseline`
    text: str
    caveats: list[str] = field(default_factory=list)  # short: "12 test rows", "epoch 1 kept"
    best_baseline: str = "naive"
    best_score: float | None = None
    metric: str = "rmse"
    naive_outcome: str = NOT_COMPUTABLE
    model_score: float | None = None

    @property
    def beats_naive(self) -> bool | None:
        """True only for a clear win over the last value; None when not comparable."""
        return None if self.naive_outcome == NOT_COMPUTABLE else self.naive_outcome == BEATS

    @property
    def beats_best_baseline(self) -> bool | None:
        """True only for a clear win over the strongest baseline; None when not comparable."""
        return None if self.outcome == NOT_COMPUTABLE else self.outcome == BEATS

    @property
    def skill_vs_best_baseline(self) -> float | None:
        """1 - score / the strongest baseline's score (positive: better than it)."""
        if self.model_score is None or not self.best_score:
            return None
        return float(1.0 - self.model_score / self.best_score)

    def best_baseline_record(self) -> dict[str, object]:
        """metrics.json's `best_baseline`: its name and score on the verdict's metric."""
        return {"name": self.best_baseline, self.metric: self.best_score}

    @property
    def short(self) -> str:
        """'beats naive', 'does NOT beat seasonal naive; 8 test rows' (one-line summaries)."""
        name = SHORT_NAMES.get(self.best_baseline, self.best_baseline)
        return "; ".join([_PHRASE[self.outcome].format(name), *self.caveats])


def short_verdict(scores: dict) -> str:
    """The summary phrase of a pipeline record (its `verdict_short`, or, for records written
    before it existed, the outcome of its two RMSEs)."""
    if scores.get("verdict_short"):
        return str(scores["verdict_short"])
    return _SHORT[outcome_of(scores.get("rmse"), scores.get("naive_rmse"))]


def percent_change(model: float, naive: float) -> float:
    """|model / naive - 1| in percent, finite even when naive is tiny (subnormal values made
    the ratio overflow to 'inf%')."""
    if naive <= 0:
        return 0.0 if model == 0 else 100.0
    ratio = model / naive
    return abs(1.0 - ratio) * 100 if ratio < 1e12 else 1e14


def _change_text(change: float, direction: str) -> str:
    """'12.8% lower', or 'more than 1000 times higher' where a percentage would not read."""
    if change >= 1e5:
        return f"more than 1000 times {direction}"
    return f"{change:.1f}% {direction}"


def outcome_of(model: float | None, naive: float | None) -> str:
    """BEATS, NO_BETTER (within TIE percent), WORSE, or NOT_COMPUTABLE."""
    if model is None or naive is None:
        return NOT_COMPUTABLE
    change = percent_change(model, naive)
    if change < TIE:
        return NO_BETTER
    return BEATS if model < naive else WORSE


def verdict_metric(metrics: dict[str, dict[str, float | None]]) -> str:
    """"mase" where the model and at least one baseline have one, else "rmse"."""
    def known(name: str) -> bool:
        return metrics[name].get("mase") is not None

    others = [name for name in metrics if name != "model"]
    return "mase" if known("model") and any(known(name) for name in others) else "rmse"


def strongest_baseline(metrics: dict[str, dict[str, float | None]], metric: str) -> str:
    """The baseline with the lowest `metric` (naive on ties and when none has one)."""
    scored = {name: values.get(metric) for name, values in metrics.items() if name != "model"}
    known = {name: value for name, value in scored.items() if value is not None}
    if not known:
        return "naive"
    # naive first, so that a tie with it keeps the simplest reference
    order = sorted(known, key=lambda name: (known[name], name != "naive"))
    return order[0]


def _comparison(outcome: str, model: float, other: float, shown: tuple[str, str]) -> str:
    """'3.20 against 1.27, 152.0% higher' (`shown`: the two numbers as printed)."""
    if outcome == NO_BETTER:
        return f"{shown[0]} against {shown[1]} (within {TIE}%)"
    direction = "lower" if outcome == BEATS else "higher"
    return f"{shown[0]} against {shown[1]}, {_change_text(percent_change(model, other), direction)}"


def judge(metrics: dict[str, dict[str, float | None]], model_label: str, *,
          rows: int | None = None, best_epoch: int | None = None, span: str = "test",
          seen_note: str | None = None, labels: dict[str, str] | None = None) -> Verdict:
    """The verdict on `metrics` (forecaster name -> scores; "model" and "naive" at least).

    The model is compared on MASE (RMSE where MASE is missing) with the baseline that scores
    best on it, named by `labels` (its display name). `rows`: distinct scored rows (fewer than
    FEW_ROWS is said); `best_epoch`: the epoch kept (1 is said); `span`: what the scored rows are
    ("test", "in-sample", "partly in-sample"); `seen_note`: how many scored points the model
    saw, added as a caveat."""
    metric = verdict_metric(metrics)
    best = strongest_baseline(metrics, metric)
    model, reference = metrics["model"].get(metric), metrics[best].get(metric)
    naive = metrics["naive"].get(metric)
    outcome, naive_outcome = outcome_of(model, reference), outcome_of(model, naive)
    name = (labels or {}).get(best, SHORT_NAMES.get(best, best))
    what = NAIVE_TEXT if best == "naive" else f"the strongest baseline, {name}"
    scores = f"{span} {metric.upper()}"
    if outcome == NOT_COMPUTABLE:
        text = (f"The {model_label} cannot be compared with {what}: the {scores} could not "
                f"be computed (the values are beyond the range of floating-point numbers). "
                f"Rescale the series, e.g. to other units, and train again.")
    else:
        # one number of decimals for every score in the sentence
        shown_model, shown_best, shown_naive = column_cells([model, reference, naive])
        compared = _comparison(outcome, model, reference, (shown_model, shown_best))
        if outcome == NO_BETTER:
            beyond = "the last observation" if best == "naive" else name
            text = (f"The {model_label} is no better than {what}: {scores} {compared}. It "
                    f"has learned little beyond {beyond}.")
        elif outcome == BEATS:
            text = f"The {model_label} beats {what}: {scores} {compared}."
        else:
            text = (f"The {model_label} does NOT beat {what}: {scores} {compared}. Do not "
                    f"read skill into it.")
        if best != "naive" and naive_outcome != NOT_COMPUTABLE:
            text += (f" Against {NAIVE_TEXT}: {metric.upper()} "
                     f"{_comparison(naive_outcome, model, naive, (shown_model, shown_naive))}.")
    caveats, sentences = [], []
    if seen_note:
        caveats.append(span)
        sentences.append(seen_note)
    if rows is not None and rows < FEW_ROWS:
        caveats.append(f"only {rows} {span} rows")
        sentences.append(f"Caution: this rests on only {rows} scored row(s) (fewer than "
                         f"{FEW_ROWS}); treat it as a hint, not a result.")
    if best_epoch == 1:
        caveats.append("epoch 1 kept")
        sentences.append("Caution: the model kept is from its first epoch, so it has barely "
                         "trained (validation did not improve after it, or only one epoch "
                         "ran); train longer or lower the learning rate before trusting it.")
    return Verdict(outcome, " ".join([text, *sentences]), caveats, best_baseline=best,
                   best_score=reference, metric=metric, naive_outcome=naive_outcome,
                   model_score=model)
