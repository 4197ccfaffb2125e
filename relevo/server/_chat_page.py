"""The web chat page in the customer's language: its words, which language it speaks, and the page itself.

The page's own words (buttons, banners, the placeholder) are a data file, ``texts/chat_page.toml``, one table
per supported language. The page speaks the conversation's language once it is known (the language the
customer's messages were read in, or a signed-in customer's profile language before they write), else the
browser's ``Accept-Language`` restricted to the desk's languages, else the desk's default language. The desk's
name on the page is its name in that language (``DeskProfile.name_in``).
"""

from __future__ import annotations

import functools
import html
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from relevo._errors import ConfigurationError
from relevo.contracts import SUPPORTED_LANGUAGES, ConversationState, CustomerMessage, DeskProfile

__all__ = [
    "CHAT_PAGE_TEXTS",
    "chat_page_texts",
    "conversation_language",
    "load_page_texts",
    "negotiate_language",
    "render_chat_page",
]

CHAT_PAGE_TEXTS = Path(__file__).parent / "texts" / "chat_page.toml"
"""The chat page's words: ``[en]``, ``[es]``, ``[pt]``, ``[vi]`` tables of key -> text."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PAGE_SLOT = re.compile(r"\{\{(\w+)\}\}")
_MAX_LANGUAGE_RANGES = 32
"""``Accept-Language`` ranges read at most (browsers send a handful; the rest of a longer header is ignored)."""


def load_page_texts(path: Path) -> dict[str, dict[str, str]]:
    """Read a page's texts: language -> key -> text, every supported language with the same keys.

    Raises:
        ConfigurationError: the file is unreadable or not TOML; a supported language has no table, or a table
            lacks a key another language has, has a blank text, or names other ``{placeholders}`` than English.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read page texts {path}: {exc}") from exc
    problems: list[str] = []
    tables: dict[str, dict[str, str]] = {}
    for language in SUPPORTED_LANGUAGES:
        table = data.get(language)
        if not isinstance(table, dict):
            problems.append(f"no [{language}] table")
            continue
        tables[language] = {str(k): v for k, v in table.items() if isinstance(v, str)}  # pyright: ignore[reportUnknownVariableType]
        odd = sorted(str(k) for k, v in table.items() if not isinstance(v, str))  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        if odd:
            problems.append(f"[{language}] {', '.join(odd)}: not a text")
    stray = sorted(set(data) - set(SUPPORTED_LANGUAGES))
    if stray:
        problems.append(f"unknown language table(s) {', '.join(stray)} (supported: {', '.join(SUPPORTED_LANGUAGES)})")
    keys = sorted({key for table in tables.values() for key in table})
    english = tables.get("en", {})
    for language, table in tables.items():
        missing = [key for key in keys if key not in table]
        if missing:
            problems.append(f"[{language}] lacks {', '.join(missing)}")
        blank = sorted(key for key, text in table.items() if not text.strip())
        if blank:
            problems.append(f"[{language}] {', '.join(blank)}: empty")
        for key, text in table.items():
            named, expected = sorted(_placeholders(text)), sorted(_placeholders(english.get(key, text)))
            if named != expected:
                problems.append(f"[{language}] {key} names {named}, English {expected}")
    if problems:
        raise ConfigurationError(f"page texts {path}: " + "; ".join(problems))
    return tables


@functools.cache
def chat_page_texts() -> dict[str, dict[str, str]]:
    """The chat page's texts (:data:`CHAT_PAGE_TEXTS`), read and checked once per process.

    Raises:
        ConfigurationError: see :func:`load_page_texts`.
    """
    return load_page_texts(CHAT_PAGE_TEXTS)


def negotiate_language(accept_language: str | None, languages: Sequence[str], default: str) -> str:
    """The first of the browser's preferred languages the desk answers in, else ``default``.

    ``accept_language`` is an HTTP ``Accept-Language`` value (RFC 9110 §12.5.4: ``"pt-BR,pt;q=0.9,en;q=0.8"``):
    ranges are tried by quality, then order; a range matches on its primary subtag (``es-419`` is ``es``); ``*``
    means the desk's default; ``q=0`` and malformed qualities rule a range out.
    """
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate((accept_language or "").split(",")[:_MAX_LANGUAGE_RANGES]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and 0 < quality <= 1:
            ranked.append((-quality, order, tag.lower()))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return default
        primary = tag.split("-", 1)[0]
        if primary in languages:
            return primary
    return default


def conversation_language(state: ConversationState, profile: DeskProfile) -> str | None:
    """The language the conversation is in, when known and one the desk answers in: the language the customer's
    messages were read in, else (before they write) a signed-in customer's profile language; ``None`` otherwise
    (a guest who has not written yet: the page keeps the browser's language)."""
    spoken = any(isinstance(m, CustomerMessage) for m in state.messages)
    known = state.language if spoken else state.customer.preferred_language
    return known if known in profile.languages else None


def render_chat_page(template: str, profile: DeskProfile, language: str) -> str:
    """The chat page ``template`` in ``language``.

    Slots: ``{{lang}}`` (the language code), ``{{texts}}`` (every desk language's texts as JSON, for the page's
    script to switch language when the conversation's becomes known), and ``{{key}}`` for any text key
    (HTML-escaped, ``{brand}`` filled with the desk's name in ``language``).

    Raises:
        ConfigurationError: ``language`` has no texts, or the template names a slot that is no text key.
    """
    texts = chat_page_texts()
    if language not in texts:
        raise ConfigurationError(f"the chat page has no texts in {language!r} (it has {', '.join(texts)})")
    table = _branded(texts[language], profile.name_in(language))
    catalog = {lang: _branded(texts[lang], profile.name_in(lang)) for lang in profile.languages if lang in texts}
    # Raw text inside <script type="application/json">: only "</script" could end it early; escape every "<".
    script_data = json.dumps(catalog, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")

    def slot(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "lang":
            return language
        if name == "texts":
            return script_data
        if name not in table:
            raise ConfigurationError(f"the chat page names {{{{{name}}}}}, which is no key of {CHAT_PAGE_TEXTS.name}")
        return html.escape(table[name])

    return _PAGE_SLOT.sub(slot, template)


def _branded(table: Mapping[str, str], brand: str) -> dict[str, str]:
    return {key: _fill(text, {"brand": brand}) for key, text in table.items()}


def _fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{name}`` found in ``values`` replaced (values inserted as data); other
    placeholders are left for the page's script."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))
