"""relevo serve for a desk that is not the demo: its brand on every page, its accounts, its test customers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_harness import LiveServer, chat_messages, login, read_events, say, serve_settings, settled, start_chat

from relevo.channels import ChannelGateway
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, open_runtime

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from demo_text import demo_words

TELECOM = Path(__file__).parent.parent.parent / "examples" / "telecom"


@pytest.fixture
def telecom_client(tmp_path: Path, telecom_context: RunContext) -> Iterator[tuple[httpx.Client, ServerRuntime]]:
    runtime = open_runtime(
        serve_settings(tmp_path / "data", desk=str(TELECOM)), context=telecom_context, gateway=ChannelGateway()
    )
    try:
        with LiveServer(runtime) as live, httpx.Client(base_url=live.url, timeout=30) as http:
            yield http, runtime
    finally:
        runtime.close()


def test_pages_carry_the_desks_brand(telecom_client: tuple[httpx.Client, ServerRuntime]) -> None:
    client, _ = telecom_client
    for path in ("/", "/console"):
        page = client.get(path)
        assert page.status_code == 200
        assert "<title>Vela Mobile · " in page.text and "Vela Mobile" in page.text.split("<h1>", 1)[1]
        assert demo_words(page.text) == [], path


def test_its_accounts_and_test_customers(telecom_client: tuple[httpx.Client, ServerRuntime]) -> None:
    client, runtime = telecom_client
    assert sorted(a.username for a in runtime.created_agents) == ["admin", "rita", "tomas"]
    customers = client.get("/api/chat/customers").json()
    assert {"id": "V-1002", "name": "Diego Fernández", "tier": "prepaid", "language": "es"} in customers
    assert client.post("/api/chat/sessions", json={"customer_id": "C-1001"}).status_code == 422


def test_a_customer_conversation_reaches_the_retention_agent(
    telecom_client: tuple[httpx.Client, ServerRuntime],
) -> None:
    client, _ = telecom_client
    chat = start_chat(client, "V-1002")
    events_path = f"/api/chat/conversations/{chat.conversation_id}/events"
    say(client, chat, "hola")
    greeting = chat_messages(read_events(client, events_path, chat.headers, settled({"ai": 1})))
    assert "Vela Mobile" in greeting[-1]["text"]
    say(client, chat, "quiero portar mi número a otra compañía")
    read_events(client, events_path, chat.headers, lambda ev: any(d.get("mode") == "pending_human" for _, d in ev))
    tomas = login(client, "tomas")
    queue = client.get("/api/queue", headers=tomas).json()
    rows = [row for row in queue["waiting"] + queue["mine"] if row["conversation_id"] == chat.conversation_id]
    assert rows and rows[0]["queue"] == "retention", queue
    assert demo_words(" ".join(m["text"] for m in greeting)) == []
