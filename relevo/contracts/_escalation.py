"""Escalation decisions and routes: data, never prose."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReasonCode = str
"""An escalation reason: one of :data:`BUILTIN_REASON_CODES` or a custom trigger's code. Built-in codes:
explicit_request, negative_sentiment, sentiment_trend, out_of_scope, low_confidence, loop_detected,
repeated_failure, policy_sensitive, lead_qualified, vip, tool_failure, model_error, budget_exhausted,
processing_error (a customer message kept failing and was set aside: the server hands its conversation to a
human), ungrounded_reply (a model-written reply failed the grounding guard twice). Custom triggers add their
own."""

BUILTIN_REASON_CODES: tuple[ReasonCode, ...] = (
    "explicit_request",
    "negative_sentiment",
    "sentiment_trend",
    "out_of_scope",
    "low_confidence",
    "loop_detected",
    "repeated_failure",
    "policy_sensitive",
    "lead_qualified",
    "vip",
    "tool_failure",
    "model_error",
    "budget_exhausted",
    "processing_error",
    "ungrounded_reply",
)
"""The reason codes relevo itself raises (settings may name these and the desk's custom triggers' codes)."""

Priority = Literal["low", "normal", "high", "urgent"]


class EscalationReason(BaseModel):
    """Why a rule fired, with the evidence it saw."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    evidence: str
    score: float = 1.0
    source: Literal["rule", "llm_vote"] = "rule"
    queue: str | None = None
    """Where the rule wants the handoff to go (overrides the intent's queue); None: the usual route."""
    skill: str | None = None
    priority: Priority | None = None
    """At least this priority; None: from the reasons, urgency and tier."""
    answer_first: bool = False
    """Resolution stage: the resolver's reply still goes to the customer, then the conversation is handed off."""


class Route(BaseModel):
    """Where a handoff goes."""

    model_config = ConfigDict(frozen=True)

    queue: str
    skill: str
    language: str
    priority: Priority


class EscalationDecision(BaseModel):
    """The policy engine's verdict for one turn."""

    model_config = ConfigDict(frozen=True)

    fired: bool
    reasons: list[EscalationReason] = Field(default_factory=list[EscalationReason])
    stage: Literal["triage", "resolution"] = "triage"
    message_id: str = ""

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]
