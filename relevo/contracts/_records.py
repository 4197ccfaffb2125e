"""What the conversation has established: facts, attempts and commitments."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SupersededValue(BaseModel):
    """An earlier value of a fact, kept when a newer one replaced it."""

    model_config = ConfigDict(frozen=True)

    value: str
    source: str
    """Where the earlier value came from (as :attr:`Fact.source`)."""
    set_by: str = ""
    """The human agent who had set it (empty: a tool, the customer or a profile)."""
    at: datetime | None = None


class Fact(BaseModel):
    """A named value with where it came from, and the values it replaced."""

    model_config = ConfigDict(frozen=True)

    name: str
    value: str
    source: str
    """Provenance: a message id (``msg-…``), a tool call id (``call-…``), ``profile``, or the hand-back event
    (``evt-…``) of the human agent named in ``set_by``."""
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    at: datetime | None = None
    set_by: str = ""
    """The human agent who set this value when handing the conversation back; empty: the conversation's own
    records (a tool result, the customer's words, a profile). A human's value outranks a tool's reading of the
    same fact until a reading newer than the hand-back changes it (see :func:`relevo.contracts.merge_facts`)."""
    superseded: list[SupersededValue] = Field(default_factory=list[SupersededValue])
    """Earlier values of this fact, oldest first (a value is kept once per change, never lost)."""

    @property
    def by_human(self) -> bool:
        """Whether a human agent set this value."""
        return bool(self.set_by)


class HandBackReport(BaseModel):
    """What a human agent reported when handing the conversation back to the AI.

    The promises became :class:`Commitment` records (``by="human"``) and the facts :class:`Fact` records with
    the agent in ``set_by``; this keeps the rest, for the packet of a later handoff.
    """

    model_config = ConfigDict(frozen=True)

    event_id: str
    """The hand-back's system event (``evt-…``): the source of the facts the human set."""
    agent: str
    at: datetime | None = None
    note: str = ""
    actions: list[str] = Field(default_factory=list[str])
    """What the human did, in their words."""
    decisions: list[str] = Field(default_factory=list[str])
    """What the human decided, in their words."""
    promised: list[str] = Field(default_factory=list[str])
    """What the human promised the customer (each also a commitment)."""
    facts: list[str] = Field(default_factory=list[str])
    """Names of the facts the human set."""


AttemptOutcome = Literal["answered", "resolved", "not_found", "failed", "rejected", "offered", "declined"]


class Attempt(BaseModel):
    """Something the AI (or a human) tried, and how it went."""

    model_config = ConfigDict(frozen=True)

    id: str
    by: Literal["ai", "human"] = "ai"
    action: Literal["kb_answer", "tool_call", "clarify", "answer"]
    target: str
    """The article id or tool name."""
    detail: str = ""
    outcome: AttemptOutcome
    message_id: str = ""
    """The customer message this attempt answered."""


class Commitment(BaseModel):
    """Something promised to the customer."""

    model_config = ConfigDict(frozen=True)

    id: str
    what: str
    by: Literal["ai", "human"]
    due: datetime | None = None
    source: str = ""
    """The tool call or message that made the promise."""


class ToolCallRecord(BaseModel):
    """One tool call made during the conversation, with its arguments and result as data."""

    model_config = ConfigDict(frozen=True)

    id: str
    tool: str
    arguments: dict[str, str | int | float | bool | None]
    status: Literal["ok", "rejected", "failed"]
    """``rejected``: the tool refused (unknown id, bad arguments, outside policy); ``failed``: it broke."""
    result: str
    """The tool's result rendered as JSON text (data, never instructions)."""
    error: str = ""


class ModelCall(BaseModel):
    """One call to a model: who made it, which model answered, how long it took and what it cost."""

    model_config = ConfigDict(frozen=True)

    agent: str
    provider: str
    model: str
    latency_ms: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    ok: bool = True
    error: str = ""
    purpose: Literal["answer", "repair", "fallback", "retry"] = "answer"


GuardAction = Literal["sent", "regenerated", "offline", "handoff", "observed"]


class GuardReport(BaseModel):
    """What the grounding guard did with the model-written reply to one customer message."""

    model_config = ConfigDict(frozen=True)

    message_id: str = ""
    """The customer message the reply answers."""
    checked: list[str] = Field(default_factory=list[str])
    """Every claim found, as ``kind: text`` (links, addresses, ids, amounts, dates, durations, promises…)."""
    failed: list[str] = Field(default_factory=list[str])
    """Claims not in evidence and other faults (empty, raw data, wrong language, unknown tool), with why."""
    action: GuardAction = "sent"
    """``sent``: passed; ``regenerated``: failed once, the second reply passed and was sent; ``offline``: the
    offline engine answered instead; ``handoff``: handed to a human (``ungrounded_reply``); ``observed``: failed
    but sent (guard in observe mode)."""
    replies: int = 1
    """Model replies checked (2 after a regeneration)."""

    @property
    def fired(self) -> bool:
        return bool(self.failed)
