"""The API carries what each AI reply rests on (agent view only) and what the grounding guard did."""

from __future__ import annotations

import httpx
from serve_harness import login, read_events, say, settled, start_chat


def test_the_agent_view_shows_grounding_and_guard_the_customer_view_does_not(client: httpx.Client) -> None:
    chat = start_chat(client, "C-1001")
    say(client, chat, "Hi, my headphones still haven't arrived")
    read_events(client, f"/api/chat/conversations/{chat.conversation_id}/events", chat.headers, settled({"ai": 1}))

    detail = client.get(f"/api/conversations/{chat.conversation_id}", headers=login(client, "ana")).json()
    ai = [m for m in detail["messages"] if m["kind"] == "ai"]
    assert ai and all(g.startswith("call-") for g in ai[0]["grounding"]) and ai[0]["grounding"]
    assert detail["guard"] == []  # the offline engine wrote the reply: nothing for the guard to check

    mine = client.get(f"/api/chat/conversations/{chat.conversation_id}", headers=chat.headers).json()
    assert all(m["grounding"] == [] for m in mine["messages"])
