"""Closing and acknowledging acts: whole messages that only say "no", "ok" or "that's all"."""

from __future__ import annotations

import pytest

from relevo.models.offline import detect_dialogue_act

ACTS = [
    # decline
    ("no", "en", "decline"),
    ("nope", "en", "decline"),
    ("no thank you", "en", "decline"),
    ("No, thanks!", "en", "decline"),
    ("no gracias", "es", "decline"),
    ("no, muchas gracias 🙂", "es", "decline"),
    ("não, obrigado", "pt", "decline"),
    ("nao obrigada", "pt", "decline"),
    ("không, cảm ơn", "vi", "decline"),
    ("không cần đâu", "vi", "decline"),
    # acknowledge
    ("ok", "en", "acknowledge"),
    ("okay 👍", "en", "acknowledge"),
    ("got it, thanks", "en", "acknowledge"),
    ("vale", "es", "acknowledge"),
    ("ok, perfecto", "es", "acknowledge"),
    ("beleza", "pt", "acknowledge"),
    ("tá bom", "pt", "acknowledge"),
    ("ok ạ", "vi", "acknowledge"),
    ("dạ được rồi", "vi", "acknowledge"),
    # close
    ("that's all", "en", "close"),
    ("no, that's all, thanks", "en", "close"),
    ("nothing else", "en", "close"),
    ("eso es todo", "es", "close"),
    ("no, nada más, gracias", "es", "close"),
    ("é só isso", "pt", "close"),
    ("não, mais nada", "pt", "close"),
    ("vậy thôi", "vi", "close"),
    ("không, hết rồi", "vi", "close"),
]


@pytest.mark.parametrize(("text", "language", "act"), ACTS)
def test_closing_acts_are_recognised_in_every_language(text: str, language: str, act: str) -> None:
    assert detect_dialogue_act(text, language) == act


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("no, I want a refund", "en"),
        ("ok where is my order", "en"),
        ("no funciona el enlace", "es"),
        ("não chegou", "pt"),
        ("không nhận được hàng", "vi"),
        ("that's all wrong", "en"),
    ],
)
def test_a_message_with_a_request_is_no_closing_act(text: str, language: str) -> None:
    assert detect_dialogue_act(text, language) is None
