"""forecaster: honest RNN / LSTM / GRU forecasting and sequence classification on PyTorch."""

from forecaster._lazy import lazy_exports

__version__ = "0.1.0"

__getattr__, __all__ = lazy_exports(__name__, {
    "ConfigError": "forecaster.errors",
    "DataError": "forecaster.errors",
    "ForecasterError": "forecaster.errors",
    "ModelFileError": "forecaster.errors",
    "NotFittedError": "forecaster.errors",
    "SeriesData": "forecaster.data.csv_series",
    "load_series": "forecaster.data.csv_series",
    "Evaluation": "forecaster.forecasting.evaluation",
    "Forecaster": "forecaster.forecasting.forecaster",
    "train_run": "forecaster.forecasting.forecast_run",
    "TrainConfig": "forecaster.training.config",
})
__all__ += ["__version__"]
