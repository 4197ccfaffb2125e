"""What a webhook delivery carries into relevo, and the two callbacks the server hands the channel routers.

The routers only verify, parse and hand over: ``accept`` queues a customer message in the server's inbox (False:
seen before, because providers deliver at least once) and ``on_status`` moves a sent message's delivery status
forward (False: not ahead of what is recorded, so a late ``delivered`` never overwrites ``read``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from relevo.contracts import Channel
from relevo.orchestrator import MAX_MESSAGE_CHARS

if TYPE_CHECKING:
    # Imported lazily at run time (see make_inbound): relevo.server imports relevo.channels to mount the routers,
    # so importing relevo.server from here at import time would be circular.
    from relevo.server._ports import DeliveryStatus, Inbound

__all__ = ["AcceptInbound", "Clock", "RecordStatus", "StatusUpdate", "make_inbound", "utc_now"]

Clock = Callable[[], datetime]
"""Now, as an aware datetime (injected so tests can pin it)."""

AcceptInbound = Callable[["Inbound"], bool]
"""Queue one inbound message; False when ``(channel, message_id)`` was seen before."""

RecordStatus = Callable[[str, "DeliveryStatus", datetime], bool]
"""``(provider_message_id, status, at)``: advance the status; False when it is not ahead of the recorded one."""


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's report on a message relevo sent."""

    provider_message_id: str
    status: DeliveryStatus
    at: datetime
    error: str | None = None
    """The provider's error code and title for ``failed`` (never the recipient's number)."""


EDGE_MAX_CHARS = 2 * MAX_MESSAGE_CHARS
"""What a webhook keeps of a message's text: twice what a turn reads, so the turn still sees (and records) that
the message was cut, while nothing past this is stored, redacted or scanned."""

_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
"""NUL (Postgres cannot store it) and unpaired surrogates (not encodable as UTF-8)."""


def edge_text(text: str, limit: int = EDGE_MAX_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with NUL and unpaired surrogates replaced by U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text[:limit])


def make_inbound(channel: Channel, message_id: str, handle: str, text: str, received_at: datetime) -> Inbound:
    """A :class:`relevo.server._ports.Inbound` (imported here, at call time; see the import note above).

    Every field passes :func:`edge_text` first: the text is cut to :data:`EDGE_MAX_CHARS`, ids and handles to
    200 characters, before anything else reads them.
    """
    from relevo.server._ports import Inbound

    return Inbound(
        channel=channel,
        message_id=edge_text(message_id, 200),
        handle=edge_text(handle, 200),
        text=edge_text(text),
        received_at=received_at,
    )
