"""The one verdict of a forecasting run: does the model beat repeating the last value?

Every place that states it (the printed line, metrics.json's ``beats_naive``, the model card,
MLflow's tags, the pipeline summary) reads it from :func:`judge`, so they cannot disagree: a
model within 0.5 % of the naive RMSE is "no better" everywhere, and ``beats_naive`` is true only
for an outcome of "beats". The verdict says when it rests on little: fewer than
:data:`FEW_ROWS` scored rows, a model kept at its first epoch, or scored rows the model saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from forecaster.forecasting.numbers import column_cells

FEW_ROWS = 30  # fewer scored rows than this: the verdict is a hint, not a result
TIE = 0.5  # percent: RMSEs closer than this are "no better"

BEATS, NO_BETTER, WORSE, NOT_COMPUTABLE = "beats", "no_better", "worse", "not_computable"
_SHORT = {BEATS: "beats naive", NO_BETTER: "no better than naive",
          WORSE: "does NOT beat naive", NOT_COMPUTABLE: "not comparable with naive"}


@dataclass(frozen=True)
class Verdict:
    """The outcome against the last-value forecast, its sentence and its caveats."""

    outcome: str  # BEATS | NO_BETTER | WORSE | NOT_COMPUTABLE
    text: str
    caveats: list[str] = field(default_factory=list)  # short: "12 test rows", "epoch 1 kept"

    @property
    def beats_naive(self) -> bool | None:
        """True only for a clear win; None when the RMSEs could not be compared."""
        return None if self.outcome == NOT_COMPUTABLE else self.outcome == BEATS

    @property
    def short(self) -> str:
        """'beats naive', 'no better than naive; 8 test rows' (for one-line summaries)."""
        return "; ".join([_SHORT[self.outcome], *self.caveats])


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


def judge(metrics: dict[str, dict[str, float | None]], model_label: str, *,
          rows: int | None = None, best_epoch: int | None = None, span: str = "test",
          seen_note: str | None = None, best_baseline: tuple[str, float] | None = None
          ) -> Verdict:
    """The verdict on `metrics` ("model" and "naive" RMSE at least).

    `rows`: distinct scored rows (fewer than FEW_ROWS is said); `best_epoch`: the epoch kept
    (1 is said); `span`: what the scored rows are ("test", "in-sample", "partly in-sample");
    `seen_note`: how many scored points the model saw, added as a caveat; `best_baseline`: the
    label and RMSE of a baseline better than both, named in the sentence."""
    model, naive = metrics["model"]["rmse"], metrics["naive"]["rmse"]
    outcome = outcome_of(model, naive)
    if outcome == NOT_COMPUTABLE:
        text = (f"The {model_label} cannot be compared with repeating the last value: the "
                f"{span} RMSE could not be computed (the values are beyond the range of "
                f"floating-point numbers). Rescale the series, e.g. to other units, and train "
                f"again.")
    else:
        change = percent_change(model, naive)
        best_rmse = best_baseline[1] if best_baseline else None
        shown_model, shown_naive, shown_best = column_cells([model, naive, best_rmse])
        if outcome == NO_BETTER:
            text = (f"The {model_label} is no better than repeating the last value: {span} "
                    f"RMSE {model:.5g} against {naive:.5g} (within {TIE}%). It has learned "
                    f"little beyond the last observation.")
        elif outcome == BEATS:
            text = (f"The {model_label} beats repeating the last value: {span} RMSE "
                    f"{shown_model} against {shown_naive}, {_change_text(change, 'lower')}.")
        else:
            text = (f"The {model_label} does NOT beat repeating the last value: {span} RMSE "
                    f"{shown_model} against {shown_naive}, {_change_text(change, 'higher')}. "
                    f"Do not read skill into it.")
        if best_baseline:
            text += f" The best forecaster here is {best_baseline[0]} (RMSE {shown_best})."
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
    return Verdict(outcome, " ".join([text, *sentences]), caveats)
