"""Conversation messages: a tagged union over who spoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["web", "whatsapp", "sms", "email", "cli", "api"]


class _MessageBase(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    at: datetime
    text: str


class CustomerMessage(_MessageBase):
    """What the customer wrote (already normalised and redacted)."""

    kind: Literal["customer"] = "customer"
    channel: Channel = "web"
    language: str = "und"
    received_while: Literal["ai_active", "pending_human", "human_active", "closed"] = "ai_active"
    external_id: str | None = None
    """The channel's own id of the message, when it came through a channel that has one."""


class AIMessage(_MessageBase):
    """What the AI wrote to the customer."""

    kind: Literal["ai"] = "ai"
    agent: str
    language: str = "en"
    grounding: list[str] = Field(default_factory=list[str])
    """Knowledge-base article ids or tool call ids the text is grounded in."""


class HumanAgentMessage(_MessageBase):
    """What a human support agent wrote to the customer."""

    kind: Literal["human_agent"] = "human_agent"
    agent: str


class SystemEvent(_MessageBase):
    """A transition or internal note, never shown to the customer as a reply."""

    kind: Literal["system"] = "system"
    event: Literal[
        "escalated",
        "takeover",
        "hand_back",
        "resolved",
        "reopened",
        "note",
        "pending_timeout",
    ]


Message = Annotated[
    CustomerMessage | AIMessage | HumanAgentMessage | SystemEvent,
    Field(discriminator="kind"),
]
