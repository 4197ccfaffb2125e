"""What triage reads off one customer turn."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class IntentScore(BaseModel):
    """One candidate intent and the classifier's probability for it."""

    model_config = ConfigDict(frozen=True)

    intent: str
    score: float


class Signals(BaseModel):
    """Triage output for one customer message."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    intent: str
    """Best intent from the catalog, or ``"out_of_scope"``."""
    confidence: float = Field(ge=0.0, le=1.0)
    alternatives: list[IntentScore] = Field(default_factory=list[IntentScore])
    sentiment: float = Field(ge=-1.0, le=1.0)
    """-1 very negative .. +1 very positive."""
    sentiment_evidence: list[str] = Field(default_factory=list[str])
    urgency: float = Field(ge=0.0, le=1.0)
    explicit_human_request: bool
    human_request_evidence: str = ""
    out_of_scope: bool
    language: str
    rejects_previous_answer: bool = False
    """The customer says the last answer did not help."""
    sensitive_topics: list[str] = Field(default_factory=list[str])
    """Policy-sensitive matches such as ``legal_threat`` or ``chargeback``."""
    amounts: list[float] = Field(default_factory=list[float])
    """Money amounts mentioned in the message."""
    model_error: str = ""
    """Set when the triage model failed (the signals then come from the offline engine)."""
