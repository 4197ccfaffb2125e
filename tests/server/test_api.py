"""The REST API over real HTTP: web chat, the agent's console flow, errors, and the OpenAPI document."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from serve_harness import LiveServer, chat_messages, login, read_events, say, settled, start_chat


def test_a_customer_chats_and_the_reply_arrives_on_the_event_stream(client: httpx.Client) -> None:
    chat = start_chat(client, "C-1001")
    accepted = say(client, chat, "Hi, my headphones still haven't arrived")
    assert accepted["queued"] is True

    events = read_events(
        client, f"/api/chat/conversations/{chat.conversation_id}/events", chat.headers, settled({"ai": 1})
    )
    messages = chat_messages(events)
    assert [m["kind"] for m in messages] == ["customer", "ai"]
    assert "ORD-1042" in messages[1]["text"]  # Maria's late order, found by the AI
    statuses = [data for name, data in events if name == "status"]
    assert statuses[-1]["mode"] == "ai_active" and statuses[-1]["typing"] is False

    transcript = client.get(f"/api/chat/conversations/{chat.conversation_id}", headers=chat.headers).json()
    assert [m["kind"] for m in transcript["messages"]] == ["customer", "ai"]
    assert transcript["pending"] == 0


def test_the_event_stream_resumes_after_what_the_client_has(client: httpx.Client) -> None:
    chat = start_chat(client)
    say(client, chat, "How many days do I have to return something?")
    path = f"/api/chat/conversations/{chat.conversation_id}/events"
    read_events(client, path, chat.headers, settled({"ai": 1}))
    again = read_events(client, f"{path}?after=2", chat.headers, lambda events: events[-1][0] == "status")
    assert chat_messages(again) == []  # nothing repeated


def test_a_retried_client_message_id_is_answered_once(client: httpx.Client) -> None:
    chat = start_chat(client)
    first = say(client, chat, "Do you ship to Portugal?", client_message_id="m-1")
    retry = say(client, chat, "Do you ship to Portugal?", client_message_id="m-1")
    assert (first["queued"], retry["queued"]) == (True, False)
    events = read_events(
        client, f"/api/chat/conversations/{chat.conversation_id}/events", chat.headers, settled({"ai": 1})
    )
    assert [m["kind"] for m in chat_messages(events)] == ["customer", "ai"]


def test_the_agent_takes_over_replies_hands_back_and_resolves(client: httpx.Client) -> None:
    chat = start_chat(client, "C-1001")
    events_path = f"/api/chat/conversations/{chat.conversation_id}/events"
    say(client, chat, "Hi, my headphones still haven't arrived")
    say(client, chat, "This is the second time an order is late. I want to talk to a person.")
    read_events(client, events_path, chat.headers, lambda ev: any(d.get("mode") == "pending_human" for _, d in ev))

    ana = login(client, "ana")
    queue = client.get("/api/queue", headers=ana).json()
    assert [r["conversation_id"] for r in queue["waiting"]] == [chat.conversation_id]
    row = queue["waiting"][0]
    assert row["queue"] == "orders" and "explicit_request" in row["reasons"]
    assert row["assigned_to"] == "ana"  # the only available agent with the orders skill who speaks English

    detail = client.get(f"/api/conversations/{chat.conversation_id}", headers=ana).json()
    packet = detail["packet"]
    assert packet["customer"]["id"] == "C-1001"
    assert any(f["name"] == "order_id" and f["value"] == "ORD-1042" for f in packet["facts"])
    assert any(r["code"] == "explicit_request" and r["evidence"] for r in packet["reasons"])
    assert "HANDOFF" in detail["card"] and "ORD-1042" in detail["card"]
    assert len(detail["sentiment"]) == 2
    assert any(m["kind"] == "system" and m["event"] == "escalated" for m in detail["messages"])

    taken = client.post(f"/api/conversations/{chat.conversation_id}/takeover", headers=ana)
    assert taken.status_code == 200 and taken.json()["mode"] == "human_active"
    assert taken.json()["row"]["picked_up_at"] is not None

    say(client, chat, "Hello? Is anyone there?")  # recorded for the human; the AI stays silent
    reply = "Hi Maria, Ana here. I've upgraded ORD-1042 to free express delivery: it arrives on Saturday."
    assert client.post(f"/api/conversations/{chat.conversation_id}/reply", json={"text": reply}, headers=ana).is_success
    seen = read_events(
        client, events_path, chat.headers, lambda ev: any(d.get("kind") == "human_agent" for d in chat_messages(ev))
    )
    human = [m for m in chat_messages(seen) if m["kind"] == "human_agent"]
    assert human[0]["text"] == reply and human[0]["author"] == "Ana Ribeiro"
    silent = [m for m in chat_messages(seen) if m["kind"] == "ai"]
    assert not any("anyone there" in m["text"] for m in silent)

    back = client.post(
        f"/api/conversations/{chat.conversation_id}/hand-back",
        json={"note": "Upgraded ORD-1042 to free express delivery, arriving Saturday"},
        headers=ana,
    )
    assert back.status_code == 200 and back.json()["mode"] == "ai_active"
    assert back.json()["reply"]  # the AI follows up with the customer

    say(client, chat, "Great. And can you confirm the status of the order now?")
    after = read_events(client, events_path, chat.headers, settled({"ai": 4}))
    last_ai = [m for m in chat_messages(after) if m["kind"] == "ai"][-1]["text"]
    assert "ORD-1042" in last_ai and "order number" not in last_ai.lower()  # continues without asking again

    resolved = client.post(f"/api/conversations/{chat.conversation_id}/resolve", headers=ana)
    assert resolved.status_code == 200 and resolved.json()["mode"] == "closed"

    kpis = client.get("/api/kpis", headers=ana).json()
    assert kpis["escalated"] == 1 and kpis["escalation_reasons"]["explicit_request"] == 1
    assert kpis["pickups"] == 1 and kpis["pickup_p50_s"] is not None and kpis["pickup_p50_s"] >= 0
    assert kpis["by_mode"] == {"closed": 1}


def test_commands_in_the_wrong_mode_are_conflicts(client: httpx.Client) -> None:
    chat = start_chat(client)
    ana = login(client, "ana")
    reply = client.post(f"/api/conversations/{chat.conversation_id}/reply", json={"text": "hi"}, headers=ana)
    assert reply.status_code == 409 and "human_active" in reply.json()["detail"]
    assert client.post(f"/api/conversations/{chat.conversation_id}/hand-back", json={}, headers=ana).status_code == 409
    assert client.post(f"/api/conversations/{chat.conversation_id}/resolve", headers=ana).status_code == 200
    assert client.post(f"/api/conversations/{chat.conversation_id}/resolve", headers=ana).status_code == 409


def test_only_the_agent_who_took_over_may_reply(client: httpx.Client) -> None:
    chat = start_chat(client)
    ana, ben, admin = login(client, "ana"), login(client, "ben"), login(client, "admin")
    assert client.post(f"/api/conversations/{chat.conversation_id}/takeover", headers=ana).status_code == 200
    ben_reply = client.post(f"/api/conversations/{chat.conversation_id}/reply", json={"text": "hi"}, headers=ben)
    assert ben_reply.status_code == 403 and "ana" in ben_reply.json()["detail"]
    assert client.post(f"/api/conversations/{chat.conversation_id}/resolve", headers=ben).status_code == 403
    admin_reply = client.post(f"/api/conversations/{chat.conversation_id}/reply", json={"text": "hi"}, headers=admin)
    assert admin_reply.status_code == 200


def test_unknown_conversations_are_404(client: httpx.Client) -> None:
    ana = login(client, "ana")
    assert client.get("/api/conversations/conv-nope", headers=ana).status_code == 404
    assert client.post("/api/conversations/conv-nope/takeover", headers=ana).status_code == 404


def test_bad_requests_say_what_is_wrong(client: httpx.Client) -> None:
    chat = start_chat(client)
    path = f"/api/chat/conversations/{chat.conversation_id}/messages"
    assert client.post(path, json={"text": "   "}, headers=chat.headers).status_code == 422
    assert client.post(path, json={"text": ""}, headers=chat.headers).status_code == 422
    too_long = client.post(path, json={"text": "x" * 16_001}, headers=chat.headers)
    assert too_long.status_code == 422
    unknown = client.post("/api/chat/sessions", json={"customer_id": "C-9999"})
    assert unknown.status_code == 422
    [problem] = unknown.json()["detail"]  # the one 422 shape, also for the server's own checks
    assert problem["loc"] == ["body", "customer_id"] and "C-9999" in problem["msg"]


def test_the_demo_customers_are_listed_for_the_chat_page(client: httpx.Client) -> None:
    customers = client.get("/api/chat/customers").json()
    assert {"id": "C-1001", "name": "Maria Silva", "tier": "gold", "language": "en"} in customers


def test_the_openapi_document_describes_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    operations = [op for path in spec["paths"].values() for op in path.values()]
    assert all(op.get("summary") and op.get("tags") for op in operations)
    tags = {tag for op in operations for tag in op["tags"]}
    assert {"web chat", "auth", "console", "admin", "channels"} <= tags
    for path in (
        "/api/chat/sessions",
        "/api/chat/conversations/{conversation_id}/messages",
        "/api/queue",
        "/api/conversations/{conversation_id}/takeover",
        "/api/conversations/{conversation_id}/reply",
        "/api/conversations/{conversation_id}/hand-back",
        "/api/conversations/{conversation_id}/resolve",
        "/api/kpis",
    ):
        assert path in spec["paths"], path
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/vendor/swagger-ui-bundle.js" in docs.text  # no CDN
    assert client.get("/vendor/swagger-ui-bundle.js").status_code == 200


def test_the_pages_are_served_without_external_assets(client: httpx.Client) -> None:
    for path in ("/", "/console"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/static/style.css", "/static/common.js", "/static/chat.js", "/static/console.js"):
        assert client.get(asset).status_code == 200, asset


def test_webhooks_of_unconfigured_channels_answer_503_naming_the_setting(client: httpx.Client) -> None:
    response = client.post("/webhooks/whatsapp", content=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 503
    assert "RELEVO_WHATSAPP_APP_SECRET" in response.text


def test_the_customer_sees_the_assistant_typing_while_the_turn_runs(
    live: LiveServer, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    running, finish = threading.Event(), threading.Event()
    desk = live.runtime.desk
    original = desk.send

    def slow_send(conversation_id: str, text: str | bytes, **options: object) -> object:
        running.set()
        assert finish.wait(30)
        return original(conversation_id, text, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(desk, "send", slow_send)
    chat = start_chat(client)
    say(client, chat, "Do you ship to Portugal?")
    assert running.wait(30)
    path = f"/api/chat/conversations/{chat.conversation_id}/events"
    typing = read_events(client, path, chat.headers, lambda ev: ev[-1][0] == "status")
    assert typing[-1][1]["typing"] is True and typing[-1][1]["pending"] == 1
    finish.set()
    done = read_events(client, path, chat.headers, settled({"ai": 1}))
    assert done[-1][1]["typing"] is False


def test_the_console_stream_reports_board_changes(client: httpx.Client) -> None:
    ana = login(client, "ana")
    chat = start_chat(client)
    ready = threading.Event()
    results: list[list[tuple[str, dict[str, Any]]]] = []

    def escalated(events: list[tuple[str, dict[str, Any]]]) -> bool:
        ready.set()  # the first event is "ready": the stream watches from now on
        rows = [r for name, data in events if name == "board" for r in data["rows"]]
        return any(r["conversation_id"] == chat.conversation_id and r["mode"] == "pending_human" for r in rows)

    watcher = threading.Thread(
        target=lambda: results.append(read_events(client, "/api/console/events", ana, escalated))
    )
    watcher.start()
    assert ready.wait(30)
    say(client, chat, "I want to talk to a human")
    watcher.join(60)
    assert results and results[0][0] == ("ready", {"agent": "ana"})
