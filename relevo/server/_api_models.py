"""Request and response bodies of the REST API (they are the OpenAPI schema at ``/openapi.json``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from relevo.contracts import (
    FACT_NAME,
    AIMessage,
    Attempt,
    Commitment,
    ConversationState,
    CustomerMessage,
    CustomerRef,
    Fact,
    FactChange,
    GuardReport,
    HandBack,
    HandoffPacket,
    HumanAgentMessage,
    Message,
    Mode,
    Promise,
    SystemEvent,
)
from relevo.orchestrator import MAX_MESSAGE_CHARS
from relevo.server._agents import AgentAccount, Role
from relevo.server._ports import BoardRow

__all__ = [
    "AgentProfile",
    "AgentUpdate",
    "Availability",
    "CommandResult",
    "ConversationDetail",
    "CustomerTranscript",
    "DemoCustomer",
    "HandBackFact",
    "HandBackPromise",
    "HandBackRequest",
    "LoginRequest",
    "LoginResponse",
    "MessageAccepted",
    "PostMessage",
    "QueueView",
    "ReplyRequest",
    "SessionRequest",
    "SessionResponse",
    "TranscriptMessage",
    "profile_of",
    "transcript",
]


class _Body(BaseModel):
    """A request body: unknown fields refused, types strict (``0`` is not ``false``, ``"1"`` is not ``1``), and no
    NUL character in any text (Postgres cannot store one; nothing a person types holds one)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):  # pyright: ignore[reportUnknownVariableType]
            raise ValueError("text may not contain a NUL character (\\u0000)")
        return value


_Name = Annotated[str, Field(min_length=1, max_length=64)]


# -- customers (web chat) ---------------------------------------------------------------------------------
class DemoCustomer(BaseModel):
    """A test customer of the desk the chat page can play (desk.toml ``[customers] selectable``)."""

    id: str
    name: str
    tier: str
    language: str


class SessionRequest(_Body):
    """Start a web chat conversation."""

    customer_id: str | None = Field(
        default=None, max_length=64, description="A demo customer's id; omitted: a guest (when demo customers are off)."
    )


class SessionResponse(BaseModel):
    """A new web chat conversation and the token that grants it (send it as ``Authorization: Bearer``)."""

    conversation_id: str
    token: str
    customer: CustomerRef


class PostMessage(_Body):
    """A customer message."""

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    client_message_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_.:-]{1,100}$",
        description="The client's id for the message (retries with the same id are queued once).",
    )


class MessageAccepted(BaseModel):
    """The message is queued; the reply arrives on the event stream."""

    message_id: str
    queued: bool = Field(description="False: this message id was queued before (a retry); nothing new queued.")
    accepted_at: float = Field(description="Server time (Unix seconds) the message was accepted.")


class TranscriptMessage(BaseModel):
    """One message of a transcript."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["customer", "ai", "human_agent", "system"]
    author: str
    text: str
    at: str
    event: str | None = None
    """For system events: escalated, takeover, hand_back, resolved, reopened, note."""
    grounding: list[str] = Field(default_factory=list[str])
    """Agent view, AI messages: the tool calls and knowledge-base articles the reply rests on."""


class CustomerTranscript(BaseModel):
    """What the customer sees of their conversation."""

    conversation_id: str
    mode: Mode
    pending: int = Field(description="Messages of this session not processed yet.")
    messages: list[TranscriptMessage]


# -- agents -----------------------------------------------------------------------------------------------
class LoginRequest(_Body):
    username: str = Field(min_length=1, max_length=40)
    password: str = Field(min_length=1, max_length=200)


class AgentProfile(BaseModel):
    """A console account (never its password hash)."""

    username: str
    name: str
    role: Role
    skills: list[str]
    languages: list[str]
    available: bool


class LoginResponse(BaseModel):
    """A bearer token for the console API."""

    token: str
    expires_in: int = Field(description="Seconds.")
    agent: AgentProfile


class Availability(_Body):
    available: bool = Field(description="True: take new handoffs; False: away.")


class QueueView(BaseModel):
    """The signed-in agent's work."""

    waiting: list[BoardRow] = Field(description="Waiting for a human, most urgent then longest waiting first.")
    mine: list[BoardRow] = Field(description="Conversations this agent is working now.")


class ConversationDetail(BaseModel):
    """Everything the human needs at a glance: the board row, the transcript, and the handoff card."""

    row: BoardRow
    customer: CustomerRef
    mode: Mode
    assigned_agent: str | None
    messages: list[TranscriptMessage]
    packet: HandoffPacket | None = Field(description="The latest handoff packet (summary, facts, reasons, ...).")
    card: str | None = Field(description="The packet as a plain-text card.")
    sentiment: list[float] = Field(description="Sentiment of each customer turn, oldest first.")
    facts: list[Fact]
    attempts: list[Attempt]
    commitments: list[Commitment]
    memory_highlights: list[str]
    briefing: str = Field(description="What the last human did, as the AI was briefed at hand-back.")
    guard: list[GuardReport] = Field(
        default_factory=list[GuardReport],
        description="What the grounding guard did with each model-written reply (checked, failed, action).",
    )


class ReplyRequest(_Body):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


_Item = Annotated[str, Field(min_length=1, max_length=500)]


class HandBackFact(_Body):
    name: str = Field(
        pattern=FACT_NAME, description="The fact's name, as the handoff card's facts name it (`appointment_date`)."
    )
    value: _Item = Field(description="Its new value. It outranks what a tool says until a newer reading changes it.")


class HandBackPromise(_Body):
    what: _Item = Field(description="What you promised the customer (recorded as a commitment by a human).")
    due: Annotated[AwareDatetime | None, Field(strict=False)] = Field(
        default=None, description="By when (ISO 8601 with a time zone), if you said."
    )


class HandBackRequest(_Body):
    """What you did, decided, promised and changed; every part optional."""

    note: str = Field(default="", max_length=2000, description="What you did, for the AI to continue from.")
    actions: list[_Item] = Field(default_factory=list[str], max_length=20, description="What you did.")
    decisions: list[_Item] = Field(default_factory=list[str], max_length=20, description="What you decided.")
    promises: list[HandBackPromise] = Field(default_factory=list[HandBackPromise], max_length=20)
    facts: list[HandBackFact] = Field(
        default_factory=list[HandBackFact], max_length=20, description="Facts you changed (each name once)."
    )

    @model_validator(mode="after")
    def _each_fact_once(self) -> HandBackRequest:
        names = [f.name for f in self.facts]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"fact {', '.join(twice)} is set twice")
        return self

    def event(self) -> HandBack:
        """The hand-back this request describes."""
        return HandBack(
            note=self.note.strip(),
            actions=self.actions,
            decisions=self.decisions,
            promises=[Promise(what=p.what, due=p.due) for p in self.promises],
            facts=[FactChange(name=f.name, value=f.value) for f in self.facts],
        )


class CommandResult(BaseModel):
    """What a human-side command did."""

    conversation_id: str
    mode: Mode
    reply: str | None = Field(description="What the customer was sent (the AI's follow-up after a hand-back).")
    row: BoardRow
    undelivered: list[str] = Field(
        default_factory=list[str],
        description="Messages the customer's channel refused or could not take (`message_id: reason`).",
    )


class AgentUpdate(_Body):
    """Create or change a console account."""

    name: str = Field(min_length=1, max_length=80)
    role: Role = "agent"
    skills: list[_Name] = Field(
        default_factory=list[str], max_length=50, description="Queue or skill names (`*`: all)."
    )
    languages: list[_Name] = Field(
        default_factory=lambda: ["en"], max_length=20, description="Language codes (`*`: all)."
    )
    available: bool = True
    password: str | None = Field(default=None, min_length=8, max_length=200, description="Required for a new agent.")


# -- helpers ----------------------------------------------------------------------------------------------
def profile_of(account: AgentAccount) -> AgentProfile:
    """The public view of an account."""
    return AgentProfile(
        username=account.username,
        name=account.name,
        role=account.role,
        skills=list(account.skills),
        languages=list(account.languages),
        available=account.available,
    )


def transcript(state: ConversationState, *, for_customer: bool) -> list[TranscriptMessage]:
    """The conversation's messages; for the customer only what was said to or by them."""
    out: list[TranscriptMessage] = []
    for message in state.messages:
        if for_customer and isinstance(message, SystemEvent):
            continue
        view = _view(message, state)
        if not for_customer and isinstance(message, AIMessage) and message.grounding:
            view = view.model_copy(update={"grounding": list(message.grounding)})
        out.append(view)
    return out


def _view(message: Message, state: ConversationState) -> TranscriptMessage:
    at = message.at.isoformat()
    if isinstance(message, CustomerMessage):
        author = state.customer.name or "Customer"
        return TranscriptMessage(id=message.id, kind="customer", author=author, text=message.text, at=at)
    if isinstance(message, AIMessage):
        return TranscriptMessage(id=message.id, kind="ai", author="AI assistant", text=message.text, at=at)
    if isinstance(message, HumanAgentMessage):
        return TranscriptMessage(id=message.id, kind="human_agent", author=message.agent, text=message.text, at=at)
    return TranscriptMessage(
        id=message.id, kind="system", author="system", text=message.text, at=at, event=message.event
    )
