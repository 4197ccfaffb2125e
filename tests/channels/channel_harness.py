"""Channel test harness (imported by the tests here): uvicorn on a free loopback port, a recording inbox."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import uvicorn
from fastapi import APIRouter, FastAPI

from relevo.server._ports import DeliveryStatus, Inbound

_ORDER: dict[DeliveryStatus, int] = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass
class RecordingInbox:
    """Stands in for the server's store behind ``accept``/``on_status``: dedupes by (channel, message id) and
    keeps statuses from moving backwards, recording every call as received."""

    accepted: list[Inbound] = field(default_factory=list[Inbound])
    calls: list[Inbound] = field(default_factory=list[Inbound])
    statuses: dict[str, DeliveryStatus] = field(default_factory=dict[str, DeliveryStatus])
    status_calls: list[tuple[str, DeliveryStatus, datetime]] = field(
        default_factory=list[tuple[str, DeliveryStatus, datetime]]
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accept(self, message: Inbound) -> bool:
        with self._lock:
            self.calls.append(message)
            if any((m.channel, m.message_id) == (message.channel, message.message_id) for m in self.accepted):
                return False
            self.accepted.append(message)
            return True

    def on_status(self, provider_message_id: str, status: DeliveryStatus, at: datetime) -> bool:
        with self._lock:
            self.status_calls.append((provider_message_id, status, at))
            current = self.statuses.get(provider_message_id)
            if current is not None and (current == "failed" or _ORDER[status] <= _ORDER[current]):
                return False
            self.statuses[provider_message_id] = status
            return True


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextmanager
def serving(*routers: APIRouter) -> Iterator[str]:
    """A FastAPI app with ``routers`` under uvicorn on 127.0.0.1 (a free port); yields its base URL."""
    app = FastAPI()
    for router in routers:
        app.include_router(router)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    try:
        assert server.ready.wait(10), "uvicorn did not start within 10 s"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
