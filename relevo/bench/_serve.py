"""``relevo bench serve``: a running ``relevo serve`` driven over HTTP on loopback, as customers would drive it.

Half the conversations use the web chat API (``POST`` a message, then read the reply from the event stream),
half arrive as signed WhatsApp webhooks whose replies go out to a loopback Graph API stand-in
(:class:`relevo.testing.FakeGraphAPI`) that stamps each one as it arrives. Every message is sent twice — the
webhook redelivered with the same ``wamid``, the web message retried with the same client id — since both
channels deliver at least once. Reported:

* ``ack_ms``: how long the server took to answer each POST (webhook or web message), redeliveries included;
* ``turn_ms``: from the moment a message was acknowledged to the moment its reply was delivered (at the Graph
  API stand-in, or on the customer's event stream);
* ``turns_per_s``: replies delivered per second of the run;
* ``lost``: messages with no reply in time; ``duplicated``: replies beyond one per message.

By default the bench starts the server itself (``relevo serve`` of the desk given, in a child process, on a
temporary data directory, with the storage the environment selects: the embedded default, or
``RELEVO_DATABASE_URL`` / ``RELEVO_CHROMA_URL``); with ``url`` it drives a server already running (web chat only:
its WhatsApp replies go wherever that server sends them; give the bench the desk that server runs).

The customers say the desk's benchmark conversations (:func:`~relevo.bench.bench_conversations`), but only those
in which every message gets exactly one reply: the bench waits for one reply per message, so a message the AI
rightly leaves to a human (any message after the one following a handoff; the first gets the holding reply)
would count as lost. :func:`serve_conversations` finds them by replaying each once on the desk in this process
before the server starts; the others are named in the report's ``skipped``.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import httpx

from relevo._config import RelevoConfig
from relevo._errors import BadInputError
from relevo.bench._conversations import bench_conversations
from relevo.desks import DeskDefinition
from relevo.orchestrator import BenchConversation, DeskBuilder
from relevo.testing._channels import FakeGraphAPI, RecordedRequest, whatsapp_text_payload, whatsapp_webhook_request
from relevo.testing._serve_process import ServeProcess

__all__ = ["bench_serve", "serve_conversations"]

Channel = Literal["web", "whatsapp"]

_APP_SECRET = "bench-app-secret"
RAMP_S = 0.02
"""The first ``concurrency`` conversations start this far apart (about one second for 50)."""
_REPLY_TIMEOUT_S = 60.0


def _percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


class _StampedRequests(list[RecordedRequest]):
    """The Graph API stand-in's request log, stamping each reply's arrival per recipient."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, list[float]] = {}
        self.changed = threading.Condition()

    def append(self, request: RecordedRequest) -> None:
        stamp = time.perf_counter()
        super().append(request)
        try:
            recipient = str(request.json().get("to", ""))
        except ValueError:
            return
        with self.changed:
            self.arrivals.setdefault(recipient, []).append(stamp)
            self.changed.notify_all()

    def extra_replies(self, expected: dict[str, int]) -> int:
        """Replies beyond the ``expected`` count per recipient."""
        with self.changed:
            return sum(max(0, len(self.arrivals.get(r, [])) - n) for r, n in expected.items())

    def wait_for(self, recipient: str, count: int, timeout: float) -> float | None:
        """When the ``count``-th reply to ``recipient`` arrived (None: not within ``timeout``)."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while True:
                got = self.arrivals.get(recipient, [])
                if len(got) >= count:
                    return got[count - 1]
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self.changed.wait(left)


@dataclass
class _Results:
    acks: list[float] = field(default_factory=list[float])
    turns: dict[Channel, list[float]] = field(default_factory=lambda: {"web": [], "whatsapp": []})
    sent: int = 0
    redeliveries: int = 0
    requeued: int = 0
    """Redeliveries the server queued again (each is a dedupe failure)."""
    lost: int = 0
    errors: list[str] = field(default_factory=list[str])
    first_send: float = math.inf
    last_reply: float = 0.0
    guard: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, started: float) -> float:
        now = time.perf_counter()
        with self.guard:
            self.acks.append((now - started) * 1000)
            self.first_send = min(self.first_send, started)
        return now

    def turn(self, channel: Channel, accepted: float, replied: float | None) -> None:
        with self.guard:
            self.sent += 1
            if replied is None:
                self.lost += 1
                return
            self.turns[channel].append((replied - accepted) * 1000)
            self.last_reply = max(self.last_reply, replied)


class _Driver:
    """Runs conversations against one server."""

    def __init__(self, base_url: str, graph: _StampedRequests | None, results: _Results, concurrency: int) -> None:
        limits = httpx.Limits(max_connections=concurrency * 2 + 4, max_keepalive_connections=concurrency * 2 + 4)
        self.http = httpx.Client(base_url=base_url, timeout=httpx.Timeout(30.0), limits=limits)
        self.graph = graph
        self.results = results
        self.run = uuid.uuid4().hex[:8]
        self.whatsapp_duplicates = 0

    def close(self) -> None:
        self.http.close()

    # -- WhatsApp ------------------------------------------------------------------------------------
    def whatsapp(self, n: int, handle: str, lines: tuple[str, ...]) -> None:
        """One conversation over signed webhooks (replies are counted at the Graph API stand-in)."""
        graph = self.graph
        assert graph is not None
        for turn, text in enumerate(lines):
            payload = whatsapp_text_payload(handle, text, message_id=f"wamid.bench.{self.run}.{n}.{turn}")
            body, headers = whatsapp_webhook_request(payload, _APP_SECRET)
            accepted = 0.0
            for attempt in range(2):  # the delivery, then Meta's redelivery of the same wamid
                started = time.perf_counter()
                response = self.http.post("/webhooks/whatsapp", content=body, headers=headers)
                done = self.results.ack(started)
                if response.status_code != 200:
                    self.note_error(f"webhook answered {response.status_code}: {response.text[:200]}")
                    continue
                counts = response.json()
                if attempt == 0:
                    accepted = done
                else:
                    with self.results.guard:
                        self.results.redeliveries += 1
                        self.results.requeued += int(counts.get("accepted", 0))
            replied = graph.wait_for(handle, turn + 1, _REPLY_TIMEOUT_S)
            self.results.turn("whatsapp", accepted, replied)
            if replied is None:
                return  # the rest of the conversation would only measure the same loss

    # -- web chat ------------------------------------------------------------------------------------
    def web(self, customer: str | None, lines: tuple[str, ...]) -> tuple[str, dict[str, str], int] | None:
        """One conversation over the web chat API; returns what is needed to count its replies later."""
        opened = self.http.post("/api/chat/sessions", json={"customer_id": customer})
        if opened.status_code == 403 and customer is not None:  # that server does not let sessions pick customers
            opened = self.http.post("/api/chat/sessions", json={"customer_id": None})
        if opened.status_code != 201:
            self.note_error(f"session answered {opened.status_code}: {opened.text[:200]}")
            return None
        session = opened.json()
        conversation = str(session["conversation_id"])
        auth = {"Authorization": f"Bearer {session['token']}"}
        seen = 0
        for text in lines:
            client_id = uuid.uuid4().hex
            accepted = 0.0
            for attempt in range(2):  # the message, then a client retry with the same id
                started = time.perf_counter()
                response = self.http.post(
                    f"/api/chat/conversations/{conversation}/messages",
                    json={"text": text, "client_message_id": client_id},
                    headers=auth,
                )
                done = self.results.ack(started)
                if response.status_code != 202:
                    self.note_error(f"chat message answered {response.status_code}: {response.text[:200]}")
                    continue
                if attempt == 0:
                    accepted = done
                else:
                    with self.results.guard:
                        self.results.redeliveries += 1
                        self.results.requeued += int(bool(response.json().get("queued")))
            replied, seen = self._read_reply(conversation, auth, seen)
            self.results.turn("web", accepted, replied)
            if replied is None:
                break
        return conversation, auth, len(lines)

    def _read_reply(self, conversation: str, auth: dict[str, str], seen: int) -> tuple[float | None, int]:
        """Follow the customer's event stream until the reply to the last message arrives."""
        deadline = time.perf_counter() + _REPLY_TIMEOUT_S
        path = f"/api/chat/conversations/{conversation}/events"
        while time.perf_counter() < deadline:
            try:
                with self.http.stream(
                    "GET", path, params={"after": seen}, headers=auth, timeout=httpx.Timeout(_REPLY_TIMEOUT_S)
                ) as stream:
                    event = "message"
                    for line in stream.iter_lines():
                        if line.startswith("event:"):
                            event = line.removeprefix("event:").strip()
                        elif line.startswith("data:") and event == "message":
                            seen += 1
                            kind = json.loads(line.removeprefix("data:")).get("kind")
                            if kind in ("ai", "human_agent"):
                                return time.perf_counter(), seen
                        if time.perf_counter() > deadline:
                            break
            except httpx.HTTPError as exc:
                self.note_error(f"event stream: {exc}")
        return None, seen

    def web_duplicates(self, conversation: str, auth: dict[str, str], sent: int) -> int:
        """Replies in the transcript beyond one per message sent."""
        response = self.http.get(f"/api/chat/conversations/{conversation}", headers=auth)
        if response.status_code != 200:
            self.note_error(f"transcript answered {response.status_code}")
            return 0
        messages = response.json()["messages"]
        customer = sum(1 for m in messages if m["kind"] == "customer")
        replies = sum(1 for m in messages if m["kind"] in ("ai", "human_agent"))
        # A turn run twice shows as the customer's message twice and its reply twice.
        return max(0, customer - sent) + max(0, replies - sent)

    def note_error(self, text: str) -> None:
        with self.results.guard:
            if len(self.results.errors) < 20:
                self.results.errors.append(text)


def _link_whatsapp_customers(data_dir: Path, handles: dict[str, str]) -> None:
    """Tell the server's registry who the WhatsApp numbers are (as a CRM link would), before it starts."""
    database_url = os.environ.get("RELEVO_DATABASE_URL", "").strip()
    if database_url:
        from relevo.memory._registry_postgres import PostgresCustomerRegistry

        registry: Any = PostgresCustomerRegistry(database_url)
    else:
        from relevo.memory import CustomerRegistry

        registry = CustomerRegistry(data_dir / "memory" / "registry.sqlite")
    try:
        for handle, customer in handles.items():
            registry.link("whatsapp", handle, customer)
    finally:
        registry.close()


def serve_conversations(
    builder: DeskBuilder, *, desk: str = "the desk"
) -> tuple[tuple[BenchConversation, ...], tuple[str, ...]]:
    """The desk's benchmark conversations in which every message gets exactly one reply (AI or human agent),
    found by replaying each once on the desk (opened on a temporary data directory in this process), and why
    each other one was skipped.

    Raises:
        BadInputError: the desk has no benchmark conversations, or none in which every message gets one reply.
    """
    script = bench_conversations(builder, desk=desk)
    usable: list[BenchConversation] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="relevo-bench-serve-check-") as tmp, builder.open(Path(tmp)) as opened:
        for conversation in script:
            conv = opened.start(customer_id=conversation.customer)
            replies = 0
            problem = ""
            for n, text in enumerate(conversation.messages, 1):
                opened.send(conv, text)
                now = sum(1 for m in opened.state(conv).messages if m.kind in ("ai", "human_agent"))
                if now - replies != 1:
                    got = "no reply" if now == replies else f"{now - replies} replies"
                    problem = f"message {n} ({text[:40]!r}) gets {got}"
                    break
                replies = now
            who = conversation.customer or "a guest"
            if problem:
                skipped.append(f"{who}: {conversation.messages[0][:40]!r}…: {problem}")
            else:
                usable.append(conversation)
    if not usable:
        raise BadInputError(
            f"{desk}: bench serve needs conversations in which every message gets exactly one reply (it waits for "
            f"one per message), and none of its {len(script)} does: " + "; ".join(skipped)
        )
    return tuple(usable), tuple(skipped)


_Planned = tuple[int, Channel, str | None, tuple[str, ...]]
"""Conversation number, channel, customer, messages."""


def _plan(
    script: tuple[BenchConversation, ...], conversations: int, channels: tuple[Channel, ...]
) -> Iterator[_Planned]:
    for n in range(conversations):
        replayed = script[n % len(script)]
        yield n, channels[n % len(channels)], replayed.customer, replayed.messages


def _desk_reference(desk: DeskDefinition) -> str:
    """How the child ``relevo serve`` names the desk (a folder as an absolute path: it may run elsewhere)."""
    return str(desk.folder.resolve()) if desk.folder is not None else desk.reference


def bench_serve(
    desk: DeskDefinition,
    *,
    config: RelevoConfig | None = None,
    conversations: int = 200,
    concurrency: int = 50,
    url: str | None = None,
    workers: int | None = None,
    progress: TextIO | None = None,
) -> dict[str, Any]:
    """Drive ``conversations`` conversations, ``concurrency`` at a time, and report the figures above.

    Args:
        desk: the desk whose conversations customers say (:func:`serve_conversations`), and which the started
            server runs (``RELEVO_DESK``).
        config: the settings the desk is checked with (the server reads its own: ``RELEVO_CONFIG``).
        conversations: how many (alternating web chat and WhatsApp; web chat only with ``url``), cycling through
            the desk's usable conversations in order.
        concurrency: conversations in flight at once.
        url: a running server to drive instead of starting one.
        workers: turn-running threads of the started server (default: the server's own default).
        progress: where to print progress (stderr in the CLI).

    Returns:
        The figures above, plus ``desk`` and, when some of the desk's conversations were left out, ``skipped``
        (who, how it starts, and which message did not get exactly one reply).

    Raises:
        BadInputError: the desk has no conversation in which every message gets one reply.
        RuntimeError: the server did not start.
    """
    if conversations < 1 or concurrency < 1:
        raise ValueError("conversations and concurrency must be at least 1")
    if progress is not None:
        progress.write("bench serve: checking which of the desk's conversations get one reply per message\n")
        progress.flush()
    script, skipped = serve_conversations(desk.builder(config), desk=f"desk {desk.reference}")
    results = _Results()
    channels: tuple[Channel, ...] = ("web",) if url else ("web", "whatsapp")
    # Warm-up, not measured: every conversation once per channel (first calls of each code path, connections).
    warmup = [
        (conversations + n, ch, c, lines) for n, ch, c, lines in _plan(script, len(script) * len(channels), channels)
    ]
    plan = list(_plan(script, conversations, channels))
    handles = {n: f"1555{n:07d}" for n, channel, _, _ in [*plan, *warmup] if channel == "whatsapp"}
    with tempfile.TemporaryDirectory(prefix="relevo-bench-serve-") as tmp:
        graph: FakeGraphAPI | None = None
        server: ServeProcess | None = None
        stamped: _StampedRequests | None = None
        try:
            if url is None:
                graph = FakeGraphAPI()
                stamped = _StampedRequests()
                graph.requests = stamped
                graph.start()
                data_dir = Path(tmp) / "data"
                linked = {handles[n]: c for n, _, c, _ in [*plan, *warmup] if n in handles and c is not None}
                _link_whatsapp_customers(data_dir, linked)
                env = {
                    "RELEVO_DESK": _desk_reference(desk),
                    "RELEVO_DEMO_PASSWORD": secrets.token_urlsafe(12),
                    "RELEVO_WHATSAPP_APP_SECRET": _APP_SECRET,
                    "RELEVO_WHATSAPP_ACCESS_TOKEN": graph.access_token,
                    "RELEVO_WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
                    "RELEVO_WHATSAPP_GRAPH_BASE_URL": graph.base_url,
                }
                if workers is not None:
                    env["RELEVO_WORKERS"] = str(workers)
                if progress is not None:
                    progress.write(f"bench serve: starting relevo serve (loads desk {desk.reference})\n")
                    progress.flush()
                server = ServeProcess(data_dir, env).start().wait_ready()
            driver = _Driver(url or (server.url if server else ""), stamped, _Results(), concurrency)
            web_sessions: list[tuple[str, dict[str, str], int]] = []
            finished = 0

            def one(item: _Planned) -> None:
                nonlocal finished
                n, channel, customer, lines = item
                measured = n < conversations
                if measured and n < concurrency:
                    # Ramp up: the first conversations start RAMP_S apart, not as one thundering herd.
                    time.sleep(n * RAMP_S)
                try:
                    if channel == "whatsapp":
                        driver.whatsapp(n, handles[n], lines)
                    else:
                        session = driver.web(customer, lines)
                        if session is not None and measured:
                            with results.guard:
                                web_sessions.append(session)
                except httpx.HTTPError as exc:
                    driver.note_error(f"{channel} conversation {n}: {exc}")
                if not measured:
                    return
                with results.guard:
                    finished += 1
                    done = finished
                if progress is not None and (done % 10 == 0 or done == conversations):
                    progress.write(f"\rbench serve: {done}/{conversations} conversations")
                    progress.flush()

            with ThreadPoolExecutor(max_workers=min(concurrency, len(warmup)), thread_name_prefix="warm-up") as pool:
                list(pool.map(one, warmup))
            driver.results = results
            with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="bench-serve") as pool:
                list(pool.map(one, plan))
            if progress is not None:
                progress.write("\n")
            # Anything answered twice shows up within a few worker polls: wait, then count.
            time.sleep(1.5)
            duplicated = sum(driver.web_duplicates(*session) for session in web_sessions)
            if stamped is not None:
                expected = {handles[n]: len(lines) for n, ch, _, lines in plan if ch == "whatsapp"}
                duplicated += stamped.extra_replies(expected)
            driver.close()
        finally:
            if server is not None:
                server.stop()
            if graph is not None:
                graph.stop()

    turns = results.turns["web"] + results.turns["whatsapp"]
    elapsed = results.last_reply - results.first_send if turns else 0.0
    report: dict[str, Any] = {
        "desk": desk.reference,
        "conversations": conversations,
        "concurrency": concurrency,
        "channels": list(channels),
        "storage": "postgres" if os.environ.get("RELEVO_DATABASE_URL", "").strip() and url is None else "embedded",
        "messages": results.sent,
        "redeliveries": results.redeliveries,
        "ack_ms_p50": round(_percentile(results.acks, 0.50), 2),
        "ack_ms_p99": round(_percentile(results.acks, 0.99), 2),
        "turn_ms_p50": round(_percentile(turns, 0.50), 2),
        "turn_ms_p95": round(_percentile(turns, 0.95), 2),
        "turns_per_s": round(len(turns) / elapsed, 2) if elapsed > 0 else 0.0,
        "lost": results.lost,
        "duplicated": duplicated + results.requeued,
    }
    for channel in channels:
        report[f"{channel}_turn_ms_p50"] = round(_percentile(results.turns[channel], 0.50), 2)
    if url is not None:
        report["storage"] = "as configured on the server"
        report["url"] = url
    if skipped:
        report["skipped"] = list(skipped)
    if results.errors:
        report["errors"] = results.errors
    if turns:
        report["turn_ms_mean"] = round(statistics.fmean(turns), 2)
    return report
