"""The recurrent core: plain nn.Modules, no training logic, nothing from the rest of the package."""

from forecaster._lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "CELLS": "forecaster.core.config",
    "POOLINGS": "forecaster.core.config",
    "EncoderConfig": "forecaster.core.config",
    "RecurrentEncoder": "forecaster.core.encoder",
    "EncoderWithHead": "forecaster.core.heads",
    "EmbeddingEncoderWithHead": "forecaster.core.embedding",
    "AttentionPooling": "forecaster.core.pooling",
    "LastPooling": "forecaster.core.pooling",
    "MeanPooling": "forecaster.core.pooling",
})
