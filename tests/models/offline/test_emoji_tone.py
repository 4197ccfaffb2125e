"""Faces set the tone of a message, never its content: the same sign in every language, no handoff of their own,
and what only looks like an emoticon (a URL, "(2):", "tel:(11)") is no face."""

from __future__ import annotations

import pytest

from relevo.models.offline import score_sentiment
from relevo.orchestrator import SupportDesk

TREND_LEVEL = -0.25
"""The default sentiment_trend level: a message above it never fires the trend rule (negative_sentiment: -0.6)."""

QUESTIONS = {
    "en": "how long does a refund take?",
    "es": "¿cuánto tarda un reembolso?",
    "pt": "quanto tempo demora o reembolso?",
    "vi": "hoàn tiền mất bao lâu?",
}
COMPLAINTS = {
    "en": "my package still hasn't arrived",
    "es": "mi paquete todavía no ha llegado",
    "pt": "meu pacote ainda não chegou",
    "vi": "gói hàng của tôi vẫn chưa đến",
}
SAD = [
    " 😭",
    "😭😭😭",
    " 😡😡😡😡😡",
    " 🙄",
    " 💔",
    " 👎🏽",
    " :(",
    " :'-(",
    " >:(",
    " D:",
    " 🤦‍♀️",
    " 😮‍💨",
    " T_T",
    " huhu",
]
HAPPY = [" 😊", " 🙏🏻", " 👍🏿", " ❤️", " :)", " ^^", " ♥"]


@pytest.mark.parametrize("face", SAD)
@pytest.mark.parametrize("language", list(QUESTIONS))
def test_a_sad_or_angry_face_on_a_plain_question_is_tone_not_a_complaint(language: str, face: str) -> None:
    reading = score_sentiment(QUESTIONS[language] + face, language)

    assert TREND_LEVEL < reading.score < 0, reading


@pytest.mark.parametrize("face", HAPPY)
def test_a_smile_on_a_complaint_softens_it_never_turns_it_positive(face: str) -> None:
    scores = {lang: score_sentiment(text + face, lang).score for lang, text in COMPLAINTS.items()}
    bare = {lang: score_sentiment(text, lang).score for lang, text in COMPLAINTS.items()}

    assert all(score < 0 for score in scores.values()), scores
    assert all(scores[lang] >= bare[lang] for lang in COMPLAINTS), (scores, bare)


@pytest.mark.parametrize(
    ("text", "language"),
    [("chegou😞", "pt"), ("llegó😡", "es"), ("arrived😭", "en"), ("chưa tới😤", "vi"), ("thanks:)", "en")],
)
def test_a_face_glued_to_a_word_is_read(text: str, language: str) -> None:
    assert score_sentiment(text, language).evidence, text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("can you check https://shop.example/orders/1042 please", "en"),
        ("mira el enlace http://tienda.example/a", "es"),
        ("the items (2): lamp and kettle", "en"),
        ("meu telefone:(11) 99999-9999", "pt"),
        ("el precio es <30 euros", "es"),
        ("the file is at C:\\Users\\me\\invoice.pdf", "en"),
        ("đơn (DH-1042): khi nào giao", "vi"),
    ],
)
def test_what_only_looks_like_an_emoticon_is_no_face(text: str, language: str) -> None:
    assert score_sentiment(text, language).score == 0.0, score_sentiment(text, language)


GREETINGS = {"en": "hi", "es": "hola", "pt": "oi", "vi": "xin chào"}


@pytest.mark.parametrize("face", [" 😭", " 😭😭😭", " 🙄", " :("])
@pytest.mark.parametrize("language", list(QUESTIONS))
def test_a_face_never_hands_a_plain_question_off(desk: SupportDesk, language: str, face: str) -> None:
    conv = desk.start(customer_id="C-1004")
    desk.send(conv, GREETINGS[language])
    turn = desk.send(conv, QUESTIONS[language] + face)

    assert turn.mode == "ai_active", turn.escalation
    assert desk.state(conv).signals[-1].language == language
