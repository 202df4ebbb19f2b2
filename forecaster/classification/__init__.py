"""Classifiers on the same recurrent core and fit loop: numeric sequences (text follows)."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "SequenceClassifier": "forecaster.classification.sequence_classifier",
    "ClassificationEvaluation": "forecaster.classification.evaluation",
    "SequenceSet": "forecaster.classification.sequence_data",
    "read_ts": "forecaster.classification.sequence_data",
    "read_flat_csv": "forecaster.classification.sequence_data",
    "from_arrays": "forecaster.classification.sequence_data",
})
