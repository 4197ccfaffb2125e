"""Two dialogue acts after the assistant spoke, on the demo shop and on a desk that is no shop (examples/telecom),
in every supported language: a rejection of its answer ("that didn't help") is no closing and counts towards
repeated_failure; a reply to its own question ("lucia@…" after "send your e-mail", "France" after "Which
country?") continues the request and never counts as out of scope."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relevo import load_config
from relevo.agents import render_text
from relevo.desks import load_desk
from relevo.orchestrator import RunContext, SupportDesk

TELECOM = Path(__file__).parent.parent.parent / "examples" / "telecom"

# (customer, question answered from the knowledge base, its intent, first rejection, second rejection)
DEMO_REJECTIONS = {
    "en": (
        "C-1004",
        "how long does a return take?",
        "return_item",
        "that didn't help",
        "that still doesn't answer my question",
    ),
    "es": ("C-1002", "¿cuánto tarda una devolución?", "return_item", "eso no me ayuda", "sigue sin ayudarme"),
    "pt": ("C-1003", "quanto tempo demora uma devolução?", "return_item", "isso não me ajudou", "continua sem ajudar"),
    "vi": ("C-1005", "phí vận chuyển bao nhiêu?", "shipping_info", "không giúp được gì", "vẫn không được"),
}
MORE_REJECTIONS = {
    "en": ["That's not what I asked.", "still not working", "that didnt help"],
    "es": ["no es lo que pregunté", "usted no me ha ayudado", "eso no me ayudo"],
    "pt": ["não foi isso que eu perguntei", "o senhor ainda não me ajudou", "isso nao me ajudou"],
    "vi": ["không phải điều tôi hỏi", "vẫn chưa được", "khong giup duoc gi"],
}


@pytest.fixture
def telecom(tmp_path: Path, telecom_context: RunContext) -> Iterator[SupportDesk]:
    with load_desk(TELECOM, load_config()).open_with_context(tmp_path / "telecom", telecom_context) as opened:
        yield opened


def _rejected_twice(desk: SupportDesk, customer: str, question: str, first: str, second: str, language: str) -> None:
    conv = desk.start(customer_id=customer)
    desk.send(conv, question)
    rejected = desk.send(conv, first)

    signals = desk.state(conv).signals[-1]
    assert signals.rejects_previous_answer, first
    assert signals.intent not in ("deny", "affirm", "thanks_goodbye", "out_of_scope")
    assert not signals.out_of_scope
    assert rejected.mode == "ai_active" and not (rejected.escalation and rejected.escalation.fired)
    assert rejected.reply == render_text("rejected_answer", language)
    assert render_text("goodbye", language) not in (rejected.reply or "")

    again = desk.send(conv, second)
    assert desk.state(conv).signals[-1].rejects_previous_answer, second
    assert again.escalation is not None and again.escalation.fired
    assert "repeated_failure" in [reason.code for reason in again.escalation.reasons]


@pytest.mark.parametrize("language", sorted(DEMO_REJECTIONS))
def test_demo_a_rejection_is_answered_then_counted_never_closed(desk: SupportDesk, language: str) -> None:
    customer, question, _, first, second = DEMO_REJECTIONS[language]
    _rejected_twice(desk, customer, question, first, second, language)


@pytest.mark.parametrize(
    ("language", "rejection"), [(lang, line) for lang, lines in MORE_REJECTIONS.items() for line in lines]
)
def test_demo_every_form_of_rejection_keeps_the_topic(desk: SupportDesk, language: str, rejection: str) -> None:
    customer, question, topic, _, _ = DEMO_REJECTIONS[language]
    conv = desk.start(customer_id=customer)
    desk.send(conv, question)
    turn = desk.send(conv, rejection)

    signals = desk.state(conv).signals[-1]
    assert signals.rejects_previous_answer
    assert (signals.intent, signals.out_of_scope) == (topic, False)
    assert turn.reply == render_text("rejected_answer", language)


TELECOM_REJECTIONS = {
    "en": ("V-1001", "how does roaming work abroad?", "that didn't help", "that's not what I asked"),
    "es": ("V-1002", "¿cómo funciona el roaming en el extranjero?", "eso no me ayuda", "sigue sin ayudarme"),
    "pt": ("V-1003", "como funciona o roaming no estrangeiro?", "isso não me ajudou", "continua sem ajudar"),
}


@pytest.mark.parametrize("language", sorted(TELECOM_REJECTIONS))
def test_telecom_a_rejection_is_answered_then_counted_never_closed(telecom: SupportDesk, language: str) -> None:
    customer, question, first, second = TELECOM_REJECTIONS[language]
    _rejected_twice(telecom, customer, question, first, second, language)


# -- answers to the assistant's own question ----------------------------------------------------------------
# A guest asks about an order; the demo asks for the e-mail first; the answer is an e-mail, in a few words.
DEMO_ANSWERS = {
    "en": (
        "where is my order ORD-1055?",
        ["lucia.hernandez@example.com", "it's lucia.hernandez@example.com"],
        "what is the weather like today?",
    ),
    "es": (
        "¿dónde está mi pedido ORD-1055?",
        ["lucia.hernandez@example.com", "mi correo es lucia.hernandez@example.com"],
        "¿qué tiempo hace hoy?",
    ),
    "pt": (
        "onde está meu pedido ORD-1055?",
        ["lucia.hernandez@example.com", "é lucia.hernandez@example.com"],
        "como está o tempo hoje?",
    ),
    "vi": (
        "đơn hàng ORD-1055 của tôi đâu?",
        ["lucia.hernandez@example.com", "email của tôi là lucia.hernandez@example.com"],
        "thời tiết hôm nay thế nào?",
    ),
}


def _answer_then_off_topic(desk: SupportDesk, conv: str, answer: str, off_topic: str, intent: str) -> None:
    answered = desk.send(conv, answer)
    signals = desk.state(conv).signals[-1]
    assert (signals.intent, signals.out_of_scope) == (intent, False), answer
    assert signals.confidence >= 0.5
    assert answered.mode == "ai_active" and not (answered.escalation and answered.escalation.fired)

    # The answer did not count towards out_of_scope.consecutive: one off-topic message gets a redirect.
    redirected = desk.send(conv, off_topic)
    assert desk.state(conv).signals[-1].out_of_scope
    assert redirected.mode == "ai_active", redirected.escalation
    assert not (redirected.escalation and redirected.escalation.fired)


@pytest.mark.parametrize(
    ("language", "answer"), [(lang, a) for lang, (_, answers, _) in DEMO_ANSWERS.items() for a in answers]
)
def test_demo_an_answer_to_the_question_continues_the_request(desk: SupportDesk, language: str, answer: str) -> None:
    question, _, off_topic = DEMO_ANSWERS[language]
    conv = desk.start()
    desk.send(conv, question)
    _answer_then_off_topic(desk, conv, answer, off_topic, "order_status")
    assert any(call.tool == "lookup_customer" for call in desk.state(conv).tool_calls)


# The telecom desk asks "Which country are you travelling to?" before it switches roaming on.
TELECOM_ANSWERS = {
    "en": (
        "V-1001",
        "please activate roaming on my line",
        ["France", "to France", "I'm going to France"],
        "who won the football last night?",
    ),
    "es": (
        "V-1002",
        "quiero activar la itinerancia",
        ["Francia", "a Francia", "me voy a Francia"],
        "¿quién ganó el partido de fútbol anoche?",
    ),
    "pt": (
        "V-1003",
        "quero ativar o roaming",
        ["França", "para França", "vou para a França"],
        "quem ganhou o jogo de futebol ontem?",
    ),
}


@pytest.mark.parametrize(
    ("language", "answer"), [(lang, a) for lang, (_, _, answers, _) in TELECOM_ANSWERS.items() for a in answers]
)
def test_telecom_an_answer_to_the_question_continues_the_request(
    telecom: SupportDesk, language: str, answer: str
) -> None:
    customer, request, _, off_topic = TELECOM_ANSWERS[language]
    conv = telecom.start(customer_id=customer)
    asked = telecom.send(conv, request)
    assert asked.reply is not None and asked.reply.rstrip().endswith("?")
    _answer_then_off_topic(telecom, conv, answer, off_topic, "activate_roaming")
    assert any(call.tool == "activate_roaming" for call in telecom.state(conv).tool_calls)


@pytest.mark.parametrize(
    ("language", "value"), [("en", "it's 555-1234"), ("es", "es el 555-1234"), ("pt", "é o 555-1234")]
)
def test_telecom_a_value_that_is_not_the_asked_fact_is_asked_again_never_off_topic(
    telecom: SupportDesk, language: str, value: str
) -> None:
    customer, request, answers, _ = TELECOM_ANSWERS[language]
    conv = telecom.start(customer_id=customer)
    question = telecom.send(conv, request).reply or ""
    again = telecom.send(conv, value)

    signals = telecom.state(conv).signals[-1]
    assert (signals.intent, signals.out_of_scope) == ("activate_roaming", False)
    assert again.reply == render_text("ask_again", language, question=question)
    done = telecom.send(conv, answers[0])
    assert done.mode == "ai_active", done.escalation
    assert any(call.tool == "activate_roaming" for call in telecom.state(conv).tool_calls)


@pytest.mark.parametrize(("language", "closing"), [("en", "no"), ("es", "no"), ("pt", "não"), ("vi", "không")])
def test_a_plain_no_to_the_question_is_still_a_no(desk: SupportDesk, language: str, closing: str) -> None:
    question, _, _ = DEMO_ANSWERS[language]
    conv = desk.start()
    desk.send(conv, question)
    desk.send(conv, closing)

    assert desk.state(conv).signals[-1].intent == "deny"


# Two questions of one intent, then "that didn't help": the apology, never loop_detected (a rejection is the
# repeated_failure rule's to count, not a third asking of the intent).
FOLLOW_UPS = {
    "en": ("C-1006", "How many days do I have to return an item?", "and can I return an opened item?"),
    "es": ("C-1002", "¿cuántos días tengo para devolver un producto?", "¿y puedo devolver un producto abierto?"),
    "pt": ("C-1003", "quantos dias tenho para devolver um produto?", "e posso devolver um produto aberto?"),
    "vi": ("C-1005", "tôi có bao nhiêu ngày để đổi trả sản phẩm?", "sản phẩm đã mở hộp có đổi trả được không?"),
}


@pytest.mark.parametrize("language", sorted(FOLLOW_UPS))
def test_a_rejection_after_two_questions_of_one_topic_is_no_loop(desk: SupportDesk, language: str) -> None:
    customer, question, follow_up = FOLLOW_UPS[language]
    conv = desk.start(customer_id=customer)
    desk.send(conv, question)
    desk.send(conv, follow_up)
    rejected = desk.send(conv, DEMO_REJECTIONS[language][3])

    assert rejected.mode == "ai_active", rejected.escalation
    assert rejected.reply == render_text("rejected_answer", language)
