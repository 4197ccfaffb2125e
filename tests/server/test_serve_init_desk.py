"""``relevo --desk <a relevo init desk> serve``: the desk's brand on every page (chat, console, sign-in), its test
customers selectable only where its desk.toml allows it, and console accounts with the desk's skills."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_harness import LiveServer, login, read_events, say, serve_settings, start_chat

from relevo.channels import ChannelGateway
from relevo.desks import init_desk, load_desk
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, open_runtime

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from demo_text import demo_words


@pytest.fixture(scope="module")
def desk_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("desks") / "harbour-cowork"
    init_desk(folder)
    return folder


@pytest.fixture(scope="module")
def desk_context(desk_folder: Path) -> RunContext:
    return load_desk(desk_folder).context()


def _serve(folder: Path, data: Path, context: RunContext) -> Iterator[tuple[httpx.Client, ServerRuntime]]:
    runtime = open_runtime(serve_settings(data, desk=str(folder)), context=context, gateway=ChannelGateway())
    try:
        with LiveServer(runtime) as live, httpx.Client(base_url=live.url, timeout=30) as http:
            yield http, runtime
    finally:
        runtime.close()


@pytest.fixture
def served(desk_folder: Path, desk_context: RunContext, tmp_path: Path) -> Iterator[tuple[httpx.Client, ServerRuntime]]:
    yield from _serve(desk_folder, tmp_path / "data", desk_context)


def test_every_page_carries_the_desks_brand(served: tuple[httpx.Client, ServerRuntime]) -> None:
    client, runtime = served
    assert runtime.brand == "Harbour Cowork"
    for path, headings in (("/", 1), ("/console", 2)):  # the console's sign-in form and its app both have one
        page = client.get(path)
        assert page.status_code == 200
        assert re.search(r"<title>Harbour Cowork · [^<]+</title>", page.text), path
        titles = re.findall(r"<h1>([^<]*)</h1>", page.text)
        assert len(titles) == headings and all(t.startswith("Harbour Cowork") for t in titles), (path, titles)
        assert "{{brand}}" not in page.text and demo_words(page.text) == [], path
    signin = client.get("/console").text.split('id="signin"', 1)[1].split("</form>", 1)[0]
    assert "<h1>Harbour Cowork · Agent console</h1>" in signin


def test_the_desks_test_customers_can_be_played(served: tuple[httpx.Client, ServerRuntime]) -> None:
    client, _ = served
    assert client.get("/api/chat/customers").json() == [
        {"id": "M-100", "name": "Alex Rivera", "tier": "member", "language": "en"},
        {"id": "M-200", "name": "Lucía Gómez", "tier": "resident", "language": "es"},
    ]
    session = client.post("/api/chat/sessions", json={"customer_id": "M-200"})
    assert session.status_code == 201 and session.json()["customer"]["name"] == "Lucía Gómez"
    assert client.post("/api/chat/sessions", json={"customer_id": "C-1001"}).status_code == 422  # a demo customer


def test_a_desk_that_does_not_allow_it_lists_no_customers(
    desk_folder: Path, desk_context: RunContext, tmp_path: Path
) -> None:
    folder = tmp_path / "closed"
    shutil.copytree(desk_folder, folder)
    toml = folder / "desk.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("selectable = true", "selectable = false"))
    for client, runtime in _serve(folder, tmp_path / "data", desk_context):
        assert not runtime.customers_selectable
        assert client.get("/api/chat/customers").json() == []
        assert client.post("/api/chat/sessions", json={"customer_id": "M-100"}).status_code == 403
        assert client.post("/api/chat/sessions", json={}).status_code == 201  # a guest still may chat


def test_its_agents_have_the_desks_skills_and_take_its_handoffs(served: tuple[httpx.Client, ServerRuntime]) -> None:
    client, runtime = served
    assert [(a.username, a.role, a.skills) for a in runtime.created_agents] == [
        ("sam", "agent", ["general", "membership"]),
        ("admin", "admin", ["*"]),
    ]
    sam = login(client, "sam")
    me = client.get("/api/auth/me", headers=sam).json()
    assert me["skills"] == ["general", "membership"] and me["languages"] == ["en", "es", "pt"]
    # A resident asking to cancel is a VIP handoff (desk.toml [config.escalation.vip]) to the membership queue.
    chat = start_chat(client, "M-200")
    say(client, chat, "quiero cancelar mi membresía")
    read_events(
        client,
        f"/api/chat/conversations/{chat.conversation_id}/events",
        chat.headers,
        lambda events: any(data.get("mode") == "pending_human" for _, data in events),
    )
    queue = client.get("/api/queue", headers=sam).json()
    rows = [row for row in queue["waiting"] + queue["mine"] if row["conversation_id"] == chat.conversation_id]
    assert rows and rows[0]["queue"] == "membership", queue
