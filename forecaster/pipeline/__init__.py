"""Pipeline files for batch jobs: their schema, the output-directory lock and the job manifest."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "ClassifyPipeline": "forecaster.pipeline.schema",
    "ForecastPipeline": "forecaster.pipeline.schema",
    "Pipeline": "forecaster.pipeline.schema",
    "load_pipeline": "forecaster.pipeline.schema",
    "LockedError": "forecaster.pipeline.lock",
    "OutputLock": "forecaster.pipeline.lock",
    "Manifest": "forecaster.pipeline.manifest",
    "SeriesRecord": "forecaster.pipeline.manifest",
    "sha256_file": "forecaster.pipeline.manifest",
})
