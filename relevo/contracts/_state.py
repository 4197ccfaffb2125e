"""The conversation state LangGraph checkpoints, and the events that drive it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from relevo.contracts._escalation import EscalationDecision
from relevo.contracts._messages import Channel, Message
from relevo.contracts._packet import CustomerRef, HandoffPacket
from relevo.contracts._records import (
    Attempt,
    Commitment,
    Fact,
    GuardReport,
    HandBackReport,
    ModelCall,
    SupersededValue,
    ToolCallRecord,
)
from relevo.contracts._signals import Signals

Mode = Literal["ai_active", "pending_human", "human_active", "closed"]


class CustomerTurn(BaseModel):
    """The customer sent a message."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["customer"] = "customer"
    text: str
    channel: Channel | None = None
    """The channel it came through; None: the conversation's channel."""
    external_id: str | None = None
    """The channel's id of the message (a WhatsApp wamid, a Twilio MessageSid), kept with the conversation so a
    redelivery after a crash can be recognised as already answered."""
    original_chars: int | None = None
    """How many characters the customer sent when ``text`` was already cut to the message cap; None: not cut."""


class Takeover(BaseModel):
    """A human agent takes the conversation."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["takeover"] = "takeover"
    agent: str


class HumanReply(BaseModel):
    """The human agent who owns the conversation writes to the customer."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["human_reply"] = "human_reply"
    text: str


_Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
FACT_NAME = r"^[a-z][a-z0-9_]{0,63}$"
"""What a fact name looks like: lower-case letters, digits and underscores (``appointment_date``)."""


class FactChange(BaseModel):
    """A fact a human agent sets when handing back: its name (as the conversation's facts name it) and value."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=FACT_NAME, description="The fact's name, e.g. one from the handoff card's FACTS.")
    value: _Item = Field(description="The new value, as the customer should hear it.")


class Promise(BaseModel):
    """Something a human agent promised the customer; it becomes a commitment ``by="human"``."""

    model_config = ConfigDict(frozen=True)

    what: _Item
    due: datetime | None = None


class HandBack(BaseModel):
    """The human hands the conversation back to the AI: what they did, decided, promised, and facts they changed.

    Every part is optional; ``note`` is free text for the AI (and the customer's hand-back message). A fact set
    here outranks what a tool says about the same fact until a newer reading changes it.
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["hand_back"] = "hand_back"
    note: str = ""
    actions: list[_Item] = Field(default_factory=list[str], max_length=20)
    decisions: list[_Item] = Field(default_factory=list[str], max_length=20)
    promises: list[Promise] = Field(default_factory=list[Promise], max_length=20)
    facts: list[FactChange] = Field(default_factory=list[FactChange], max_length=20)

    @model_validator(mode="after")
    def _each_fact_once(self) -> HandBack:
        names = [f.name for f in self.facts]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"fact {', '.join(twice)} is set twice")
        return self

    @property
    def typed(self) -> bool:
        """Whether the human gave anything beyond the free-text note."""
        return bool(self.actions or self.decisions or self.promises or self.facts)


class Resolve(BaseModel):
    """Somebody closes the conversation."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["resolve"] = "resolve"
    by: str = "agent"


class PendingTimeout(BaseModel):
    """Nobody picked the conversation up in time: the AI apologises, takes it back and promises a follow-up."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["pending_timeout"] = "pending_timeout"
    waited_s: float = 0.0


Event = Annotated[
    CustomerTurn | Takeover | HumanReply | HandBack | Resolve | PendingTimeout, Field(discriminator="kind")
]


class PendingOffer(BaseModel):
    """Something the AI offered that the customer has not accepted or declined yet (a credit, a fee waiver, a
    voucher): the next "yes" or "no" answers it. Made by a tool that declares ``ToolEffects.offer``."""

    model_config = ConfigDict(frozen=True)

    offer_id: str
    tool: str = ""
    """The tool that made the offer."""
    reference: str = ""
    """What the offer is for, as the tool was called with it (an account, a line, an item); empty: nothing named."""
    kind: str = ""
    """The tool's own kind of offer (``credit``, ``voucher``...)."""
    amount: float
    """In ``currency``; the most the AI may promise in its reply while the offer stands."""
    currency: str = ""
    """ISO 4217 code as the tool gave it; empty: the tool named none."""
    description: str


def merge_facts(current: list[Fact], update: list[Fact]) -> list[Fact]:
    """Newer facts replace older ones with the same name; order of first appearance is kept.

    A replaced value is not lost: it is appended to the new fact's ``superseded`` (once per change of value).
    One exception keeps a human's word: a value a human agent set (``set_by``) is not replaced by a reading
    from anywhere else that repeats the human's value or one the human superseded (a system that has not
    caught up with what the human did says what it said before); a reading with a value never seen before is
    newer than the hand-back and replaces it (the human's value then joins ``superseded``).
    """
    merged = {fact.name: fact for fact in current}
    for fact in update:
        old = merged.get(fact.name)
        merged[fact.name] = fact if old is None else _succeed(old, fact)
    return list(merged.values())


def same_value(a: str, b: str) -> bool:
    """Whether two fact values are the same value (case and spacing aside)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _succeed(old: Fact, new: Fact) -> Fact:
    stale = any(same_value(new.value, seen) for seen in (old.value, *(v.value for v in old.superseded)))
    if old.by_human and not new.by_human and stale:
        return old
    history = list(old.superseded)
    if not same_value(new.value, old.value):
        history.append(SupersededValue(value=old.value, source=old.source, set_by=old.set_by, at=old.at))
    return new.model_copy(update={"superseded": history})


_T = TypeVar("_T")


def _append(current: list[_T], update: list[_T]) -> list[_T]:
    return [*current, *update]


def merge_signals(current: list[Signals], update: list[Signals]) -> list[Signals]:
    """Signals of a message already read replace its earlier reading (a model's triage refining the offline
    engine's, read beside the resolver); new messages' signals are appended."""
    out = list(current)
    for signals in update:
        if out and out[-1].message_id == signals.message_id and signals.message_id:
            out[-1] = signals
        else:
            out.append(signals)
    return out


class ConversationState(BaseModel):
    """Everything one conversation knows; one LangGraph thread per conversation."""

    conversation_id: str
    customer: CustomerRef
    channel: Channel = "web"
    language: str = "en"
    mode: Mode = "ai_active"
    assigned_agent: str | None = None
    inbox: Event | None = None
    """The event this invocation handles; the graph's input."""
    messages: Annotated[list[Message], _append] = Field(default_factory=list[Message])
    signals: Annotated[list[Signals], merge_signals] = Field(default_factory=list[Signals])
    facts: Annotated[list[Fact], merge_facts] = Field(default_factory=list[Fact])
    attempts: Annotated[list[Attempt], _append] = Field(default_factory=list[Attempt])
    commitments: Annotated[list[Commitment], _append] = Field(default_factory=list[Commitment])
    tool_calls: Annotated[list[ToolCallRecord], _append] = Field(default_factory=list[ToolCallRecord])
    model_calls: Annotated[list[ModelCall], _append] = Field(default_factory=list[ModelCall])
    escalations: Annotated[list[EscalationDecision], _append] = Field(default_factory=list[EscalationDecision])
    hand_backs: Annotated[list[HandBackReport], _append] = Field(default_factory=list[HandBackReport])
    """What each human reported when handing back, oldest first."""
    guard_reports: Annotated[list[GuardReport], _append] = Field(default_factory=list[GuardReport])
    """What the grounding guard did with each model-written reply (relevo.agents.GroundingGuard)."""
    packet: HandoffPacket | None = None
    pending_offer: PendingOffer | None = None
    briefing: str = ""
    """What the human did, written by the summarizer at hand-back, for the AI to continue from."""
    memory_highlights: list[str] = Field(default_factory=list[str])
    """What customer memory recalled at the first customer turn (readable summaries; data, never instructions)."""
    remembered_promises: list[str] = Field(default_factory=list[str])
    """Promises made to this customer in earlier conversations, from memory."""

    def fact(self, name: str) -> Fact | None:
        """The current fact with this name, if any."""
        for fact in self.facts:
            if fact.name == name:
                return fact
        return None

    @property
    def last_signals(self) -> Signals | None:
        return self.signals[-1] if self.signals else None
