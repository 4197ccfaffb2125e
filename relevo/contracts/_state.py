"""The conversation state LangGraph checkpoints, and the events that drive it."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from relevo.contracts._escalation import EscalationDecision
from relevo.contracts._messages import Channel, Message
from relevo.contracts._packet import CustomerRef, HandoffPacket
from relevo.contracts._records import Attempt, Commitment, Fact, GuardReport, ModelCall, ToolCallRecord
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


class HandBack(BaseModel):
    """The human hands the conversation back to the AI, with an optional note for it."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["hand_back"] = "hand_back"
    note: str = ""


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
    """Newer facts replace older ones with the same name; order of first appearance is kept."""
    merged = {fact.name: fact for fact in current}
    for fact in update:
        merged[fact.name] = fact
    return list(merged.values())


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
