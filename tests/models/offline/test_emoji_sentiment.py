"""Emoji and emoticons carry sentiment in every language, the same way; a negator never flips a face."""

from __future__ import annotations

import pytest

from relevo.models.offline import score_sentiment

# The same complaint in four languages, bare, with a crying face, with a sad face and with an emoticon.
COMPLAINTS = {
    "en": "my order didn't arrive",
    "es": "mi pedido no llegó",
    "pt": "meu pedido não chegou",
    "vi": "đơn hàng của tôi chưa tới",
}


@pytest.mark.parametrize("suffix", ["", " 😭", " 😞", " :(", "😢"])
def test_the_same_complaint_scores_the_same_sign_in_every_language(suffix: str) -> None:
    scores = {lang: score_sentiment(text + suffix, lang).score for lang, text in COMPLAINTS.items()}

    assert all(score < 0 for score in scores.values()), scores
    assert max(scores.values()) - min(scores.values()) < 0.05, scores


@pytest.mark.parametrize("language", ["en", "es", "pt", "vi"])
def test_a_sad_face_does_not_turn_a_complaint_into_an_outburst(language: str) -> None:
    # The negative-sentiment rule fires at -0.6: a sad face alone must not push a plain complaint past it.
    assert score_sentiment(COMPLAINTS[language] + " 😞", language).score > -0.6


@pytest.mark.parametrize(
    ("text", "language"),
    [("it didn't arrive 😭", "en"), ("no llegó 😭", "es"), ("não chegou 😭", "pt"), ("không nhận được hàng 😭", "vi")],
)
def test_a_negation_before_a_face_does_not_flip_it(text: str, language: str) -> None:
    assert score_sentiment(text, language).score < 0


@pytest.mark.parametrize(
    ("text", "language"),
    [("thanks 😊", "en"), ("gracias 🙏", "es"), ("obrigado ❤️", "pt"), ("cảm ơn 👍🏽", "vi"), ("great :)", "en")],
)
def test_happy_faces_are_positive_everywhere(text: str, language: str) -> None:
    assert score_sentiment(text, language).score > 0.3


@pytest.mark.parametrize("language", ["en", "es", "pt", "vi", "und"])
def test_an_angry_face_alone_is_negative_in_any_language(language: str) -> None:
    assert score_sentiment("😡", language).score < 0


@pytest.mark.parametrize(
    ("text", "language"),
    [("no thank you", "en"), ("no, gracias", "es"), ("não, obrigado", "pt"), ("không, cảm ơn", "vi")],
)
def test_a_polite_no_is_not_negative(text: str, language: str) -> None:
    assert score_sentiment(text, language).score >= 0
