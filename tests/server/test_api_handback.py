"""The typed hand-back over the REST API: validated (422 naming the field, nothing changed), and what it sets
is what the AI says next and what the next handoff packet shows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from serve_harness import chat_messages, login, read_events, say, settled, start_chat


def _handed_over(client: httpx.Client) -> tuple[Any, dict[str, str]]:
    chat = start_chat(client, "C-1001")
    say(client, chat, "Where is my order ORD-1042?")
    say(client, chat, "I want to talk to a person")
    path = f"/api/chat/conversations/{chat.conversation_id}/events"
    read_events(client, path, chat.headers, lambda ev: any(d.get("mode") == "pending_human" for n, d in ev))
    ana = login(client, "ana")
    assert client.post(f"/api/conversations/{chat.conversation_id}/takeover", headers=ana).status_code == 200
    return chat, ana


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"facts": [{"name": "Delivery Date", "value": "Saturday"}]}, "name", "should match pattern"),
        ({"facts": [{"name": "eta", "value": ""}]}, "value", "at least 1 character"),
        ({"facts": [{"name": "eta"}]}, "value", "Field required"),
        ({"facts": [{"name": "eta", "value": "a"}, {"name": "eta", "value": "b"}]}, "body", "fact eta is set twice"),
        ({"actions": ["x" * 501]}, "actions", "at most 500 characters"),
        ({"promises": [{"what": "call back", "due": "next week"}]}, "due", "datetime"),
        ({"promises": [{"what": "call back", "due": "2026-11-28T10:00:00"}]}, "due", "timezone"),
        ({"facts": [{"name": "eta", "value": "Saturday", "by": "me"}]}, "by", "Extra inputs"),
    ],
)
def test_a_malformed_hand_back_is_refused_and_changes_nothing(
    client: httpx.Client, body: dict[str, Any], field: str, message: str
) -> None:
    chat, ana = _handed_over(client)
    refused = client.post(f"/api/conversations/{chat.conversation_id}/hand-back", json=body, headers=ana)
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert problem["loc"][-1] == field or field in problem["loc"], problem
    assert message.casefold() in problem["msg"].casefold(), problem
    detail = client.get(f"/api/conversations/{chat.conversation_id}", headers=ana).json()
    assert detail["mode"] == "human_active", "a refused hand-back leaves the conversation with the human"


def test_a_typed_hand_back_sets_what_the_ai_says_and_the_next_packet_shows(client: httpx.Client) -> None:
    chat, ana = _handed_over(client)
    body = {
        "note": "",
        "actions": ["upgraded ORD-1042 to free express delivery"],
        "decisions": ["no further compensation"],
        "promises": [{"what": "ORD-1042 arrives on Saturday", "due": "2026-11-21T18:00:00+00:00"}],
        "facts": [{"name": "shipment_estimated_delivery", "value": "Saturday"}],
    }
    back = client.post(f"/api/conversations/{chat.conversation_id}/hand-back", json=body, headers=ana)
    assert back.status_code == 200 and back.json()["mode"] == "ai_active"
    assert "upgraded ORD-1042 to free express delivery" in back.json()["reply"]

    say(client, chat, "Great. And can you confirm the status of the order now?")
    path = f"/api/chat/conversations/{chat.conversation_id}/events"
    events = read_events(client, path, chat.headers, settled({"ai": 4}))
    last = [m for m in chat_messages(events) if m["kind"] == "ai"][-1]["text"]
    assert "Saturday" in last and "Nov 25" not in last, last

    say(client, chat, "I want to talk to a person again")
    read_events(client, path, chat.headers, settled({"ai": 5}))
    packet = client.get(f"/api/conversations/{chat.conversation_id}", headers=ana).json()["packet"]
    [eta] = [f for f in packet["facts"] if f["name"] == "shipment_estimated_delivery"]
    assert (eta["value"], eta["set_by"]) == ("Saturday", "Ana Ribeiro")
    assert [v["value"] for v in eta["superseded"]] == ["2026-11-25"]
    assert [(c["by"], c["what"], c["due"]) for c in packet["commitments"] if c["by"] == "human"] == [
        ("human", "ORD-1042 arrives on Saturday", "2026-11-21T18:00:00Z")
    ]
    [report] = packet["hand_backs"]
    assert report["decisions"] == ["no further compensation"]
