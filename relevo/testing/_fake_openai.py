"""A real HTTP server on loopback that answers like an OpenAI-compatible endpoint, or fails on purpose.

For fault tests of provider adapters: queue behaviours (an answer, 429 with Retry-After, 500, malformed JSON,
a truncated body, a hang) and every request is recorded as received. For latency benchmarks: a fixed delay
before every answer, and a responder that answers from the request (e.g. a schema-valid object when the
request asks for structured output, see :func:`schema_instance`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

__all__ = ["Behaviour", "FakeOpenAIServer", "Responder", "fake_openai_server", "schema_instance"]

Kind = Literal["answer", "status", "malformed", "truncated", "hang"]


@dataclass(frozen=True)
class Behaviour:
    """What the server does for one request."""

    kind: Kind
    text: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    status: int = 200
    retry_after: float | str | None = None
    """Seconds, or any text sent verbatim as the ``Retry-After`` header (an HTTP-date, or garbage)."""

    @classmethod
    def answer(cls, text: str = "", tool_calls: list[dict[str, Any]] | None = None) -> Behaviour:
        return cls("answer", text=text, tool_calls=tool_calls or [])

    @classmethod
    def json_answer(cls, value: dict[str, Any]) -> Behaviour:
        return cls("answer", text=json.dumps(value))

    @classmethod
    def error(cls, status: int, retry_after: float | str | None = None) -> Behaviour:
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


Responder = Callable[[dict[str, Any]], Behaviour]
"""Decides the answer to one request body (the JSON the client sent) when nothing is queued."""


class FakeOpenAIServer:
    """Serve ``/v1/chat/completions`` on 127.0.0.1 with scripted behaviours (default: answer ``default_text``).

    Args:
        default_text: what to answer when nothing is queued and there is no ``responder``.
        latency_s: a fixed delay before every answer (seconds), like a model's generation time.
        responder: answers from the request when nothing is queued.
    """

    def __init__(self, default_text: str = "ok", *, latency_s: float = 0.0, responder: Responder | None = None) -> None:
        self.default = Behaviour.answer(default_text)
        self.latency_s = latency_s
        self.responder = responder
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
            if self._queue:
                return self._queue.pop(0)
        return self.responder(body) if self.responder is not None else self.default

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
                if server.latency_s > 0 and server._release.wait(server.latency_s):
                    return  # stopping
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


def schema_instance(schema: dict[str, Any], *, overrides: dict[str, Any] | None = None) -> Any:
    """A minimal value valid against a JSON schema: the first enum value, a number within bounds, ``False``,
    a two-letter string; object properties filled recursively (``overrides`` replaces top-level properties).

    Covers the schema shapes relevo's structured outputs use (objects of scalars, enums, arrays, ``$defs``
    references are not followed); enough for a fake model that must answer schema-valid outputs.
    """
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return schema_instance(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object":
        props: dict[str, Any] = schema.get("properties", {})
        out = {name: schema_instance(sub) for name, sub in props.items()}
        out.update(overrides or {})
        return out
    if kind == "array":
        return []
    if kind in ("number", "integer"):
        low = float(schema.get("minimum", 0.0))
        high = float(schema.get("maximum", max(low, 1.0)))
        value = min(max(0.0, low), high)
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "en"[: max(2, int(schema.get("minLength", 2)))]


@contextmanager
def fake_openai_server(
    default_text: str = "ok", *, latency_s: float = 0.0, responder: Responder | None = None
) -> Generator[FakeOpenAIServer]:
    """A started :class:`FakeOpenAIServer`, stopped on exit."""
    server = FakeOpenAIServer(default_text, latency_s=latency_s, responder=responder).start()
    try:
        yield server
    finally:
        server.stop()
