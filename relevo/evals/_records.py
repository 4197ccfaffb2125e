"""What one evaluated conversation did, as data: one JSON line per conversation in ``results.jsonl``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from relevo.contracts import GuardReport
from relevo.evals._scenario import Expectations

__all__ = ["ConversationRecord", "ModelCallUsage", "TurnRecord"]


class ModelCallUsage(BaseModel):
    """Tokens and cost of one model call made during a turn (the offline engine makes none: zeros)."""

    model_config = ConfigDict(frozen=True)

    model: str = "offline"
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


class TurnRecord(BaseModel):
    """One step of an evaluated conversation."""

    model_config = ConfigDict(frozen=True)

    step: int
    customer_turn: int | None
    """1-based number of the customer message; None for human-side commands."""
    input: str
    actor: str
    reply: str | None
    mode: str
    intent: str | None = None
    expected_intent: str | None = None
    confidence: float | None = None
    escalated: bool = False
    """This step handed the conversation to a human."""
    expected_escalation: bool | None = None
    reasons: list[str] = Field(default_factory=list[str])
    grounding: list[str] = Field(default_factory=list[str])
    states_facts: bool = False
    """The AI reply states facts that need grounding: references, amounts, percentages, dates, quantities."""
    repeat_asks: list[str] = Field(default_factory=list[str])
    """Facts the AI asked for although the conversation already knew them."""
    after_handback: bool = False
    """An AI reply to a customer message after a human handed the conversation back."""
    contradictions: list[str] = Field(default_factory=list[str])
    """Values a human superseded at hand-back that this AI reply restates (``name = 'old' (superseded by …)``)."""
    node_ms: dict[str, float] = Field(default_factory=dict[str, float])
    turn_ms: float = 0.0
    model_calls: list[ModelCallUsage] = Field(default_factory=list[ModelCallUsage])
    guard: GuardReport | None = None
    """What the grounding guard did with a model-written reply this step (None: no model wrote one)."""
    error: str | None = None


class ConversationRecord(BaseModel):
    """One evaluated conversation: what happened and what was expected."""

    model_config = ConfigDict(frozen=True)

    key: str
    """``config/suite/scenario#repetition``: unique within a run, used by ``--resume``."""
    config: str
    suite: str
    scenario: str
    repetition: int
    tags: list[str] = Field(default_factory=list[str])
    expect: Expectations
    turns: list[TurnRecord]
    escalated: bool
    first_escalation_turn: int | None
    """The customer turn of the first handoff."""
    first_reasons: list[str]
    packet_facts: list[str]
    tool_calls: list[str]
    grounding_ids: list[str]
    final_mode: str
    looped: bool
    """The AI sent the same reply twice, or the loop rule fired."""
    violations: list[str]
    """Forbidden behaviour seen: ``repeat_ask: …``, ``promise_beyond_policy: …``, ``ungrounded_answer: …``,
    ``cut_passage: …``, ``contradiction: …``."""
    failures: list[str]
    """Expectations not met, in words."""
    tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures
