"""A wake-up call from the worker threads to the server's event loop: the board changed."""

from __future__ import annotations

import asyncio

import anyio

__all__ = ["Pulse"]


class Pulse:
    """Wakes every waiting stream of this event loop when the board changes (callable from any thread)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the server's event loop (at start-up)."""
        self._loop = loop
        self._event = asyncio.Event()

    def beat(self) -> None:
        """Something changed: wake the streams (a no-op before :meth:`attach`)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._release)

    def _release(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Until the next beat, or ``timeout`` seconds (then the caller polls the shared store anyway)."""
        event = self._event
        if event is None:
            await anyio.sleep(timeout)
            return
        with anyio.move_on_after(timeout):
            await event.wait()
