"""Authentication and isolation: every API but session creation, pages and webhooks needs a token; a customer's
token reads only its own conversation; accounts are scrypt-hashed; no message text or secret reaches the logs."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import httpx
import pytest
from serve_harness import PASSWORD, LiveServer, chat_messages, login, read_events, say, settled, start_chat

from relevo.server import AgentDirectory, ServerRuntime, hash_password, verify_password
from relevo.server._agents import LastAdminError
from relevo.server._throttle import LoginThrottle

AGENT_ENDPOINTS = [
    ("GET", "/api/queue"),
    ("GET", "/api/kpis"),
    ("GET", "/api/conversations"),
    ("GET", "/api/conversations/{cid}"),
    ("POST", "/api/conversations/{cid}/takeover"),
    ("POST", "/api/conversations/{cid}/reply"),
    ("POST", "/api/conversations/{cid}/hand-back"),
    ("POST", "/api/conversations/{cid}/resolve"),
    ("GET", "/api/console/events"),
    ("GET", "/api/auth/me"),
    ("PUT", "/api/agents/me/availability"),
    ("GET", "/api/admin/agents"),
]


def _call(client: httpx.Client, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"text": "hi"} if path.endswith("/reply") else {"available": True} if "availability" in path else {}
    return client.request(method, path, json=body if method != "GET" else None, headers=headers or {})


def test_agent_endpoints_need_an_agent_token(client: httpx.Client) -> None:
    chat = start_chat(client)
    for method, template in AGENT_ENDPOINTS:
        path = template.format(cid=chat.conversation_id)
        assert _call(client, method, path).status_code == 401, path
        assert _call(client, method, path, {"Authorization": "Bearer nonsense"}).status_code == 401, path
        # A customer's token is no agent's token.
        response = _call(client, method, path, chat.headers)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_customer_token_reads_only_its_own_conversation(client: httpx.Client) -> None:
    mine, theirs = start_chat(client, "C-1001"), start_chat(client, "C-1002")
    say(client, theirs, "Hola, ¿dónde está mi pedido ORD-1054?")
    base = f"/api/chat/conversations/{theirs.conversation_id}"
    assert client.get(base, headers=mine.headers).status_code == 403
    assert client.get(f"{base}/events", headers=mine.headers).status_code == 403
    assert client.post(f"{base}/messages", json={"text": "hijack"}, headers=mine.headers).status_code == 403
    assert client.get(base).status_code == 401
    # Their transcript never gained the intruder's message.
    events = read_events(client, f"{base}/events", theirs.headers, settled({"ai": 1}))
    assert [m["kind"] for m in chat_messages(events)] == ["customer", "ai"]
    assert client.get(f"/api/chat/conversations/{mine.conversation_id}", headers=mine.headers).status_code == 200


def test_a_tampered_customer_token_is_refused(client: httpx.Client) -> None:
    chat = start_chat(client)
    body, signature = chat.token.split(".")
    forged = {"Authorization": f"Bearer {body}.{signature[:-2]}AA"}
    assert client.get(f"/api/chat/conversations/{chat.conversation_id}", headers=forged).status_code == 401


def test_the_customer_transcript_hides_internal_events(client: httpx.Client) -> None:
    chat = start_chat(client)
    say(client, chat, "I want to talk to a human")
    read_events(
        client,
        f"/api/chat/conversations/{chat.conversation_id}/events",
        chat.headers,
        lambda events: any(d.get("mode") == "pending_human" for _, d in events),
    )
    transcript = client.get(f"/api/chat/conversations/{chat.conversation_id}", headers=chat.headers).json()
    assert {m["kind"] for m in transcript["messages"]} <= {"customer", "ai", "human_agent"}
    assert "packet" not in transcript
    detail = client.get(f"/api/conversations/{chat.conversation_id}", headers=login(client, "ana")).json()
    assert any(m["kind"] == "system" for m in detail["messages"])  # the agent sees the escalation event


def test_wrong_passwords_and_unknown_agents_get_the_same_answer(client: httpx.Client) -> None:
    wrong = client.post("/api/auth/login", json={"username": "ana", "password": "not-it"})
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": "not-it"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_admin_endpoints_need_the_admin_role(client: httpx.Client) -> None:
    ana, admin = login(client, "ana"), login(client, "admin")
    assert client.get("/api/admin/agents", headers=ana).status_code == 403
    listed = client.get("/api/admin/agents", headers=admin).json()
    assert {a["username"] for a in listed} == {"ana", "ben", "admin"}
    assert all("password_hash" not in a for a in listed)


def test_an_admin_manages_accounts_and_a_deleted_account_is_signed_out(client: httpx.Client) -> None:
    admin = login(client, "admin")
    created = client.put(
        "/api/admin/agents/carla",
        json={"name": "Carla", "skills": ["billing"], "languages": ["es"], "password": "carla-secret-1"},
        headers=admin,
    )
    assert created.status_code == 200 and created.json()["skills"] == ["billing"]
    no_password = client.put("/api/admin/agents/dora", json={"name": "Dora"}, headers=admin)
    assert no_password.status_code == 422 and "password" in no_password.json()["detail"][0]["msg"]
    carla = login(client, "carla", "carla-secret-1")
    assert client.get("/api/queue", headers=carla).status_code == 200
    assert client.delete("/api/admin/agents/carla", headers=admin).status_code == 204
    assert client.get("/api/queue", headers=carla).status_code == 401
    assert client.delete("/api/admin/agents/admin", headers=admin).status_code == 409


def test_passwords_are_stored_as_scrypt_hashes_readable_by_the_owner_only(live: LiveServer) -> None:
    path = live.runtime.agents.path
    text = path.read_text()
    assert PASSWORD not in text and "scrypt$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = live.runtime.data_dir / "server.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    encoded = hash_password("s3cret-pass")
    assert verify_password("s3cret-pass", encoded) and not verify_password("s3cret-pasS", encoded)
    assert not verify_password("anything", "garbage")


def test_an_account_changed_by_another_process_is_seen(tmp_path: Path) -> None:
    here, there = AgentDirectory(tmp_path / "agents.json"), AgentDirectory(tmp_path / "agents.json")
    here.save("eva", name="Eva", skills=["orders"], password="eva-password")
    assert there.authenticate("eva", "eva-password") is not None
    there.delete("eva")
    assert here.get("eva") is None


def test_logs_carry_no_message_text_tokens_or_passwords(
    client: httpx.Client, runtime: ServerRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chat = start_chat(client, "C-1001")
    say(client, chat, "My email is maria.private@example.org and I want to talk to a person now")
    read_events(
        client,
        f"/api/chat/conversations/{chat.conversation_id}/events",
        chat.headers,
        lambda events: any(d.get("mode") == "pending_human" for _, d in events),
    )
    ana = login(client, "ana")
    client.post(f"/api/conversations/{chat.conversation_id}/takeover", headers=ana)
    # A delivery that fails on purpose, to make the server log.
    bad = client.post(f"/api/chat/conversations/{chat.conversation_id}/messages", json={"text": "x"}, headers=ana)
    assert bad.status_code == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"web turn in {chat.conversation_id}" in logged and f"takeover of {chat.conversation_id}" in logged
    for secret in ("maria.private", "talk to a person", chat.token, ana["Authorization"][7:], PASSWORD):
        assert secret not in logged


# -- account changes end sessions; sign-in throttling; the last admin ------------------------------------------------
def test_a_password_or_role_change_ends_the_sessions_signed_in_before(client: httpx.Client, live: LiveServer) -> None:
    admin = login(client, "admin")
    created = client.put(
        "/api/admin/agents/carla",
        json={"name": "Carla", "skills": ["billing"], "password": "carla-secret-1"},
        headers=admin,
    )
    assert created.status_code == 200
    carla = login(client, "carla", "carla-secret-1")
    # Skills, name and availability are no reason to sign anyone out.
    same = {"name": "Carla R.", "skills": ["billing", "sales"]}
    assert client.put("/api/admin/agents/carla", json=same, headers=admin).status_code == 200
    assert client.get("/api/auth/me", headers=carla).status_code == 200
    # A new password, set by another process sharing the agents file: carla's old token ends here too.
    AgentDirectory(live.runtime.agents.path).save("carla", name="Carla R.", skills=["billing"], password="carla-new-pw")
    refused = client.get("/api/auth/me", headers=carla)
    assert refused.status_code == 401 and "changed" in refused.json()["detail"]
    carla = login(client, "carla", "carla-new-pw")
    assert client.get("/api/auth/me", headers=carla).status_code == 200
    # A role change ends it as well (promotion included).
    promoted = client.put("/api/admin/agents/carla", json={"name": "Carla R.", "role": "admin"}, headers=admin)
    assert promoted.status_code == 200
    assert client.get("/api/auth/me", headers=carla).status_code == 401
    assert client.get("/api/admin/agents", headers=login(client, "carla", "carla-new-pw")).status_code == 200


def test_the_last_admin_cannot_be_demoted_or_deleted(client: httpx.Client, live: LiveServer) -> None:
    admin = login(client, "admin")
    demote = client.put("/api/admin/agents/admin", json={"name": "Team lead", "role": "agent"}, headers=admin)
    assert demote.status_code == 409 and "last admin" in demote.json()["detail"]
    with pytest.raises(LastAdminError, match="last admin"):
        live.runtime.agents.delete("admin")
    # With a second admin, the first may step down (and is signed out by the role change).
    second = {"name": "Dana", "role": "admin", "skills": ["*"], "password": "dana-secret-1"}
    assert client.put("/api/admin/agents/dana", json=second, headers=admin).status_code == 200
    assert client.put("/api/admin/agents/admin", json={"name": "Team lead"}, headers=admin).status_code == 200
    assert client.get("/api/admin/agents", headers=admin).status_code == 401
    dana = login(client, "dana", "dana-secret-1")
    with pytest.raises(LastAdminError, match="cannot be deleted"):
        live.runtime.agents.delete("dana")
    assert client.delete("/api/admin/agents/admin", headers=dana).status_code == 204


def test_failed_sign_ins_are_throttled_per_account_then_per_address(client: httpx.Client) -> None:
    def attempt(username: str, password: str = "not-it") -> httpx.Response:
        return client.post("/api/auth/login", json={"username": username, "password": password})

    assert [attempt("ana").status_code for _ in range(5)] == [401] * 5
    locked = attempt("ana", PASSWORD)  # even the right password waits: the guesser learns nothing
    assert locked.status_code == 429 and 1 <= int(locked.headers["retry-after"]) <= 300
    assert "too many failed sign-ins" in locked.json()["detail"]
    assert attempt("ben", PASSWORD).status_code == 200  # another account is not locked
    # 20 failures from one address lock every account from it (5 so far on ana, 1 on ben's success: none).
    assert {attempt(f"nobody-{i}").status_code for i in range(15)} == {401}
    assert attempt("ben", PASSWORD).status_code == 429


def test_the_throttle_window_slides_on_its_clock() -> None:
    now = [1000.0]
    throttle = LoginThrottle(per_account=2, per_address=3, window_s=60, clock=lambda: now[0])
    throttle.failed("Ana", "10.0.0.1")
    now[0] += 30
    throttle.failed("ana", "10.0.0.2")
    assert throttle.retry_after("ana", "10.0.0.3") == 30  # the first failure leaves the window in 30 s
    now[0] += 30
    assert throttle.retry_after("ana", "10.0.0.3") is None
    for name in ("x", "y", "z"):
        throttle.failed(name, "10.0.0.9")
    assert throttle.retry_after("someone", "10.0.0.9") == 60
    throttle.succeeded("ana")
    assert throttle.retry_after("ana", None) is None
