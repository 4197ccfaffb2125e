"""While a conversation waits for a human, the customer's first message gets one holding reply in their language."""

from __future__ import annotations

import pytest

from relevo.contracts import AIMessage
from relevo.orchestrator import SupportDesk

ASK_FOR_PERSON = {
    "en": ("I want to talk to a person please", "Hello? Anyone there?", "I'm still waiting"),
    "es": ("Quiero hablar con una persona, por favor", "¿Hola? ¿Hay alguien?", "Sigo esperando"),
    "pt": ("Quero falar com uma pessoa, por favor", "Olá? Tem alguém aí?", "Ainda estou esperando"),
    "vi": ("Tôi muốn nói chuyện với nhân viên", "Alo? Có ai không?", "Tôi vẫn đang chờ"),
}


@pytest.mark.parametrize("language", sorted(ASK_FOR_PERSON))
def test_first_message_of_each_wait_gets_one_holding_reply(desk: SupportDesk, language: str) -> None:
    ask, first, second = ASK_FOR_PERSON[language]
    holding = desk.context.texts.render("holding", language)
    conv = desk.start(customer_id=None, channel="web")
    assert desk.send(conv, ask).mode == "pending_human"
    got = desk.send(conv, first)
    assert (got.mode, got.reply) == ("pending_human", holding), "the first message after the handoff is acknowledged"
    again = desk.send(conv, second)
    assert (again.mode, again.reply) == ("pending_human", None), "one holding reply per wait, not one per message"
    kept = [m.text for m in desk.state(conv).messages if not isinstance(m, AIMessage)]
    assert first in kept and second in kept, "every message is kept for the human"

    desk.takeover(conv, "Ana")
    desk.hand_back(conv, "")
    assert desk.send(conv, ask).mode == "pending_human"
    assert desk.send(conv, first).reply == holding, "a new wait gets its own holding reply"
