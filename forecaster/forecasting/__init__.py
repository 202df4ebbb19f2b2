"""The Forecaster estimator, baselines, metrics, evaluation and run outputs."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "Evaluation": "forecaster.forecasting.evaluation",
    "Forecaster": "forecaster.forecasting.forecaster",
    "NO_INTERVALS": "forecaster.forecasting.interval_report",
    "RunResult": "forecaster.forecasting.forecast_run",
    "train_run": "forecaster.forecasting.forecast_run",
})
