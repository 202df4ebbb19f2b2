"""The one fit loop all estimators use."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "DEVICES": "forecaster.training.config",
    "MONITORS": "forecaster.training.monitor",
    "OPTIMIZERS": "forecaster.training.config",
    "TrainConfig": "forecaster.training.config",
    "History": "forecaster.training.loop",
    "RunReporter": "forecaster.training.reporting",
    "fit": "forecaster.training.loop",
    "resolve_device": "forecaster.training.loop",
    "seed_everything": "forecaster.training.loop",
})
