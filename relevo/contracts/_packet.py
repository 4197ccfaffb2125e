"""The handoff packet: everything a human needs to take over without asking again."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from relevo.contracts._escalation import EscalationReason, Route
from relevo.contracts._records import Attempt, Commitment, Fact, HandBackReport

Tier = str
"""A customer tier: ``"guest"``, or a name from the desk's ``DeskProfile.tiers``."""


class CustomerRef(BaseModel):
    """Who the customer is, as far as the conversation knows."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str = ""
    tier: Tier = "guest"
    is_guest: bool = True
    preferred_language: str = ""

    @property
    def given_name(self) -> str:
        """The name to greet a known customer by ("" for a guest or no name): the first word of ``name``, the
        last where family names come first (Vietnamese: "Trần Thị Mai" is Mai), by ``preferred_language``."""
        words = self.name.split()
        if self.is_guest or not words:
            return ""
        return words[-1] if self.preferred_language in FAMILY_NAME_FIRST else words[0]


FAMILY_NAME_FIRST = frozenset({"vi", "zh", "ja", "ko", "hu"})
"""Languages whose personal names are written family name first (given name last)."""


class IntentSummary(BaseModel):
    """An intent seen in the conversation with its best confidence and how often."""

    model_config = ConfigDict(frozen=True)

    intent: str
    confidence: float
    turns: int


class Trend(BaseModel):
    """Per-turn values and the direction they move in."""

    model_config = ConfigDict(frozen=True)

    values: list[float]
    direction: Literal["improving", "steady", "worsening"]


class HandoffPacket(BaseModel):
    """Validated context for the human who takes over."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    created_at: datetime
    customer: CustomerRef
    channel: str
    language: str
    intent: str
    """The primary intent (the one that led to the handoff)."""
    intent_confidence: float
    intents: list[IntentSummary]
    sentiment: Trend
    urgency: Trend
    summary: str
    facts: list[Fact]
    """Current values with their provenance; each keeps the values it replaced (``superseded``, oldest first)."""
    attempts: list[Attempt]
    commitments: list[Commitment]
    open_questions: list[str]
    missing_facts: list[str] = Field(default_factory=list[str])
    """Facts the intent needs that nobody established yet: the human should ask for these."""
    memory_highlights: list[str] = Field(default_factory=list[str])
    hand_backs: list[HandBackReport] = Field(default_factory=list[HandBackReport])
    """What humans did, decided, promised and changed when they handed the conversation back earlier."""
    reasons: list[EscalationReason]
    suggested_next_step: str
    route: Route
    transcript_ref: str
    """``conversation:<id>#<message count>``: where the full transcript lives."""
    model_cost_usd: float = 0.0
