"""Vague messages name no topic: not understood, never out of scope."""

from __future__ import annotations

import pytest

from relevo.models.offline import names_no_topic


@pytest.mark.parametrize(
    "text",
    [
        "I have a question about the thing",
        "you know, the thing from before, with the stuff",
        "tengo una duda sobre lo de antes",
        "tenho uma dúvida sobre aquela coisa",
        "tôi có câu hỏi về cái đó",
    ],
)
def test_placeholder_words_only_name_no_topic(text: str) -> None:
    assert names_no_topic(text)


@pytest.mark.parametrize(
    "text",
    [
        "I have a question about my refund",
        "where is my order",
        "tengo una duda sobre la factura",
        "tenho uma dúvida sobre o frete",
        "tôi có câu hỏi về hoàn tiền",
        "ok",
    ],
)
def test_a_message_naming_something_is_specific(text: str) -> None:
    assert not names_no_topic(text)
