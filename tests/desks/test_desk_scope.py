"""The desk's scope (and name) per language: every offline reply that mentions them and the LLM prompts say them
in the customer's language, from desk.toml's ``[desk.scope]`` table or a ``DeskProfile``."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from string import Formatter

import pytest
import yaml
from pydantic import ValidationError

import relevo.agents
from relevo import load_config
from relevo.agents import ReplyTexts
from relevo.cli import main
from relevo.contracts import DeskProfile
from relevo.desks import DeskFileError, DeskWarning, desk_definition, init_desk, load_desk
from relevo.models import ModelRequest, SystemTurn
from relevo.testing import FunctionModel

LANGUAGES = ("en", "es", "pt", "vi")
SCOPE = {
    "en": "your membership and room bookings",
    "es": "tu membresía y las reservas de salas",
    "pt": "a sua adesão e as reservas de salas",
    "vi": "thẻ thành viên và việc đặt phòng họp",
}
NAME = {"en": "Acme Desks", "es": "Acme Escritorios", "pt": "Acme Secretárias", "vi": "Acme Bàn Làm Việc"}
HELLO = {"en": "hello", "es": "hola", "pt": "olá", "vi": "xin chào"}

_BOOK = Path(relevo.agents.__file__).parent / "texts" / "offline_replies.yaml"


def _scope_keys() -> list[str]:
    """Every built-in reply template that quotes the scope, in any language."""
    book = yaml.safe_load(_BOOK.read_text(encoding="utf-8"))
    keys = [key for key, by_language in book.items() if any("{scope}" in text for text in by_language.values())]
    assert keys, "some built-in reply quotes {scope}"
    return keys


def _render(texts: ReplyTexts, key: str, language: str) -> str:
    fields = {f for _, f, _, _ in Formatter().parse(texts.template(key, language)) if f}
    return texts.render(key, language, **{f: "X" for f in fields - {"desk_name", "scope"}})


PROFILE = DeskProfile(name=NAME, scope=SCOPE, languages=list(LANGUAGES))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", _scope_keys())
def test_every_reply_quoting_the_scope_says_it_in_the_reply_language(key: str, language: str) -> None:
    reply = _render(ReplyTexts(PROFILE), key, language)
    assert SCOPE[language] in reply
    assert [other for other in LANGUAGES if other != language and SCOPE[other] in reply] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_name_is_said_in_the_reply_language(language: str) -> None:
    assert NAME[language] in ReplyTexts(PROFILE).render("greeting_guest", language)


def test_a_language_the_desk_does_not_list_gets_the_default_languages_text() -> None:
    profile = DeskProfile(scope={"es": SCOPE["es"], "pt": SCOPE["pt"]}, languages=["es", "pt"], default_language="es")
    assert profile.scope_in("vi") == SCOPE["es"] and profile.scope_in("pt") == SCOPE["pt"]
    assert DeskProfile(scope="one text").scope_in("vi") == "one text"


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"en": "a", "es": "b"}, "scope: no text for pt, vi"),
        ({"en": "a", "es": "b", "pt": "c", "vi": " "}, "scope: empty text for vi"),
        ({"en": "a", "es": "b", "pt": "c", "vi": "d", "fr": "e"}, "scope: unknown language"),
        ("  ", "scope: must not be empty"),
    ],
)
def test_a_scope_table_must_cover_the_desks_languages(scope: str | dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DeskProfile(scope=scope)


# -- desk.toml ------------------------------------------------------------------------------------------------
def _four_language_desk(folder: Path) -> Path:
    init_desk(folder)
    toml = folder / "desk.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'languages = ["en", "es", "pt"]', 'languages = ["en", "es", "pt", "vi"]'
    )
    start, end = text.index("[desk.scope]"), text.index("# Reply-text overrides")
    table = "[desk.scope]\n" + "".join(f'{lang} = "{SCOPE[lang]}"\n' for lang in LANGUAGES)
    # A greeting that quotes the scope, so that a real turn shows it in every language.
    greeting = "[desk.texts.greeting_guest]\n" + "".join(
        f'{lang} = "{{desk_name}}: {{scope}}."\n' for lang in LANGUAGES
    )
    toml.write_text(text[:start] + table + "\n" + greeting + "\n" + text[end:], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def four_languages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _four_language_desk(tmp_path_factory.mktemp("desks") / "acme")


@pytest.mark.parametrize("language", LANGUAGES)
def test_desk_toml_scope_table_reaches_a_real_turn(four_languages: Path, tmp_path: Path, language: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeskWarning)  # a complete table warns about nothing
        builder = load_desk(four_languages)
    with builder.open(tmp_path) as desk:
        turn = desk.send(desk.start(), HELLO[language])
    assert turn.signals is not None and turn.signals.language == language
    assert turn.reply == f"Acme: {SCOPE[language]}."
    for key in _scope_keys():
        assert SCOPE[language] in _render(desk.context.texts, key, language)


def test_a_scope_table_missing_a_language_names_file_line_and_field(tmp_path: Path) -> None:
    folder = _four_language_desk(tmp_path / "acme")
    toml = folder / "desk.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(f'vi = "{SCOPE["vi"]}"\n', "", 1), encoding="utf-8")
    line = next(n for n, text in enumerate(toml.read_text(encoding="utf-8").splitlines(), 1) if text == "[desk.scope]")
    with pytest.raises(DeskFileError, match=rf"desk\.toml: line {line}: desk\.scope: .*no text for vi"):
        desk_definition(folder)


def test_one_scope_string_for_several_languages_warns_at_load(tmp_path: Path) -> None:
    folder = _four_language_desk(tmp_path / "acme")
    toml = folder / "desk.toml"
    text = toml.read_text(encoding="utf-8")
    start, end = text.index("[desk.scope]"), text.index("[desk.texts.greeting_guest]")
    text = (text[:start] + text[end:]).replace('name = "Acme"\n', 'name = "Acme"\nscope = "desks"\n', 1)
    toml.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == 'scope = "desks"')
    with pytest.warns(DeskWarning, match=rf"line {line}: desk\.scope is one text .* replies in es, pt, vi"):
        load_desk(folder)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["--desk", str(folder), "triage", "hi"]) == 0
    assert err.getvalue().count("relevo: warning: ") == 1 and "desk.scope is one text" in err.getvalue()
    # One language, one text: nothing to warn about.
    toml.write_text(text.replace('languages = ["en", "es", "pt", "vi"]', 'languages = ["en"]'), encoding="utf-8")
    assert desk_definition(folder).warnings == []


# -- LLM prompts ----------------------------------------------------------------------------------------------
def test_the_llm_prompts_carry_the_desks_name_and_scope(tmp_path: Path) -> None:
    triage_requests: list[ModelRequest] = []
    resolver_requests: list[ModelRequest] = []

    def triage(request: ModelRequest) -> dict[str, object]:
        triage_requests.append(request)
        return {
            "intent": "greeting",
            "confidence": 0.95,
            "sentiment": 0.0,
            "urgency": 0.1,
            "explicit_human_request": False,
            "out_of_scope": False,
            "language": "es",
        }

    def resolver(request: ModelRequest) -> str:
        resolver_requests.append(request)
        return "¡Hola! ¿En qué puedo ayudarte?"

    builder = (
        load_desk(_four_language_desk(tmp_path / "acme"), load_config())
        .with_model("triage", FunctionModel(triage))
        .with_model("resolver", FunctionModel(resolver))
    )
    with builder.open(tmp_path / "data") as desk:
        desk.send(desk.start(), "hola")
    for requests in (triage_requests, resolver_requests):
        system = next(m for m in requests[0].messages if isinstance(m, SystemTurn)).content
        assert "Acme" in system and SCOPE["en"] in system, system
