"""Short messages: a guest's first one is read from its own words (chat spellings, dropped accents, endings), a
borrowed word or an address never flips a conversation's language, and two words of another language do."""

from __future__ import annotations

import pytest

from relevo.agents import OfflineTriage
from relevo.contracts import IntentCatalog
from relevo.models.offline import detect_language
from relevo.orchestrator import RunContext, SupportDesk, default_embedder

DESK = ["en", "es", "pt", "vi"]

FIRST_MESSAGES = [
    # chat spellings
    ("obg", "pt"),
    ("vlw, blz", "pt"),
    ("porfa", "es"),
    ("thx pls", "en"),
    ("dạ vâng", "vi"),
    # accents dropped, by words and by endings
    ("cobraron mas", "es"),
    ("devolucion", "es"),
    ("devolucao", "pt"),
    ("doi tra", "vi"),
    ("huy don", "vi"),
    ("quen mat khau", "vi"),
    # endings of words the lexicon does not list
    ("me cobraron de más", "es"),
    ("cobraram a mais", "pt"),
    ("tamanho errado", "pt"),
    ("rastreamento", "pt"),
    ("mantenimiento", "es"),
]


@pytest.mark.parametrize(("text", "language"), FIRST_MESSAGES)
def test_a_guests_short_first_message_is_read_from_its_own_words(text: str, language: str) -> None:
    assert detect_language(text, languages=DESK).language == language


BORROWED = {
    "en": ["order", "refund", "yes", "ok thanks", "pls"],
    "es": ["gracias", "vale", "porfa", "sí"],
    "pt": ["não", "obg", "valeu", "beleza"],
    "vi": ["dạ", "vâng", "ừ"],
}


@pytest.mark.parametrize(
    ("established", "text"),
    [
        (established, text)
        for language, texts in BORROWED.items()
        for text in texts
        for established in DESK
        if established != language
    ],
)
def test_one_borrowed_word_never_flips_the_conversation(established: str, text: str) -> None:
    assert detect_language(text, hint=established, languages=DESK).language == established


@pytest.mark.parametrize("established", DESK)
@pytest.mark.parametrize(
    "text", ["lucia@example.com", "https://loja.example/pedido/1042", "@lucia_m", "ORD-1042", "2fa"]
)
def test_an_address_or_a_code_is_no_language(established: str, text: str) -> None:
    assert detect_language(text, hint=established, languages=DESK).language == established
    assert detect_language(text, languages=DESK).language == "und"


SWITCHES = {
    "en": "I want to check my order",
    "es": "quiero ver mi pedido por favor",
    "pt": "quero saber onde está o meu pedido",
    "vi": "tôi muốn xem đơn hàng",
}


@pytest.mark.parametrize("established", DESK)
@pytest.mark.parametrize("language", DESK)
def test_a_sentence_in_another_language_does_switch(established: str, language: str) -> None:
    assert detect_language(SWITCHES[language], hint=established, languages=DESK).language == language


@pytest.mark.parametrize("text", ["reembolso", "pedido", "cancelar pedido"])
def test_a_tie_goes_to_the_language_the_desk_lists_first(text: str) -> None:
    assert detect_language(text, languages=["pt", "es"]).language == "pt"
    assert detect_language(text, languages=["es", "pt"]).language == "es"


@pytest.mark.parametrize("default", ["es", "pt", "vi"])
def test_a_message_that_tells_nothing_is_read_in_the_desks_default_language(
    run_context: RunContext, default: str
) -> None:
    catalog: IntentCatalog = run_context.catalog
    triage = OfflineTriage(catalog, default_embedder(), run_context.config.triage, default_language=default)

    assert triage.detect_language("👍", None) == default
    assert triage.detect_language("ORD-1042", None) == default


CONVERSATIONS = {
    "es": ["hola", "¿cuánto cuesta el envío?"],
    "pt": ["oi", "quanto custa o frete?"],
    "vi": ["xin chào", "phí vận chuyển bao nhiêu?"],
}


@pytest.mark.parametrize("language", list(CONVERSATIONS))
def test_short_messages_after_several_turns_keep_the_conversations_language(desk: SupportDesk, language: str) -> None:
    conv = desk.start()  # a guest: no profile language, only the conversation
    for line in CONVERSATIONS[language]:
        desk.send(conv, line)
    for line in ["ok", "order", "lucia@example.com", "refund?"]:
        turn = desk.send(conv, line)
        assert desk.state(conv).language == language, (line, turn.reply)


GREETINGS = {"en": "hello", "es": "hola", "pt": "olá", "vi": "chào"}


@pytest.mark.parametrize("established", DESK)
@pytest.mark.parametrize("language", DESK)
def test_a_greeting_opens_the_conversation_anew_in_its_language(established: str, language: str) -> None:
    assert detect_language(GREETINGS[language], hint=established, languages=DESK).language == language


# A whole sentence in one language from a customer whose profile names another: the sentence wins, even where the
# lexicon knows few of its words (nothing in it is of the profile's language).
SENTENCE_OVER_PROFILE = [
    ("Do Premium customers pay card fees?", "es", "en"),
    ("Do Premium customers pay card fees?", "vi", "en"),
    ("¿Los clientes premium pagan las comisiones de la tarjeta?", "en", "es"),
    ("Clientes premium pagam tarifas do cartão?", "vi", "pt"),
    ("Khách hàng cao cấp có phải trả phí thẻ không?", "pt", "vi"),
]


@pytest.mark.parametrize(("text", "profile", "expected"), SENTENCE_OVER_PROFILE)
def test_a_clear_sentence_beats_the_profiles_language(text: str, profile: str, expected: str) -> None:
    assert detect_language(text, hint=profile, languages=("en", "es", "pt", "vi")).language == expected


@pytest.mark.parametrize(("text", "hint"), [("ok thanks", "es"), ("gracias", "pt"), ("order", "vi"), ("obg", "en")])
def test_a_borrowed_word_or_two_still_keeps_the_conversations_language(text: str, hint: str) -> None:
    assert detect_language(text, hint=hint, languages=("en", "es", "pt", "vi")).language == hint
