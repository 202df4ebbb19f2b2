"""One unit of a batch job: train and score one series (or one classification data set) into
its run directory. Runs in the job's process, a worker process or a Ray task alike, so every
input is picklable and every failure comes back as a result, never as an exception that would
stop the other series.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forecaster.errors import DataError, ForecasterError
from forecaster.pipeline.series import SeriesSpec


@dataclass(frozen=True)
class SeriesTask:
    pipeline: Any  # a validated Pipeline (pydantic, picklable)
    spec: SeriesSpec
    key: str  # configuration + data hash: the checkpoint and the result carry it
    run_dir: Path
    checkpoint: Path
    threads: int | None = None  # torch threads for this task (None: leave as is)
    progress: str = "off"


@dataclass
class SeriesOutcome:
    series_id: str
    status: str  # "done" | "failed"
    reason: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    resumed_from_epoch: int = 0


class JobInterrupted(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt
    """SIGTERM or Ctrl-C asked the job to stop: not a series failure, so not an Exception
    (the fit loop's Ctrl-C handling, which keeps a half-trained model, must not catch it)."""


def run_series(task: SeriesTask) -> SeriesOutcome:
    """Train, score and write one series; a failure is returned with its reason."""
    import torch

    if task.threads:
        torch.set_num_threads(task.threads)
    started = time.perf_counter()
    try:
        if task.pipeline.task == "classify":
            metrics, resumed = _classify(task)
        else:
            metrics, resumed = _forecast(task)
    except ForecasterError as exc:
        return SeriesOutcome(task.spec.series_id, "failed", _one_line(str(exc)),
                             seconds=time.perf_counter() - started)
    except Exception as exc:  # a bug, reported with where it happened; the job goes on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = (f"internal error {type(exc).__name__}: {exc} (at {Path(where.filename).name}"
                  f":{where.lineno}; please report it)")
        return SeriesOutcome(task.spec.series_id, "failed", _one_line(reason),
                             seconds=time.perf_counter() - started)
    return SeriesOutcome(task.spec.series_id, "done", None, metrics,
                         time.perf_counter() - started, resumed)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:1000]


def settings_of(pipeline: Any, threads: int | None = None) -> dict[str, Any]:
    """The estimator and training settings a pipeline file gives, by the API's names, for the
    one factory (`forecaster.settings`) that `forecaster train` also uses. `threads` is this
    worker's share of the cores, used when the file leaves `training.threads` null (else the
    fit would take the whole machine's default in every worker)."""
    sections = [pipeline.model, pipeline.training]
    if pipeline.task == "forecast":
        sections.append(pipeline.preprocessing)
    settings = {key: value for section in sections for key, value in section.model_dump().items()}
    if settings.get("threads") is None:
        settings["threads"] = threads
    return settings


def _checkpoint(task: SeriesTask) -> Any:
    from forecaster.training.checkpoint import Checkpoint

    return Checkpoint(task.checkpoint, key=task.key,
                      every=task.pipeline.output.checkpoint_every)


def _job_facts(task: SeriesTask) -> dict[str, Any]:
    return {"pipeline": {"name": task.pipeline.name, "file": str(task.pipeline.source_file),
                         "series_id": task.spec.series_id, "key": task.key}}


def _forecast(task: SeriesTask) -> tuple[dict[str, Any], int]:
    from forecaster.forecasting import train_run
    from forecaster.pipeline.series import future_rows_of, load_series_of

    pipeline = task.pipeline
    series = load_series_of(task.spec, pipeline)
    future = future_rows_of(task.spec, pipeline)
    model = _forecaster(pipeline, task.progress, task.threads)
    require_future(series, model, future)
    checkpoint = _checkpoint(task)
    result = train_run(series, model, task.run_dir, test_size=pipeline.split.test_size,
                       val_size=pipeline.split.val_size, season=pipeline.evaluation.season,
                       overwrite=True, extra=_job_facts(task), checkpoint=checkpoint,
                       levels=levels_of(pipeline), **_future(future))
    checkpoint.clear()
    return _forecast_metrics(result, model), model.history_.resumed_from_epoch


def _future(future: Any) -> dict[str, Any]:
    """`future=` for train_run/write_run when the series has future rows."""
    return {} if future is None else {"future": future}


def require_future(series: Any, model: Any, future: Any) -> None:
    """A series with future features and no future rows fails before it trains, with the
    engine's message: a nightly job's forecasts.csv must not silently lack a series' rows."""
    if future is not None or not series.future_features:
        return
    from forecaster.data.future_rows import future_matrix
    from forecaster.forecasting.model_known import forecast_dates

    hint = (" In a pipeline file: end the data file with these rows, or name a file of them "
            "with data.future_path.")
    if series.frequency is None and not model.exchange:  # no forecast dates before fitting
        raise DataError(f"'{series.source}': the pipeline's data.future_features "
                        f"{', '.join(series.future_features)} need their values at the "
                        f"{model.horizon} forecast date(s) after {series.frame.index[-1]}; "
                        f"none were given.{hint}")
    try:
        future_matrix(None, list(series.future_features), forecast_dates(model, series),
                      series.source)
    except DataError as exc:
        raise DataError(f"{exc}{hint}") from None


def levels_of(pipeline: Any) -> tuple[float, ...] | None:
    """`evaluation.levels` as the API takes them: None when the file leaves them at the
    default, so that, as with `forecaster train` without --level, a default level the
    calibration is too small for is left out (with a note) instead of failing the series."""
    evaluation = pipeline.evaluation
    return evaluation.levels if "levels" in evaluation.model_fields_set else None


def _forecaster(pipeline: Any, progress: str, threads: int | None) -> Any:
    from forecaster.settings import build_forecaster

    return build_forecaster(settings_of(pipeline, threads), progress)


def _forecast_metrics(result: Any, model: Any) -> dict[str, Any]:
    """The headline scores of a series for the manifest and the summary, with the coverage of
    its intervals per level (`coverage_80`: the share of test actuals inside)."""
    scores = result.evaluation.to_dict()
    model_scores = scores["metrics"]["model"]
    intervals = result.evaluation.intervals
    coverage = intervals.coverage("model") if intervals is not None else {}
    return {"rmse": model_scores["rmse"], "mase": model_scores.get("mase"),
            "naive_rmse": scores["metrics"]["naive"]["rmse"],
            "skill_vs_naive": scores["skill_vs_naive"], "beats_naive": scores["beats_naive"],
            "verdict_short": scores["verdict_short"],
            "epochs_run": model.history_.epochs_run,
            "barely_trained": result.summary["training"]["barely_trained"],
            **{f"coverage_{level}": value for level, value in coverage.items()}}


def run_global(tasks: list[SeriesTask], checkpoint_path: Path, key: str
               ) -> list[SeriesOutcome]:
    """`mode: global`: one network trained on every series' windows (one device), then each
    series scored and written like a per-series run. A series whose data cannot be read fails
    alone; the model is trained on the others."""
    import torch

    from forecaster.forecasting.forecast_run import split_for, write_run
    from forecaster.forecasting.global_model import fit_global
    from forecaster.pipeline.series import future_rows_of, load_series_of, static_values_of
    from forecaster.training.checkpoint import Checkpoint

    if tasks[0].threads:
        torch.set_num_threads(tasks[0].threads)
    started = time.perf_counter()
    pipeline = tasks[0].pipeline
    outcomes: dict[str, SeriesOutcome] = {}
    loaded = []
    model = _forecaster(pipeline, tasks[0].progress, tasks[0].threads)
    for task in tasks:
        try:
            series = load_series_of(task.spec, pipeline)
            future = future_rows_of(task.spec, pipeline)
            require_future(series, model, future)
            split = split_for(series, model, pipeline.split.test_size, pipeline.split.val_size)
            static = static_values_of(task.spec, pipeline)
            loaded.append((task, series, split, future, static))
        except ForecasterError as exc:
            outcomes[task.spec.series_id] = SeriesOutcome(task.spec.series_id, "failed",
                                                          _one_line(str(exc)))
    if loaded:
        checkpoint = Checkpoint(checkpoint_path, key=key,
                                every=pipeline.output.checkpoint_every)
        try:
            fitted = fit_global(model, [series for _, series, _, _, _ in loaded],
                                [split for _, _, split, _, _ in loaded], checkpoint=checkpoint,
                                static=[static for *_, static in loaded]
                                if pipeline.data.static_features else None)
        except ForecasterError as exc:
            return [SeriesOutcome(task.spec.series_id, "failed", _one_line(str(exc)))
                    for task in tasks]
        checkpoint.clear()
        fit_seconds = time.perf_counter() - started
        for (task, series, split, future, _), view in zip(loaded, fitted, strict=True):
            begun = time.perf_counter()
            try:
                result = write_run(series, view, split, task.run_dir,
                                   season=pipeline.evaluation.season, overwrite=True,
                                   extra=_job_facts(task), levels=levels_of(pipeline),
                                   **_future(future))
            except ForecasterError as exc:
                outcomes[task.spec.series_id] = SeriesOutcome(task.spec.series_id, "failed",
                                                              _one_line(str(exc)))
                continue
            outcomes[task.spec.series_id] = SeriesOutcome(
                task.spec.series_id, "done", None, _forecast_metrics(result, view),
                fit_seconds / len(loaded) + time.perf_counter() - begun,
                view.history_.resumed_from_epoch)
    return [outcomes[task.spec.series_id] for task in tasks]


def _classify(task: SeriesTask) -> tuple[dict[str, Any], int]:
    from forecaster.classification.classification_run import classification_run, prepare_data
    from forecaster.settings import build_classifier

    pipeline = task.pipeline
    data = pipeline.data
    prepared = prepare_data(task.spec.file, data.kind, test_path=data.test_path,
                            test_size=data.test_size, seed=pipeline.training.seed,
                            keep_repeats=data.keep_repeats,
                            steps=data.steps, text_column=data.text_column,
                            label_column=data.label_column, encoding=data.encoding)
    train, test = prepared.train, prepared.test
    model = build_classifier(data.kind, settings_of(pipeline, task.threads), task.progress)
    checkpoint = _checkpoint(task)
    result = classification_run(train, test, model, task.run_dir, overwrite=True,
                                files={"train": task.spec.file, "test": data.test_path},
                                extra={**_job_facts(task), "split": prepared.split},
                                checkpoint=checkpoint, val_size=data.val_size)
    checkpoint.clear()
    scores = result.evaluation.metrics
    best = max((name for name in scores if name != "model"),
               key=lambda name: scores[name]["accuracy"])
    return ({"accuracy": scores["model"]["accuracy"], "macro_f1": scores["model"]["macro_f1"],
             "best_baseline": best, "best_baseline_accuracy": scores[best]["accuracy"],
             "epochs_run": model.history_.epochs_run}, model.history_.resumed_from_epoch)
