"""Lexicon sentiment across languages: neutral questions stay neutral, frustration shows, negation flips."""

from __future__ import annotations

import time

import pytest

from relevo._errors import ConfigurationError
from relevo.models.offline._sentiment import (
    SentimentReading,
    _compile,  # pyright: ignore[reportPrivateUsage]
    _SentimentLanguage,  # pyright: ignore[reportPrivateUsage]
    score_sentiment,
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("where is my order?", "en"),
        ("Hello, I would like to know the status of my refund", "en"),
        ("Good morning, what's the best way to return an item?", "en"),
        ("What kind of warranty do you offer?", "en"),
        ("¿Dónde está mi pedido?", "es"),
        ("Buenas tardes, quiero cambiar la dirección de envío", "es"),
        ("Cadê meu pedido?", "pt"),
        ("Quando chega meu pedido?", "pt"),
        ("Bom dia, quero trocar o endereço", "pt"),
        ("Đơn hàng của tôi đâu rồi?", "vi"),
        ("Giao hàng mất bao lâu?", "vi"),
        ("Wo ist meine Bestellung?", "de"),
        ("Où est ma commande ?", "fr"),
    ],
)
def test_a_plain_support_question_is_neutral(text: str, language: str) -> None:
    reading = score_sentiment(text, language)

    assert abs(reading.score) < 0.05
    assert reading.evidence == []


@pytest.mark.parametrize(
    ("text", "language", "cue"),
    [
        ("This is ridiculous", "en", "This is ridiculous"),
        ("This is the third time I ask about this", "en", "third time I ask"),
        ("I'm fed up with your service", "en", "fed up"),
        ("Estoy harto de esperar", "es", "Estoy harto"),
        ("¡Qué absurdo!", "es", "Qué absurdo"),
        ("Pésimo servicio", "es", "Pésimo"),
        ("Tô cansado disso", "pt", "Tô cansado"),
        ("Que palhaçada, vocês são uns ladrões", "pt", "Que palhaçada"),
        ("Thật tệ", "vi", "Thật tệ"),
        ("Tôi rất thất vọng", "vi", "rất thất vọng"),
        ("C'est inadmissible", "fr", "inadmissible"),
        ("Das ist eine Frechheit", "de", "eine Frechheit"),
    ],
)
def test_frustration_is_negative_and_cited_as_written(text: str, language: str, cue: str) -> None:
    reading = score_sentiment(text, language)

    assert reading.score < -0.4
    assert cue in reading.evidence


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thank you so much, great service!", "en"),
        ("Muchas gracias, excelente atención", "es"),
        ("Muito obrigado, vocês são ótimos", "pt"),
        ("Cảm ơn shop, tuyệt vời", "vi"),
        ("Merci beaucoup, parfait", "fr"),
        ("Vielen Dank, super", "de"),
    ],
)
def test_thanks_and_praise_are_positive(text: str, language: str) -> None:
    assert score_sentiment(text, language).score > 0.4


class TestNegation:
    def test_a_negated_praise_is_negative(self) -> None:
        reading = score_sentiment("That was not helpful", "en")

        assert reading.score < -0.3
        assert reading.evidence == ["not helpful"]

    def test_a_negated_complaint_is_mildly_positive(self) -> None:
        reading = score_sentiment("not bad", "en")

        assert 0 < reading.score < 0.5

    @pytest.mark.parametrize(
        ("text", "language"),
        [("I'm not happy with this", "en"), ("No me gusta nada", "es"), ("Não estou satisfeito", "pt"),
         ("Tôi không hài lòng", "vi"), ("I don't like it", "en")],
    )  # fmt: skip
    def test_negation_flips_in_every_language(self, text: str, language: str) -> None:
        assert score_sentiment(text, language).score < -0.2

    def test_negation_does_not_cross_a_clause(self) -> None:
        reading = score_sentiment("It did not arrive on time, but the support was great", "en")

        assert reading.score > 0

    def test_negation_reaches_only_three_words_back(self) -> None:
        far = score_sentiment("I never thought it would be this great", "en")

        assert far.score > 0


class TestIntensity:
    def test_an_intensifier_strengthens_the_cue(self) -> None:
        assert score_sentiment("very bad", "en").score < score_sentiment("bad", "en").score

    def test_a_shouted_cue_counts_more(self) -> None:
        assert score_sentiment("this is TERRIBLE", "en").score < score_sentiment("this is terrible", "en").score

    def test_a_shouted_message_is_negative_even_without_cues(self) -> None:
        reading = score_sentiment("WHERE IS MY ORDER", "en")

        assert reading.score < -0.2
        assert reading.evidence == ["ALL CAPS"]

    def test_repeated_exclamation_marks_push_away_from_neutral(self) -> None:
        calm = score_sentiment("this is useless", "en")
        loud = score_sentiment("this is useless!!!", "en")

        assert loud.score < calm.score
        assert "!!!" in loud.evidence

    def test_profanity_is_negative(self) -> None:
        assert score_sentiment("wtf is this shit", "en").score < -0.6
        assert score_sentiment("que mierda", "es").score < -0.4

    def test_many_cues_stay_within_bounds(self) -> None:
        assert score_sentiment("terrible " * 5_000, "en").score >= -1.0
        assert score_sentiment("excellent " * 5_000, "en").score <= 1.0


class TestEmojiAndEdges:
    def test_angry_emoji_alone_are_negative_but_only_a_tone(self) -> None:
        reading = score_sentiment("😡😡", "und")

        # Faces together weigh as much as a bare "!!!": negative, short of the sentiment_trend level (-0.25).
        assert -0.25 < reading.score < 0
        assert reading.evidence == ["😡", "😡"]

    def test_a_thumbs_up_is_positive_even_against_a_word(self) -> None:
        reading = score_sentiment("thanks👍", "en")

        assert reading.score > 0.4
        assert reading.evidence == ["thanks", "👍"]

    def test_repeated_question_marks_read_as_impatience(self) -> None:
        assert score_sentiment("where is my order???", "en").score < 0

    @pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "12345"])
    def test_empty_or_meaningless_text_is_neutral(self, text: str) -> None:
        assert score_sentiment(text, "en") == SentimentReading(score=0.0, evidence=[])

    def test_control_characters_do_not_hide_a_cue(self) -> None:
        reading = score_sentiment("this is\x00 ridi\u200bculous", "en")

        assert reading.score < -0.4

    def test_an_unknown_language_uses_every_lexicon(self) -> None:
        assert score_sentiment("estoy harto", "xx").score < -0.4

    def test_a_regional_language_tag_uses_its_language(self) -> None:
        assert score_sentiment("tô cansado", "pt-BR").score < -0.4

    def test_one_megabyte_runs_well_under_a_second(self) -> None:
        text = "not good at all, this is ridiculous!!! where is my order " * 18_000
        started = time.perf_counter()

        reading = score_sentiment(text, "en")

        assert time.perf_counter() - started < 1.0
        assert reading.score < -0.9


def test_a_lexicon_cue_with_a_capturing_group_is_a_configuration_error() -> None:
    broken = _SentimentLanguage(cues={"(bad|awful)": -2.0})

    with pytest.raises(ConfigurationError, match="capturing group"):
        _compile("en", broken)
