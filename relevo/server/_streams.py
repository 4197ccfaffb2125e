"""Server-sent event streams for the chat page and the console.

Both poll the shared store (cheap indexed reads) rather than listen to this process only: a turn may have run
in another ``relevo serve`` process. Between polls they also wake on this process's :class:`Pulse`, so a turn
that ran here reaches the page at once instead of at the next poll. The chat stream reloads the transcript only
when the conversation's board row or pending count changed.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

from anyio import to_thread

from relevo.server._agents import AgentAccount
from relevo.server._api_models import transcript
from relevo.server._chat_page import conversation_language
from relevo.server._ports import BoardRow
from relevo.server._service import ServeService

__all__ = ["chat_events", "console_events", "sse"]

_HEARTBEAT_S = 15.0
_MAX_STREAM_S = 300.0
"""Streams end after this long; clients reconnect (keeps proxies and graceful shutdowns happy)."""
_LOOK_BACK = timedelta(seconds=5)


def sse(event: str, data: object) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n"


async def chat_events(
    service: ServeService,
    conversation_id: str,
    handle: str,
    *,
    after: int,
    poll: float,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    """The customer's stream: ``message`` (a new customer-visible message), ``status`` (mode, pending messages,
    whether the AI is typing, server time ``at`` for delivery ticks, and ``language``: the conversation's
    language once known, for the page to speak, else ``null``)."""
    sent = after
    last: tuple[object, ...] | None = None
    started = time.monotonic()
    beat = started
    while time.monotonic() - started < _MAX_STREAM_S:
        if await disconnected():
            return
        at = time.time()
        row, pending = await to_thread.run_sync(_chat_probe, service, conversation_id, handle)
        stamp = (row.updated_at if row is not None else None, pending)
        if stamp != last:
            last = stamp
            state = await to_thread.run_sync(service.state, conversation_id)
            visible = transcript(state, for_customer=True)
            for message in visible[sent:]:
                yield sse("message", message.model_dump())
            sent = max(sent, len(visible))
            yield sse(
                "status",
                {
                    "mode": state.mode,
                    "pending": pending,
                    "typing": pending > 0 and state.mode != "human_active",
                    "at": at,
                    "count": sent,
                    "language": conversation_language(state, service.desk.context.profile),
                },
            )
            beat = time.monotonic()
        elif time.monotonic() - beat > _HEARTBEAT_S:
            beat = time.monotonic()
            yield ": keep-alive\n\n"
        await service.pulse.wait(poll)


def _chat_probe(service: ServeService, conversation_id: str, handle: str) -> tuple[BoardRow | None, int]:
    return service.store.board(conversation_id), service.store.pending("web", handle)


async def console_events(
    service: ServeService,
    agent: AgentAccount,
    *,
    poll: float,
    disconnected: Callable[[], Awaitable[bool]],
) -> AsyncIterator[str]:
    """The console's stream: ``board`` with the rows that changed (any conversation; the console refreshes its
    queue, KPIs and open conversation from them), then ``ready`` once."""
    seen: dict[str, datetime] = {}
    since = service.now()
    started = time.monotonic()
    beat = started
    yield sse("ready", {"agent": agent.username})
    while time.monotonic() - started < _MAX_STREAM_S:
        if await disconnected():
            return
        rows = await to_thread.run_sync(_rows_since, service, since)
        changed = [r for r in rows if seen.get(r.conversation_id) != r.updated_at]
        for row in changed:
            seen[row.conversation_id] = row.updated_at
        if changed:
            # Look back a little: a row written with an earlier time may commit after a later one.
            since = max(r.updated_at for r in changed) - _LOOK_BACK
            yield sse("board", {"rows": [r.model_dump(mode="json") for r in changed]})
            beat = time.monotonic()
        elif time.monotonic() - beat > _HEARTBEAT_S:
            beat = time.monotonic()
            yield ": keep-alive\n\n"
        await service.pulse.wait(poll)


def _rows_since(service: ServeService, since: datetime) -> list[BoardRow]:
    return list(service.store.board_rows(since=since))
