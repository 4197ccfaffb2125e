"""What customer memory holds: episodes and facts (summaries, never raw transcripts), and erasure receipts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Episode", "ForgetReceipt", "MemoryHit", "MemoryKind", "MemoryRecord", "record_id"]

MemoryKind = Literal["episode", "fact"]


class Episode(BaseModel):
    """One conversation, summarised: the issue, what was tried, how it ended, what was promised."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    issue: str
    tried: list[str] = Field(default_factory=list[str])
    outcome: str
    commitments: list[str] = Field(default_factory=list[str])
    sentiment: float = 0.0
    resolved_by: Literal["ai", "human"] = "ai"
    csat: int | None = Field(default=None, ge=1, le=5)

    def summary(self, at: datetime) -> str:
        """A readable one-paragraph summary (what the customer is shown when they ask what is remembered)."""
        mood = "unhappy" if self.sentiment <= -0.3 else "happy" if self.sentiment >= 0.3 else "neutral"
        parts = [f"{at:%Y-%m-%d}: {self.issue.replace('_', ' ')} — {self.outcome} (by {self.resolved_by})"]
        if self.tried:
            parts.append("tried: " + ", ".join(self.tried))
        if self.commitments:
            parts.append("promised: " + "; ".join(self.commitments))
        parts.append(f"customer was {mood}")
        if self.csat is not None:
            parts.append(f"CSAT {self.csat}/5")
        return ". ".join(parts) + "."

    def topic(self) -> str:
        """What the conversation was about: the issue, how it ended and what was promised — the text its memory
        record is found by (embedded for recall), while :meth:`summary` is the text stored and shown.

        The date, the tools tried and the mood name no topic a later message could ask about, and e5's encoding
        time grows faster than the text: a 253-character demo summary took about 120 ms to embed on the 2-core
        development machine, idle, its topic (115 characters) about 40 ms, and that write runs while the next
        turn waits for the same engine (``relevo bench turn``)."""
        text = f"{self.issue.replace('_', ' ')} — {self.outcome}"
        if self.commitments:
            text += ". promised: " + "; ".join(self.commitments)
        return text


class MemoryRecord(BaseModel):
    """One remembered item about one customer, with where it came from, its consent basis and its expiry."""

    model_config = ConfigDict(frozen=True)

    id: str
    customer_id: str
    kind: MemoryKind
    subject: str
    """Newer records on the same subject supersede older ones (``episode:<conversation>``, ``preference:language``)."""
    text: str
    source: str
    """A conversation id, a message id, ``api`` or ``cli``."""
    at: datetime
    consent_basis: str
    expires_at: datetime | None = None
    current: bool = True
    """False once a newer record on the same subject superseded it (kept as history, never recalled)."""
    commitments: list[str] = Field(default_factory=list[str])


class MemoryHit(BaseModel):
    """A recalled record and its cosine similarity to the query."""

    model_config = ConfigDict(frozen=True)

    record: MemoryRecord
    score: float


class ForgetReceipt(BaseModel):
    """What erasing a customer really removed, per store (counts of deleted rows, not of rows looked for)."""

    model_config = ConfigDict(frozen=True)

    customer_id: str
    memories: int = 0
    """Memory records deleted from Chroma."""
    conversations: int = 0
    """Conversations whose checkpoints were deleted."""
    checkpoints: int = 0
    """Checkpoints deleted across those conversations."""
    packets: int = 0
    """Handoff packets among them."""
    vault_entries: int = 0
    identities: int = 0
    conversation_index: int = 0
    consent: int = 0
    keys: int = 0
    """The customer's memory key (destroyed: any leftover sealed copy is unreadable)."""
    inbox: int = 0
    """Inbound messages of the customer's channel addresses (the server's inbox)."""
    board: int = 0
    """Console rows (the board, and so the KPIs computed from it)."""
    directory: int = 0
    """Channel addresses bound to the customer's conversations."""
    outbound: int = 0
    """Delivery statuses of messages sent to the customer."""
    compacted: list[str] = Field(default_factory=list[str])
    """The files and tables vacuumed after the deletions, so the erased bytes leave the disk."""


def record_id(customer_id: str, kind: MemoryKind, subject: str, text: str) -> str:
    """Content-addressed id: the same memory written twice is stored once."""
    digest = hashlib.sha256(f"{customer_id}\x1f{kind}\x1f{subject}\x1f{text}".encode()).hexdigest()
    return f"mem-{digest[:32]}"
