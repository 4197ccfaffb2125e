"""The web chat page speaks the customer's language (en, es, pt, vi): the conversation's once known, else the
browser's Accept-Language among the desk's languages, else the desk's default; its words are one table per
language in a data file, and a language lacking a key fails at load time, never falls back to English."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from serve_harness import LiveServer, read_events, say, serve_settings, settled, start_chat

from relevo._errors import ConfigurationError
from relevo.channels import ChannelGateway
from relevo.contracts import (
    SUPPORTED_LANGUAGES,
    ConversationState,
    CustomerMessage,
    CustomerRef,
    DeskProfile,
    Message,
)
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, open_runtime
from relevo.server._chat_page import (
    CHAT_PAGE_TEXTS,
    conversation_language,
    load_page_texts,
    negotiate_language,
)

STATIC = Path(__file__).parent.parent.parent / "relevo" / "server" / "static"
TEXTS = load_page_texts(CHAT_PAGE_TEXTS)


# -- the texts ------------------------------------------------------------------------------------------------
def test_every_language_has_every_key() -> None:
    assert set(TEXTS) == set(SUPPORTED_LANGUAGES)
    english = set(TEXTS["en"])
    assert len(english) >= 20
    for language, table in TEXTS.items():
        assert set(table) == english, language
        assert all(text.strip() for text in table.values()), language
    # Translated, not copied: only a word that is the same in two languages may repeat English.
    for language in ("es", "pt", "vi"):
        same = [key for key, text in TEXTS[language].items() if text == TEXTS["en"][key]]
        assert same == [], (language, same)


def _without(source: str, language: str, key: str) -> str:
    """``source`` with ``key`` dropped from the ``[language]`` table only."""
    head, table = source.split(f"[{language}]\n", 1)
    table, sep, rest = table.partition("\n[")
    lines = [line for line in table.splitlines() if not line.startswith(f"{key} =")]
    return f"{head}[{language}]\n" + "\n".join(lines) + sep + rest


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_missing_key_fails_at_load_time_in_every_language(tmp_path: Path, language: str) -> None:
    broken = tmp_path / "chat_page.toml"
    broken.write_text(_without(CHAT_PAGE_TEXTS.read_text(encoding="utf-8"), language, "placeholder"), "utf-8")
    with pytest.raises(ConfigurationError, match=rf"\[{language}\] lacks placeholder"):
        load_page_texts(broken)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('not_sent = "não enviada: {error}"', 'not_sent = "não enviada"', r"\[pt\] not_sent names \[\]"),
        ('send = "Gửi"', 'send = "  "', r"\[vi\] send: empty"),
        ("[vi]\n", "[vi-VN]\n", r"no \[vi\] table.*unknown language table\(s\) vi-VN"),
        ("[es]\n", "[es]\nextra = 3\n", r"\[es\] extra: not a text"),
        ("[en]\n", "[fr]\nsend = 'Envoyer'\n\n[en]\n", r"unknown language table\(s\) fr"),
        ("[en]\n", "[en\n", r"cannot read page texts"),
    ],
)
def test_a_broken_table_fails_at_load_time(tmp_path: Path, old: str, new: str, problem: str) -> None:
    source = CHAT_PAGE_TEXTS.read_text(encoding="utf-8")
    assert source.count(old) == 1
    broken = tmp_path / "chat_page.toml"
    broken.write_text(source.replace(old, new), "utf-8")
    with pytest.raises(ConfigurationError, match=problem):
        load_page_texts(broken)


def test_the_page_and_its_script_use_only_keys_the_texts_have_and_every_key_is_used() -> None:
    page = (STATIC / "chat.html").read_text(encoding="utf-8")
    script = (STATIC / "chat.js").read_text(encoding="utf-8")
    in_page = set(re.findall(r"\{\{(\w+)\}\}", page)) - {"lang", "texts"}
    in_page |= set(re.findall(r'data-t(?:-placeholder|-aria-label)?="(\w+)"', page))
    in_script = set(re.findall(r"""\bt\("(\w+)\"""", script)) | set(re.findall(r'"data-tick": "(\w+)"', script))
    assert in_page and in_script
    assert (in_page | in_script) - set(TEXTS["en"]) == set()
    assert set(TEXTS["en"]) - (in_page | in_script) == set(), "a text no page shows"
    # No English left in the page's markup or script outside the texts.
    visible = re.sub(r"<!--.*?-->|<script.*?</script>", " ", page, flags=re.S)
    visible = re.sub(r"<[^>]*>|\{\{\w+\}\}", " ", visible)
    assert re.findall(r"[A-Za-z]{2,}", visible) == ["relevo"]
    assert re.findall(r'textContent = "[^"]|text: "[A-Za-z]', script) == []


# -- which language ---------------------------------------------------------------------------------------------
ALL = list(SUPPORTED_LANGUAGES)


@pytest.mark.parametrize(
    ("header", "languages", "expected"),
    [
        ("es-ES,es;q=0.9,en;q=0.8", ALL, "es"),
        ("pt-BR,pt;q=0.9,en-US;q=0.8", ALL, "pt"),
        ("vi-VN,vi;q=0.9,en;q=0.5", ALL, "vi"),
        ("en-GB,en;q=0.9", ALL, "en"),
        ("es-419", ALL, "es"),
        ("fr-FR,fr;q=0.9,pt;q=0.4", ALL, "pt"),
        ("de;q=1, vi;q=0.2, es;q=0.7", ALL, "es"),
        ("es;q=0, vi", ALL, "vi"),
        ("es;q=abc, pt;q=2, vi;q=0.1", ALL, "vi"),
        ("VI", ALL, "vi"),
        ("fr, *;q=0.5", ALL, "en"),
        ("", ALL, "en"),
        (None, ALL, "en"),
        (",,;;q=,", ALL, "en"),
        # A desk in English and Vietnamese: Vietnamese for a Vietnamese browser, its default otherwise.
        ("vi", ["en", "vi"], "vi"),
        ("es-ES,es;q=0.9", ["en", "vi"], "en"),
        ("es-ES,es;q=0.9,vi;q=0.5", ["en", "vi"], "vi"),
    ],
)
def test_the_browsers_language_among_the_desks(header: str | None, languages: list[str], expected: str) -> None:
    assert negotiate_language(header, languages, "en") == expected


@pytest.mark.parametrize(("header", "expected"), [(None, "vi"), ("fr-FR", "vi"), ("*", "vi"), ("en", "en")])
def test_nothing_the_desk_speaks_gets_its_default(header: str | None, expected: str) -> None:
    assert negotiate_language(header, ["en", "vi"], "vi") == expected


EN_VI = DeskProfile(name={"en": "Harbour Help", "vi": "Hỗ trợ Cảng"}, languages=["en", "vi"], default_language="en")


@pytest.mark.parametrize(
    ("spoken", "preferred", "profile", "expected"),
    [
        ("es", "", DeskProfile(), "es"),
        ("vi", "en", DeskProfile(), "vi"),  # what the customer writes in wins over the profile
        (None, "pt", DeskProfile(), "pt"),  # a signed-in customer before they write: their profile language
        (None, "", DeskProfile(), None),  # a guest before they write: not known
        ("es", "", EN_VI, None),  # not a language the desk answers in: the page keeps the browser's
        ("vi", "", EN_VI, "vi"),
    ],
)
def test_the_conversations_language_once_known(
    spoken: str | None, preferred: str, profile: DeskProfile, expected: str | None
) -> None:
    written = CustomerMessage(id="m1", at=datetime(2026, 1, 1, tzinfo=UTC), text="…")
    messages: list[Message] = [] if spoken is None else [written]
    state = ConversationState(
        conversation_id="c1",
        customer=CustomerRef(id="x", preferred_language=preferred),
        language=spoken or "en",
        messages=messages,
    )
    assert conversation_language(state, profile) == expected


# -- the page served ---------------------------------------------------------------------------------------
def _assert_speaks(page: httpx.Response, language: str, brand: str) -> None:
    texts = TEXTS[language]
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    assert page.headers["content-language"] == language and "accept-language" in page.headers["vary"].lower()
    assert f"<title>{html.escape(texts['title'].replace('{brand}', brand))}</title>" in page.text
    assert f"<h1>{html.escape(texts['heading'].replace('{brand}', brand))}</h1>" in page.text
    assert f'placeholder="{texts["placeholder"]}"' in page.text
    assert f'aria-label="{texts["message_label"]}"' in page.text
    assert f">{texts['send']}</button>" in page.text and f">{texts['start_chat']}</button>" in page.text
    assert "{{" not in page.text


SERVED = [
    ("es-ES,es;q=0.9,en;q=0.8", "es"),
    ("pt-BR,pt;q=0.9", "pt"),
    ("vi-VN,vi;q=0.9", "vi"),
    ("en-US,en;q=0.9", "en"),
    ("fr-FR", "en"),
]


def test_the_page_is_served_in_the_browsers_language(client: httpx.Client, runtime: ServerRuntime) -> None:
    profile = runtime.desk.context.profile
    for header, language in SERVED:
        _assert_speaks(client.get("/", headers={"Accept-Language": header}), language, profile.name_in(language))
    _assert_speaks(client.get("/"), profile.default_language, profile.name_in(profile.default_language))


@pytest.fixture
def en_vi_client(tmp_path: Path, run_context: RunContext) -> Iterator[httpx.Client]:
    """The demo engine served as a desk that answers in English and Vietnamese only, with a name in each."""
    context = dataclasses.replace(run_context, profile=EN_VI)
    runtime = open_runtime(serve_settings(tmp_path / "data"), context=context, gateway=ChannelGateway())
    try:
        with LiveServer(runtime) as live, httpx.Client(base_url=live.url, timeout=30) as http:
            yield http
    finally:
        runtime.close()


def test_a_desk_in_english_and_vietnamese_serves_vietnamese_to_a_vietnamese_browser(
    en_vi_client: httpx.Client,
) -> None:
    page = en_vi_client.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8"})
    _assert_speaks(page, "vi", "Hỗ trợ Cảng")
    # The script can switch to the desk's languages only.
    data = page.text.split('id="page-texts">', 1)[1].split("</script>", 1)[0]
    assert '"vi": {' in data and '"en": {' in data and '"es": {' not in data and '"pt": {' not in data
    # A Spanish browser gets the desk's default, with its English name.
    _assert_speaks(en_vi_client.get("/", headers={"Accept-Language": "es"}), "en", "Harbour Help")


# A guest writes in each language; the status events say the conversation's language once it is known.
FIRST_MESSAGES = {
    "en": "where is my order ORD-1055?",
    "es": "¿dónde está mi pedido ORD-1055?",
    "pt": "onde está meu pedido ORD-1055?",
    "vi": "đơn hàng ORD-1055 của tôi đâu?",
}


def test_the_event_stream_tells_the_page_the_conversations_language(client: httpx.Client) -> None:
    for language, text in FIRST_MESSAGES.items():
        chat = start_chat(client)
        path = f"/api/chat/conversations/{chat.conversation_id}/events"
        before = read_events(client, path, chat.headers, lambda ev: ev[-1][0] == "status")
        assert before[-1][1]["language"] is None, "a guest who has not written: the browser's language stands"
        say(client, chat, text)
        after = read_events(client, path, chat.headers, settled({"ai": 1}))
        assert after[-1][1]["language"] == language, text
    # A signed-in customer's profile language is known before they write (C-1005 writes in Vietnamese).
    chat = start_chat(client, "C-1005")
    path = f"/api/chat/conversations/{chat.conversation_id}/events"
    assert read_events(client, path, chat.headers, lambda ev: ev[-1][0] == "status")[-1][1]["language"] == "vi"
