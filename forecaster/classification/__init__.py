"""Classifiers on the same recurrent core and fit loop: texts and numeric sequences."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "SequenceClassifier": "forecaster.classification.sequence_classifier",
    "TextClassifier": "forecaster.classification.text_classifier",
    "TextSet": "forecaster.classification.text_data",
    "read_text_csv": "forecaster.classification.text_data",
    "load_classifier": "forecaster.classification.saved_models",
    "classify_frame": "forecaster.classification.saved_models",
    "ClassificationEvaluation": "forecaster.classification.evaluation",
    "SequenceSet": "forecaster.classification.sequence_data",
    "read_ts": "forecaster.classification.sequence_data",
    "read_flat_csv": "forecaster.classification.sequence_data",
    "from_arrays": "forecaster.classification.sequence_data",
})
