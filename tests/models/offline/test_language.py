"""Language identification and the text normalisation every offline detector matches against."""

from __future__ import annotations

import time

import pydantic
import pytest

from relevo.models.offline._language import MAX_SCAN_CHARS, LanguageGuess, detect_language, normalise


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Where is my order? It was supposed to arrive yesterday.", "en"),
        ("I want to cancel my subscription, please", "en"),
        ("¿Dónde está mi pedido? Tenía que llegar ayer.", "es"),
        ("Hola, quiero cambiar la dirección de envío", "es"),
        ("Quiero hablar con un agente", "es"),
        ("Cadê meu pedido? Era pra chegar ontem.", "pt"),
        ("Oi, vocês podem me ajudar com o reembolso?", "pt"),
        ("Quero falar com um atendente", "pt"),
        ("A minha encomenda ainda não chegou", "pt"),
        ("Đơn hàng của tôi đâu rồi?", "vi"),
        ("Tôi muốn nói chuyện với nhân viên", "vi"),
        ("toi muon gap nhan vien, don hang chua toi", "vi"),
        ("Bonjour, je voudrais parler à un conseiller s'il vous plaît", "fr"),
        ("Ich möchte mit einem Mitarbeiter sprechen, bitte", "de"),
        ("Где мой заказ?", "ru"),
        ("我的订单在哪里", "zh"),
        ("注文はどこですか", "ja"),
    ],
)
def test_detects_the_language_of_a_clear_sentence(text: str, language: str) -> None:
    guess = detect_language(text)

    assert guess.language == language
    assert guess.confidence >= 0.5


@pytest.mark.parametrize(
    ("text", "language"),
    [("Hi", "en"), ("Hello!", "en"), ("Hola", "es"), ("Gracias", "es"), ("Olá", "pt"), ("Oi", "pt"),
     ("Obrigada!", "pt"), ("Xin chào", "vi"), ("Cảm ơn", "vi"), ("Bonjour", "fr"), ("Danke", "de")],
)  # fmt: skip
def test_a_greeting_alone_is_enough(text: str, language: str) -> None:
    assert detect_language(text).language == language


@pytest.mark.parametrize("text", ["", "   ", "😀😀👍", "!!!", "12345", "ORD-1042"])
def test_text_without_words_is_undetermined(text: str) -> None:
    assert detect_language(text) == LanguageGuess(language="und", confidence=0.0)


@pytest.mark.parametrize(
    ("text", "hint"), [("ok", "es"), ("no", "pt"), ("👍", "vi"), ("", "fr"), ("que absurdo", "pt")]
)
def test_the_conversation_language_wins_when_the_message_is_ambiguous(text: str, hint: str) -> None:
    guess = detect_language(text, hint=hint)

    assert guess.language == hint
    assert guess.confidence == 0.5


def test_a_regional_hint_is_reduced_to_its_language() -> None:
    assert detect_language("ok", hint="pt-BR").language == "pt"
    assert detect_language("ok", hint="es_MX").language == "es"


def test_a_malformed_hint_is_ignored() -> None:
    assert detect_language("ok", hint="portuguese").language == "und"


def test_a_clear_switch_of_language_beats_the_hint() -> None:
    guess = detect_language("Por favor, ¿me pueden decir cuándo llega mi pedido?", hint="en")

    assert guess.language == "es"


def test_agreeing_evidence_keeps_the_hint_with_its_own_confidence() -> None:
    guess = detect_language("Where is my order? It has not arrived yet and I need it.", hint="en")

    assert guess.language == "en"
    assert guess.confidence > 0.9


def test_control_and_zero_width_characters_are_ignored() -> None:
    assert detect_language("\x00\x07Hola\u200b, ¿cómo\testás?\r\n").language == "es"


def test_a_guess_is_immutable() -> None:
    guess = detect_language("Hello")

    with pytest.raises(pydantic.ValidationError, match="frozen"):
        guess.language = "es"  # pyright: ignore[reportAttributeAccessIssue]


def test_one_megabyte_of_text_is_read_only_at_its_start() -> None:
    text = "Hola, ¿dónde está mi pedido? " * 40_000
    started = time.perf_counter()

    guess = detect_language(text)

    assert time.perf_counter() - started < 1.0
    assert guess.language == "es"


class TestNormalise:
    def test_folds_case_and_accents_and_maps_back_to_the_original(self) -> None:
        normalised = normalise("NÃO  quero\tfalar")

        assert normalised.text == "nao quero falar"
        start = normalised.text.index("nao")
        assert normalised.evidence(start, start + 3) == "NÃO"

    def test_keeps_accents_on_request(self) -> None:
        assert normalise("Gặp GẤP", strip_accents=False).text == "gặp gấp"

    def test_folds_letters_without_a_decomposition(self) -> None:
        assert normalise("Đơn hàng straße").text == "don hang strasse"

    def test_replaces_control_characters_and_typographic_apostrophes(self) -> None:
        normalised = normalise("don\u2019t\x00\x1bstop\u200b")

        assert normalised.text == "don't stop"

    def test_caps_long_text(self) -> None:
        normalised = normalise("a" * (MAX_SCAN_CHARS + 100))

        assert len(normalised.text) == MAX_SCAN_CHARS

    def test_span_of_an_expanded_character_is_the_original_character(self) -> None:
        normalised = normalise("Straße!")

        assert normalised.original_span(0, len("strasse")) == (0, 6)
