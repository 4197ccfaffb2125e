"""Server test harness (imported by the tests here): the app on a real loopback port, chat and console helpers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from relevo.server import Claim, ServerRuntime, ServeSettings, create_app
from relevo.server._run import uvicorn_config
from relevo.server._sqlite_store import SqliteServeStore

PASSWORD = "correct-horse-battery"
"""The demo agents' password in these tests (RELEVO_DEMO_PASSWORD)."""


def serve_settings(data_dir: Path, **changes: Any) -> ServeSettings:
    """Settings for a test server: fast polling, the known demo password."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "demo_password": PASSWORD,
        "workers": 2,
        "poll_seconds": 0.05,
        "lease_seconds": 30,
    }
    values.update(changes)
    return ServeSettings(**values)


class LiveServer:
    """The app under uvicorn on a free loopback port, in a thread (real HTTP, real SSE)."""

    def __init__(self, runtime: ServerRuntime) -> None:
        self.runtime = runtime
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        # The HTTP stack of `relevo serve` (its parser and caps), quieter and quicker to stop.
        config = uvicorn_config(create_app(runtime=runtime), runtime.settings, log_level="warning")
        config.timeout_graceful_shutdown = 1
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            self._thread.join(0.02)
        return self

    def block_event_loop(self, seconds: float) -> None:
        """Hold the server's event loop for ``seconds``, as a handler doing blocking work on it would; returns once
        the loop runs again (tests check that a probe notices)."""
        loop = self._server.servers[0].get_loop()
        resumed = threading.Event()

        def hold() -> None:
            time.sleep(seconds)
            resumed.set()

        loop.call_soon_threadsafe(hold)
        assert resumed.wait(seconds + 30), "the event loop never ran the hold"

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(15)
        self._socket.close()


@dataclass
class ChatSession:
    conversation_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def start_chat(client: httpx.Client, customer_id: str | None = None) -> ChatSession:
    response = client.post("/api/chat/sessions", json={"customer_id": customer_id})
    assert response.status_code == 201, response.text
    body = response.json()
    return ChatSession(body["conversation_id"], body["token"])


def say(client: httpx.Client, chat: ChatSession, text: str, client_message_id: str | None = None) -> dict[str, Any]:
    response = client.post(
        f"/api/chat/conversations/{chat.conversation_id}/messages",
        json={"text": text, "client_message_id": client_message_id},
        headers=chat.headers,
    )
    assert response.status_code == 202, response.text
    return response.json()


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


Event = tuple[str, dict[str, Any]]


def read_events(
    client: httpx.Client,
    path: str,
    headers: dict[str, str],
    until: Callable[[list[Event]], bool],
    *,
    timeout: float = 60.0,
) -> list[Event]:
    """Read a server-sent event stream until ``until(events so far)`` holds.

    Raises:
        AssertionError: the stream ended or ``timeout`` passed first (with the events seen).
    """
    events: list[Event] = []
    deadline = time.monotonic() + timeout
    with client.stream("GET", path, headers=headers, timeout=httpx.Timeout(timeout, read=timeout)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        name = "message"
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                events.append((name, json.loads(line.removeprefix("data:"))))
                if until(events):
                    return events
            if time.monotonic() > deadline:
                break
    raise AssertionError(f"the stream did not deliver what was expected; got {events}")


def chat_messages(events: list[Event]) -> list[dict[str, Any]]:
    return [data for name, data in events if name == "message"]


def settled(kind_count: dict[str, int]) -> Callable[[list[Event]], bool]:
    """``until`` for read_events: at least these counts of message kinds, then a status with nothing pending."""

    def check(events: list[Event]) -> bool:
        messages = chat_messages(events)
        enough = all(sum(1 for m in messages if m["kind"] == k) >= n for k, n in kind_count.items())
        name, data = events[-1]
        return enough and name == "status" and data["pending"] == 0

    return check


class Completions:
    """Wraps the store's ``complete`` to let a test wait for processed messages (no sleeping)."""

    def __init__(self, store: SqliteServeStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ids: list[str] = []
        self._changed = threading.Condition()
        original = store.complete

        def complete(claim: Claim, message_ids: list[str]) -> None:
            original(claim, message_ids)
            with self._changed:
                self.ids.extend(message_ids)
                self._changed.notify_all()

        monkeypatch.setattr(store, "complete", complete)

    def wait(self, count: int, timeout: float = 60.0) -> list[str]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.ids) >= count, timeout):
                raise AssertionError(f"only {len(self.ids)} of {count} messages completed: {self.ids}")
            return list(self.ids)
