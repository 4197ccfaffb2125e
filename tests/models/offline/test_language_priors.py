"""Language identification with priors: the conversation's language, the desk's languages and vocabulary."""

from __future__ import annotations

import pytest

from relevo.models.offline import detect_language, language_vocabulary

VOCABULARY = language_vocabulary(
    [
        ("es", "quiero ver mi factura"),
        ("es", "me cobraron dos veces"),
        ("pt", "quero ver a minha fatura"),
        ("en", "I want to see my invoice"),
        ("vi", "tôi muốn xem hóa đơn"),
    ]
)


@pytest.mark.parametrize(
    ("text", "language"),
    [("mi factura", "es"), ("me cobraron de más", "es"), ("minha fatura", "pt"), ("hóa đơn của tôi", "vi")],
)
def test_a_short_first_message_without_a_prior_is_read_from_its_words(text: str, language: str) -> None:
    assert detect_language(text, vocabulary=VOCABULARY, languages=["en", "es", "pt", "vi"]).language == language


def test_desk_words_the_lexicon_does_not_know_count() -> None:
    assert detect_language("factura", vocabulary=VOCABULARY).language == "es"
    assert detect_language("factura").language == "und"


@pytest.mark.parametrize("established", ["es", "pt", "vi", "en"])
@pytest.mark.parametrize("text", ["ok", "no", "👍", "ORD-1042", "pedido", "email"])
def test_one_ambiguous_short_message_never_flips_the_conversation(established: str, text: str) -> None:
    assert detect_language(text, hint=established, vocabulary=VOCABULARY).language == established


def test_languages_the_desk_does_not_speak_are_not_guessed() -> None:
    # "me cobraron de más" has French and Portuguese look-alike words; only the desk's languages compete.
    assert detect_language("me cobraron de más", languages=["en", "es"]).language == "es"
    assert detect_language("merci beaucoup", languages=["en", "es", "pt", "vi"]).language == "und"
