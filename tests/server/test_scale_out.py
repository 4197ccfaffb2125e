"""Scale-out mode end to end: two ``relevo serve`` processes on one PostgreSQL database and one ``chroma run``.

Every WhatsApp message is delivered twice, at the same moment, to both processes (Meta delivers at least once);
consecutive messages of a conversation go first to alternating processes. Each must be answered exactly once,
in order, by whichever process gets it, continuing from what the other process did. The console's human side
works across processes too: take over on one, reply on the other, hand back on the first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from relevo.memory._registry_postgres import PostgresCustomerRegistry
from relevo.server._postgres_store import PostgresServeStore
from relevo.testing._channels import FakeGraphAPI, fake_graph_api, whatsapp_text_payload, whatsapp_webhook_request
from relevo.testing._postgres import postgres_unreachable, scratch_database
from relevo.testing._serve_process import ServeProcess, chroma_server
from relevo.testing._services import service_missing

pytestmark = pytest.mark.slow

APP_SECRET = "scale-out-app-secret"
PASSWORD = "scale-out-password"


@dataclass
class Script:
    handle: str
    customer: str
    messages: list[str]
    expect: list[list[str]]
    """Words each reply must contain, in order."""
    replies: list[str] = field(default_factory=list[str])


SCRIPTS = [
    # The offer made by one process is accepted through the other: the pending offer lives in the checkpoint.
    Script(
        "351910000001", "C-1001", ["Where is my order?", "Yes please"], [["ORD-1042", "Lisbon"], ["Done", "ORD-1042"]]
    ),
    Script("84910000005", "C-1005", ["Where is my order?", "Yes please"], [["ORD-1048"], ["Done", "ORD-1048"]]),
    # The second turn hands off, routed by the order facts the first turn found on the other process.
    Script("34910000002", "C-1002", ["Where is my order?", "can you track it please"], [["ORD-1054"], ["orders"]]),
    Script("55910000003", "C-1003", ["Where is my order?", "can you track it please"], [["ORD-1046"], ["orders"]]),
]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    reason = postgres_unreachable()
    if reason:
        service_missing(reason)
    with scratch_database(prefix="relevo_scale_out") as url:
        yield url


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with chroma_server(tmp_path_factory.mktemp("chroma")) as url:
        yield url


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraphAPI]:
    with fake_graph_api() as fake:
        yield fake


@pytest.fixture(scope="module")
def servers(
    database_url: str, chroma_url: str, graph: FakeGraphAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    # The customers' WhatsApp numbers are known (as a CRM link would make them): in the shared registry.
    registry = PostgresCustomerRegistry(database_url)
    for script in SCRIPTS:
        registry.link("whatsapp", script.handle, script.customer)
    registry.close()
    env = {
        "RELEVO_DATABASE_URL": database_url,
        "RELEVO_CHROMA_URL": chroma_url,
        "RELEVO_SECRET_KEY": "scale-out-signing-key-0123456789",
        "RELEVO_DEMO_PASSWORD": PASSWORD,
        "RELEVO_WORKERS": "2",
        "RELEVO_POLL_SECONDS": "0.05",
        "RELEVO_WHATSAPP_APP_SECRET": APP_SECRET,
        "RELEVO_WHATSAPP_ACCESS_TOKEN": graph.access_token,
        "RELEVO_WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
        "RELEVO_WHATSAPP_GRAPH_BASE_URL": graph.base_url,
    }
    root = tmp_path_factory.mktemp("hosts")
    # Own data directories, as on two hosts: nothing is shared but Postgres, Chroma and the settings.
    first = ServeProcess(root / "a", env)
    second = ServeProcess(root / "b", env)
    try:
        # One after the other: the second start reuses the embedding cache the first one filled.
        first.start().wait_ready()
        second.start().wait_ready()
        yield first, second
    finally:
        second.stop()
        first.stop()


def _sent_to(graph: FakeGraphAPI, handle: str) -> list[dict[str, Any]]:
    return [m for m in list(graph.messages) if m.get("to") == handle]


def _wait_for(graph: FakeGraphAPI, handle: str, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = _sent_to(graph, handle)
        if len(sent) >= count:
            return sent
        time.sleep(0.05)
    raise AssertionError(f"{handle} got {len(_sent_to(graph, handle))} replies, expected {count}")


def _deliver_twice(urls: tuple[str, str], handle: str, text: str, message_id: str) -> list[dict[str, int]]:
    """POST the same signed delivery to both processes at the same moment."""
    body, headers = whatsapp_webhook_request(whatsapp_text_payload(handle, text, message_id=message_id), APP_SECRET)
    results: list[dict[str, int]] = []
    start = threading.Barrier(2)

    def post(url: str) -> None:
        start.wait()
        response = httpx.post(f"{url}/webhooks/whatsapp", content=body, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        results.append(response.json())

    threads = [threading.Thread(target=post, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _wait_until_processed(database_url: str, handles: list[str], timeout: float = 60.0) -> None:
    """Wait until no WhatsApp message of these addresses is pending in the shared inbox (processed and released)."""
    store = PostgresServeStore(database_url)
    try:
        deadline = time.monotonic() + timeout
        while (left := {h: n for h in handles if (n := store.pending("whatsapp", h))}) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"messages still pending: {left}"
    finally:
        store.close()


def test_every_message_is_answered_once_in_order_and_conversations_continue_on_either_process(
    servers: tuple[ServeProcess, ServeProcess], graph: FakeGraphAPI, database_url: str
) -> None:
    first, second = servers
    errors: list[BaseException] = []
    acks: list[dict[str, int]] = []

    def converse(index: int, script: Script) -> None:
        try:
            for turn, text in enumerate(script.messages):
                # Alternate which process hears first, per conversation and per turn.
                order = (first.url, second.url) if (index + turn) % 2 == 0 else (second.url, first.url)
                acks.extend(_deliver_twice(order, script.handle, text, f"wamid.{script.handle}.{turn}"))
                sent = _wait_for(graph, script.handle, turn + 1)
                script.replies.append(str(sent[turn]["text"]["body"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=converse, args=(i, s)) for i, s in enumerate(SCRIPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert errors == [], f"{errors}\nA:\n{first.log()[-3000:]}\nB:\n{second.log()[-3000:]}"

    inbound = sum(len(s.messages) for s in SCRIPTS)
    assert sum(a["accepted"] for a in acks) == inbound, "each message queued by exactly one process"
    assert sum(a["duplicates"] for a in acks) == inbound, "each redelivery recognised"
    # A reply goes out before its message is marked processed, in the claim's transaction that also ends its lease;
    # a message is only ever re-run while it is unprocessed. So once no message of these addresses is pending in
    # the shared store, every reply either process could send has been sent: a duplicate would be counted now.
    _wait_until_processed(database_url, [s.handle for s in SCRIPTS])
    for script in SCRIPTS:
        replies = [str(m["text"]["body"]) for m in _sent_to(graph, script.handle)]
        assert len(replies) == len(script.messages), f"{script.customer}: {replies}"
        for reply, words in zip(replies, script.expect, strict=True):
            for word in words:
                assert word in reply, f"{script.customer}: {word!r} missing from {reply!r}"

    # Both processes did some of the work.
    assert "whatsapp turn in" in first.log() and "whatsapp turn in" in second.log()


def test_the_human_side_works_across_processes(servers: tuple[ServeProcess, ServeProcess], graph: FakeGraphAPI) -> None:
    first, second = servers
    handle = "351910000009"
    before = len(_sent_to(graph, handle))
    _deliver_twice((first.url, second.url), handle, "Where is my order?", "wamid.human.0")
    _deliver_twice((second.url, first.url), handle, "I want to talk to a person please", "wamid.human.1")
    _wait_for(graph, handle, before + 2)

    with httpx.Client(base_url=first.url, timeout=30) as a, httpx.Client(base_url=second.url, timeout=30) as b:
        token = a.post("/api/auth/login", json={"username": "admin", "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        rows = b.get("/api/conversations", headers=auth).json()  # the token is valid on the other process too
        conversation = next(r["conversation_id"] for r in rows if r["handle"] == handle)
        assert next(r for r in rows if r["handle"] == handle)["mode"] == "pending_human"

        taken = a.post(f"/api/conversations/{conversation}/takeover", headers=auth)
        assert taken.status_code == 200, taken.text
        assert taken.json()["mode"] == "human_active"
        replied = b.post(
            f"/api/conversations/{conversation}/reply", json={"text": "Hi, I am looking into it now."}, headers=auth
        )
        assert replied.status_code == 200, replied.text
        _wait_for(graph, handle, before + 3)
        assert _sent_to(graph, handle)[-1]["text"]["body"] == "Hi, I am looking into it now."

        back = a.post(f"/api/conversations/{conversation}/hand-back", json={"note": "checked it"}, headers=auth)
        assert back.status_code == 200, back.text
        assert back.json()["mode"] == "ai_active"
        detail = b.get(f"/api/conversations/{conversation}", headers=auth).json()
        assert detail["mode"] == "ai_active"
        assert detail["packet"] is not None, "the handoff packet written by one process is read by the other"
        assert any(m["text"] == "Hi, I am looking into it now." for m in detail["messages"])
