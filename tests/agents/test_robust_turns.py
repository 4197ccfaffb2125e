"""Whole turns on the demo desk: closings after "anything else?", declined humans, short guest messages,
vague questions and passages that end on a colon, in every supported language."""

from __future__ import annotations

import pytest

from relevo.agents import render_text
from relevo.orchestrator import SupportDesk

SHIPPING = {
    "en": "how much does shipping cost?",
    "es": "¿cuánto cuesta el envío?",
    "pt": "quanto custa o frete?",
    "vi": "phí vận chuyển bao nhiêu?",
}
CLOSINGS = {
    "en": ["no", "no thank you", "no, that's all", "nope", "ok", "that's all"],
    "es": ["no", "no, gracias", "no, eso es todo", "vale", "nada más"],
    "pt": ["não", "não, obrigado", "é só isso", "beleza", "ok"],
    "vi": ["không", "không, cảm ơn", "vậy thôi", "ok"],
}


@pytest.mark.parametrize(("language", "closing"), [(lang, line) for lang, lines in CLOSINGS.items() for line in lines])
def test_closing_twice_after_an_answer_says_goodbye_never_loops(desk: SupportDesk, language: str, closing: str) -> None:
    conv = desk.start(customer_id="C-1004")
    desk.send(conv, SHIPPING[language])
    replies = [desk.send(conv, closing) for _ in range(3)]

    assert all(turn.mode == "ai_active" and turn.actor == "ai" for turn in replies), [t.reply for t in replies]
    asked = render_text("anything_else", language)
    assert sum(asked in (turn.reply or "") for turn in replies) <= 1, "never a second 'anything else?'"
    assert replies[-1].reply in (render_text("goodbye", language), render_text("thanks", language))
    assert not any(turn.escalation and turn.escalation.fired for turn in replies)


@pytest.mark.parametrize(
    ("customer", "text", "expected"),
    [
        ("C-1004", "I never asked to talk to a human, I asked about my refund", "refund"),
        ("C-1004", "I don't need a human, just tell me how long a return takes", "days"),
        ("C-1001", "I don't want to talk to a human, just tell me where my order is", "ORD-1042"),
        ("C-1002", "no necesito un humano, solo dime dónde está mi pedido", "ORD-"),
        ("C-1003", "não preciso de um atendente, só me diz onde está meu pedido", "ORD-"),
        ("C-1004", "tôi không cần nhân viên, chỉ cần cho biết phí vận chuyển bao nhiêu", "€"),
    ],
)
def test_a_declined_human_gets_the_rest_of_the_sentence_answered(
    desk: SupportDesk, customer: str, text: str, expected: str
) -> None:
    conv = desk.start(customer_id=customer)
    turn = desk.send(conv, text)

    assert turn.mode == "ai_active", turn.escalation
    signals = desk.state(conv).signals[-1]
    assert not signals.explicit_human_request
    assert signals.intent not in ("human_agent", "out_of_scope")
    assert turn.reply is not None and expected in turn.reply
    assert render_text("anything_else", signals.language) != turn.reply


@pytest.mark.parametrize(
    ("text", "language"), [("mi factura", "es"), ("me cobraron de más", "es"), ("minha fatura", "pt")]
)
def test_a_guest_is_answered_in_the_language_of_a_short_first_message(
    desk: SupportDesk, text: str, language: str
) -> None:
    conv = desk.start()
    desk.send(conv, text)

    state = desk.state(conv)
    assert state.language == language
    assert state.messages[-1].language == language


def test_an_ambiguous_short_message_keeps_the_conversation_language(desk: SupportDesk) -> None:
    conv = desk.start()
    desk.send(conv, "¿cuánto cuesta el envío?")
    for line in ("ok", "ORD-1042", "email", "👍"):
        desk.send(conv, line)
        assert desk.state(conv).language == "es", line


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("I have a question about the thing", "you know, the thing from before, with the stuff"),
        ("tengo una duda sobre lo de antes", "sabes, eso de antes, la cosa"),
        ("tenho uma dúvida sobre aquela coisa", "sabe, aquele lance de antes"),
        ("tôi có câu hỏi về cái đó", "cái đó, cái hôm trước"),
    ],
)
def test_vague_messages_are_not_understood_then_handed_off(desk: SupportDesk, first: str, second: str) -> None:
    conv = desk.start(customer_id="C-1008")
    turn = desk.send(conv, first)
    assert turn.mode == "ai_active"
    assert not desk.state(conv).signals[-1].out_of_scope
    turn = desk.send(conv, second)

    assert turn.escalation is not None and turn.escalation.fired
    assert [r.code for r in turn.escalation.reasons] == ["low_confidence"]


@pytest.mark.parametrize(
    ("text", "customer"),
    [
        ("what are your opening hours?", "C-1004"),
        ("¿cuál es vuestro horario de atención?", "C-1002"),
        ("qual é o horário de atendimento?", "C-1003"),
    ],
)
def test_a_knowledge_answer_never_ends_on_a_colon(desk: SupportDesk, text: str, customer: str) -> None:
    conv = desk.start(customer_id=customer)
    turn = desk.send(conv, text)

    assert turn.reply is not None
    passage = turn.reply.split("\n(")[0]
    assert not passage.rstrip().endswith(":"), turn.reply
