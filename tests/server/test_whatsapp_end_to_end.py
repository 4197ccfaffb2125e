"""WhatsApp through the whole server: signed webhooks in, the turn in a worker, the reply out to a loopback Graph
API; a redelivery answered once; statuses only moving forward; the human's reply going out on WhatsApp."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_harness import Completions, LiveServer, login, serve_settings

from relevo._config import load_config
from relevo.channels import ChannelGateway
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, open_runtime
from relevo.server._sqlite_store import SqliteServeStore
from relevo.testing import FakeGraphAPI, fake_graph_api, whatsapp_status_payload, whatsapp_text_payload
from relevo.testing._channels import whatsapp_webhook_request

SECRET = "test-app-secret"
CUSTOMER = "351912345678"


@pytest.fixture
def graph() -> Iterator[FakeGraphAPI]:
    with fake_graph_api() as fake:
        yield fake


@pytest.fixture
def whatsapp_runtime(tmp_path: Path, run_context: RunContext, graph: FakeGraphAPI) -> Iterator[ServerRuntime]:
    gateway = ChannelGateway.from_env(
        {
            "RELEVO_WHATSAPP_APP_SECRET": SECRET,
            "RELEVO_WHATSAPP_VERIFY_TOKEN": "verify-me",
            "RELEVO_WHATSAPP_ACCESS_TOKEN": graph.access_token,
            "RELEVO_WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
            "RELEVO_WHATSAPP_GRAPH_BASE_URL": graph.base_url,
        }
    )
    opened = open_runtime(serve_settings(tmp_path / "data"), config=load_config(), context=run_context, gateway=gateway)
    yield opened
    opened.close()


def _deliver(client: httpx.Client, text: str, message_id: str) -> httpx.Response:
    body, headers = whatsapp_webhook_request(whatsapp_text_payload(CUSTOMER, text, message_id=message_id), SECRET)
    return client.post("/webhooks/whatsapp", content=body, headers=headers)


def test_a_whatsapp_customer_is_answered_once_and_a_human_reply_goes_out_on_whatsapp(
    whatsapp_runtime: ServerRuntime, graph: FakeGraphAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(whatsapp_runtime.store, SqliteServeStore)
    done = Completions(whatsapp_runtime.store, monkeypatch)
    with LiveServer(whatsapp_runtime) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        first = _deliver(client, "Hi, do you ship to Portugal?", "wamid.first")
        assert first.status_code == 200
        assert _deliver(client, "Hi, do you ship to Portugal?", "wamid.first").status_code == 200  # redelivery
        unsigned = client.post("/webhooks/whatsapp", content=b"{}", headers={"Content-Type": "application/json"})
        assert unsigned.status_code == 401
        done.wait(1)

        conversation = whatsapp_runtime.store.current_conversation("whatsapp", CUSTOMER)
        assert conversation is not None
        sent = graph.messages
        assert len(sent) == 1 and sent[0]["to"] == CUSTOMER and sent[0]["text"]["body"]
        wamid = graph.sent_ids[0]
        assert whatsapp_runtime.store.status(wamid) == "queued"

        for status in ("read", "delivered"):  # a late 'delivered' never overwrites 'read'
            body, headers = whatsapp_webhook_request(whatsapp_status_payload(wamid, status, recipient=CUSTOMER), SECRET)
            assert client.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200
        assert whatsapp_runtime.store.status(wamid) == "read"

        assert _deliver(client, "I want to talk to a human", "wamid.second").status_code == 200
        done.wait(2)
        ana = login(client, "ana")
        assert client.post(f"/api/conversations/{conversation}/takeover", headers=ana).status_code == 200
        reply = client.post(f"/api/conversations/{conversation}/reply", json={"text": "Ana here, hi!"}, headers=ana)
        assert reply.status_code == 200
        assert graph.messages[-1]["to"] == CUSTOMER and graph.messages[-1]["text"]["body"] == "Ana here, hi!"
        detail = client.get(f"/api/conversations/{conversation}", headers=ana).json()
        assert detail["row"]["channel"] == "whatsapp" and detail["row"]["last_customer_at"] is not None
        assert reply.json()["undelivered"] == []

        graph.fail_next(500)
        failed = client.post(f"/api/conversations/{conversation}/reply", json={"text": "Still there?"}, headers=ana)
        assert failed.status_code == 200, "the reply is in the transcript even though the channel refused it"
        undelivered = failed.json()["undelivered"]
        assert len(undelivered) == 1 and "500" in undelivered[0], "the agent is told the customer never got it"
