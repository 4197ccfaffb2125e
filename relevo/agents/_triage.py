"""Triage: what does the customer want, how do they feel, how urgent is it, do they ask for a human?"""

from __future__ import annotations

from typing import Protocol

from relevo._config import TriageConfig
from relevo.agents._intents import OUT_OF_SCOPE
from relevo.contracts import (
    ConversationState,
    CustomerMessage,
    IntentCatalog,
    IntentScore,
    Signals,
)
from relevo.models import CallLedger
from relevo.models.offline import (
    Embedder,
    IntentClassifier,
    detect_human_request,
    detect_language,
    detect_rejection,
    detect_sensitive,
    detect_urgency,
    extract_amounts,
    score_sentiment,
)

__all__ = ["OfflineTriage", "Triage"]


class Triage(Protocol):
    """Reads one customer message in the context of its conversation."""

    def detect_language(self, text: str, hint: str | None) -> str: ...

    def assess(
        self, state: ConversationState, message: CustomerMessage, calls: CallLedger | None = None
    ) -> Signals: ...


class OfflineTriage:
    """Triage on the embedded engine: a calibrated classifier over the intent catalog plus lexical cues."""

    def __init__(self, catalog: IntentCatalog, embedder: Embedder, config: TriageConfig) -> None:
        texts, labels = catalog.training_pairs()
        self.catalog = catalog
        self.classifier = IntentClassifier.fit(embedder, texts, labels)
        self.config = config

    def detect_language(self, text: str, hint: str | None) -> str:
        guess = detect_language(text, hint=hint)
        return guess.language if guess.language != "und" else (hint or "en")

    def assess(self, state: ConversationState, message: CustomerMessage, calls: CallLedger | None = None) -> Signals:
        text = message.text
        language = message.language
        prediction = self.classifier.predict([text])[0]
        intent = prediction.label
        floor = self.classifier.similarity_floor - self.config.similarity_margin
        out_of_scope = intent == OUT_OF_SCOPE or prediction.nearest_similarity < floor
        human = detect_human_request(text, language)
        rejection = detect_rejection(text, language) if _ai_spoke(state) else None
        sentiment = score_sentiment(text, language)
        urgency = detect_urgency(text, language)
        sensitive = detect_sensitive(text, language)
        if human is not None or intent == "human_agent":
            # Asking for a person is not an out-of-scope message, whatever else the text says.
            out_of_scope = False
        return Signals(
            message_id=message.id,
            intent=OUT_OF_SCOPE if out_of_scope else intent,
            confidence=round(prediction.confidence, 4),
            alternatives=[IntentScore(intent=label, score=round(p, 4)) for label, p in prediction.alternatives],
            sentiment=round(sentiment.score, 4),
            sentiment_evidence=list(sentiment.evidence),
            urgency=round(min(1.0, urgency.score + max(0.0, -sentiment.score) * 0.3), 4),
            explicit_human_request=human is not None,
            human_request_evidence=human.evidence if human is not None else "",
            out_of_scope=out_of_scope,
            language=language,
            rejects_previous_answer=rejection is not None,
            sensitive_topics=sorted({match.topic for match in sensitive if match.topic}),
            amounts=extract_amounts(text),
        )


def _ai_spoke(state: ConversationState) -> bool:
    return any(m.kind == "ai" for m in state.messages)
