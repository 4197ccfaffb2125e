"""What ``relevo serve`` keeps besides the conversations themselves, as one narrow port.

The conversation state lives in the LangGraph checkpointer (SQLite, or Postgres in scale-out mode). Everything
a server needs around it lives behind :class:`ServeStore`:

* the **inbox**: inbound customer messages, deduplicated by ``(channel, message_id)`` (deliveries are at least
  once), processed per conversation in arrival order, by one worker at a time across every process;
* the **conversation lock**: every graph invocation of one conversation (customer turns and the human side's
  commands) runs under it, so two processes never interleave turns of one conversation;
* the **directory**: which conversation a channel address (a WhatsApp number, a web chat session) is in now;
* the **board**: one row per conversation (mode, route, priority, waiting time, assignee) for the console
  queue and the KPIs, written after every turn;
* **outbound status**: delivery status of messages relevo sent through a channel, which never moves backwards.

Two implementations share one conformance suite: SQLite in the data directory (the embedded default) and
PostgreSQL (``RELEVO_DATABASE_URL``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from relevo.contracts import Channel, Mode, Priority

__all__ = [
    "BoardRow",
    "Claim",
    "DeadLetter",
    "DeliveryStatus",
    "Inbound",
    "ServeStore",
]

DeliveryStatus = Literal["queued", "sent", "delivered", "read", "failed"]
"""Outbound delivery status, in the order it may only move forward (``failed`` is final from any state)."""


class Inbound(BaseModel):
    """One customer message as a channel delivered it."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    message_id: str
    """The channel's own id (WhatsApp ``wamid``, Twilio ``MessageSid``, a web client's uuid): the dedupe key."""
    handle: str
    """The customer's address on the channel (phone number, web session id)."""
    text: str
    received_at: datetime
    customer_id: str | None = None
    """Who the customer is, when the channel knows (a signed-in web session); else resolved from ``handle``."""


class DeadLetter(BaseModel):
    """A customer message that kept failing: set aside with its error, its conversation handed to a human."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    message_id: str
    handle: str
    error: str
    at: datetime


class Claim(BaseModel):
    """Pending messages of one conversation address, leased to one worker until ``lease_until``."""

    model_config = ConfigDict(frozen=True)

    channel: Channel
    handle: str
    worker: str
    lease_until: datetime
    messages: list[Inbound]
    """In arrival order."""


class BoardRow(BaseModel):
    """The console's view of one conversation."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    channel: Channel
    handle: str
    customer_id: str
    customer_name: str | None = None
    mode: Mode
    language: str
    queue: str | None = None
    skill: str | None = None
    priority: Priority | None = None
    reasons: list[str] = []
    waiting_since: datetime | None = None
    """When the conversation entered ``pending_human`` (None otherwise)."""
    assigned_to: str | None = None
    """The agent routed to (pending) or working it (human_active)."""
    picked_up_at: datetime | None = None
    started_at: datetime
    updated_at: datetime
    last_customer_at: datetime | None = None
    """For the WhatsApp 24-hour customer-service window."""
    sentiment: float | None = None
    escalated_at: datetime | None = None
    """When the conversation last entered ``pending_human`` (kept after pickup: with ``picked_up_at`` it gives
    the time to human pickup)."""
    escalations: int = 0
    """How many times it was handed to a human."""
    last_inbound_id: str | None = None
    """The ``Inbound.message_id`` of the last customer message whose turn ran: a worker that finds its message
    here after another worker died before completing it completes it without running the turn again."""


class ServeStore(Protocol):
    """The server's shared bookkeeping; see the module docstring."""

    # -- inbox ------------------------------------------------------------------------------------
    def put(self, message: Inbound) -> bool:
        """Queue ``message``; False when ``(channel, message_id)`` was seen before (nothing is queued)."""
        ...

    def claim(self, worker: str, lease: timedelta) -> Claim | None:
        """Lease the oldest address with pending messages that no live lease holds, with all its pending
        messages; None when there is nothing to do. Atomic across processes."""
        ...

    def complete(self, claim: Claim, message_ids: list[str]) -> None:
        """Mark these messages of the claim processed and release the lease."""
        ...

    def release(self, claim: Claim) -> None:
        """Give the lease back without processing (the messages stay pending, in order)."""
        ...

    def pending(self, channel: Channel, handle: str) -> int:
        """How many messages wait for this address."""
        ...

    # -- per-conversation lock --------------------------------------------------------------------
    def conversation_lock(self, conversation_id: str) -> AbstractContextManager[None]:
        """Held around every graph invocation of the conversation; blocks until free, across processes."""
        ...

    # -- directory --------------------------------------------------------------------------------
    def current_conversation(self, channel: Channel, handle: str) -> str | None:
        """The open conversation this address writes to now, if any."""
        ...

    def bind(self, channel: Channel, handle: str, conversation_id: str) -> None:
        """From now on, this address writes to ``conversation_id``."""
        ...

    # -- board ------------------------------------------------------------------------------------
    def upsert_board(self, row: BoardRow) -> None: ...

    def board(self, conversation_id: str) -> BoardRow | None: ...

    def board_rows(self, *, modes: tuple[Mode, ...] | None = None, since: datetime | None = None) -> Iterator[BoardRow]:
        """Rows, optionally only those in ``modes`` or updated since ``since``."""
        ...

    # -- outbound status --------------------------------------------------------------------------
    def record_outbound(self, provider_message_id: str, conversation_id: str, channel: Channel) -> None:
        """A message relevo sent (status ``queued``)."""
        ...

    def advance_status(self, provider_message_id: str, status: DeliveryStatus, at: datetime) -> bool:
        """Move the message's status forward; False (and no change) when ``status`` is not ahead of it."""
        ...

    def status(self, provider_message_id: str) -> DeliveryStatus | None: ...

    # -- failures and erasure ---------------------------------------------------------------------
    def dead_letter(self, claim: Claim, message_id: str, error: str) -> None:
        """Set aside a message that kept failing: processed, its text cleared, ``error`` kept (never text)."""
        ...

    def dead_letters(self) -> list[DeadLetter]:
        """Messages set aside by :meth:`dead_letter`, oldest first."""
        ...

    def footprint(self, customer_id: str, conversation_ids: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """The customer's conversations here (``conversation_ids`` plus board rows of ``customer_id``) and the
        channel addresses ``(channel, handle)`` they wrote from (for erasure)."""
        ...

    def erase_customer(self, customer_id: str, conversation_ids: list[str]) -> dict[str, int]:
        """Delete every row of the customer: board rows of ``customer_id`` or ``conversation_ids``, their channel
        addresses' inbox messages, directory entries and leases, and their outbound statuses. Returns rows
        removed per table (``inbox``, ``board``, ``directory``, ``outbound``)."""
        ...

    def compact(self) -> str:
        """Make erased rows leave the disk (SQLite: VACUUM and an emptied WAL); returns what was compacted."""
        ...

    def close(self) -> None: ...
