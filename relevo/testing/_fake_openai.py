"""A real HTTP server on loopback that answers like an OpenAI-compatible endpoint, or fails on purpose.

For fault tests of provider adapters: queue behaviours (an answer, 429 with Retry-After, 500, malformed JSON,
a truncated body, a hang) and every request is recorded as received.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

__all__ = ["Behaviour", "FakeOpenAIServer", "fake_openai_server"]

Kind = Literal["answer", "status", "malformed", "truncated", "hang"]


@dataclass(frozen=True)
class Behaviour:
    """What the server does for one request."""

    kind: Kind
    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    status: int = 200
    retry_after: float | None = None

    @classmethod
    def answer(cls, text: str = "", tool_calls: list[dict[str, Any]] | None = None) -> Behaviour:
        return cls("answer", text=text, tool_calls=tool_calls or [])

    @classmethod
    def json_answer(cls, value: dict[str, Any]) -> Behaviour:
        return cls("answer", text=json.dumps(value))

    @classmethod
    def error(cls, status: int, retry_after: float | None = None) -> Behaviour:
        return cls("status", status=status, retry_after=retry_after)

    @classmethod
    def malformed(cls) -> Behaviour:
        return cls("malformed")

    @classmethod
    def truncated(cls) -> Behaviour:
        return cls("truncated")

    @classmethod
    def hang(cls) -> Behaviour:
        return cls("hang")


class FakeOpenAIServer:
    """Serve ``/v1/chat/completions`` on 127.0.0.1 with scripted behaviours (default: answer ``default_text``)."""

    def __init__(self, default_text: str = "ok") -> None:
        self.default = Behaviour.answer(default_text)
        self.requests: list[dict[str, Any]] = []
        self._queue: list[Behaviour] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def push(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, body: dict[str, Any]) -> Behaviour:
        with self._lock:
            self.requests.append(body)
            return self._queue.pop(0) if self._queue else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle on, the body would wait for the client's delayed
            # ACK (~40 ms on Linux), a stall real servers (uvicorn, llama.cpp) do not have.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {"unparseable": raw.decode("utf-8", "replace")}
                behaviour = server._next(body)
                if behaviour.kind == "hang":
                    server._release.wait()
                    return
                if behaviour.kind == "status":
                    payload = json.dumps({"error": {"message": f"fake {behaviour.status}", "type": "fake"}}).encode()
                    self.send_response(behaviour.status)
                    if behaviour.retry_after is not None:
                        self.send_header("Retry-After", str(behaviour.retry_after))
                    self._send(payload)
                    return
                if behaviour.kind == "malformed":
                    self.send_response(200)
                    self._send(b'{"id": "x", "choices": [{"message": ')
                    return
                payload = json.dumps(_completion(body, behaviour)).encode()
                if behaviour.kind == "truncated":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_response(200)
                self._send(payload)

            def _send(self, payload: bytes) -> None:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _completion(request: dict[str, Any], behaviour: Behaviour) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": behaviour.text or None}
    if behaviour.tool_calls:
        message["tool_calls"] = [
            {
                "id": call.get("id", f"call_{i}"),
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments", {}))},
            }
            for i, call in enumerate(behaviour.tool_calls)
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "fake"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if behaviour.tool_calls else "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


@contextmanager
def fake_openai_server(default_text: str = "ok") -> Generator[FakeOpenAIServer]:
    """A started :class:`FakeOpenAIServer`, stopped on exit."""
    server = FakeOpenAIServer(default_text).start()
    try:
        yield server
    finally:
        server.stop()
