"""Knowledge-base answers pick the whole passage that answers the question and never repeat one: a question about
the ways to do something gets the list, a follow-up about one item gets the next relevant passage, in every
supported language."""

from __future__ import annotations

import pytest

from relevo.agents import KnowledgeBase
from relevo.contracts import Article
from relevo.models.offline import passage_units, segment_passages
from relevo.orchestrator import SupportDesk, default_embedder

LIST_QUESTIONS = [
    ("en", "what payment methods do you accept?", "We accept the following payment methods:"),
    ("en", "which ways can I pay?", "We accept the following payment methods:"),
    ("es", "¿qué formas de pago aceptan?", "Aceptamos los siguientes métodos de pago:"),
    ("es", "¿cuáles son los métodos de pago?", "Aceptamos los siguientes métodos de pago:"),
    ("pt", "Olá, quais são as formas de pagamento?", "Aceitamos os seguintes métodos de pagamento:"),
    ("pt", "quais métodos de pagamento vocês aceitam?", "Aceitamos os seguintes métodos de pagamento:"),
    ("vi", "bạn chấp nhận những phương thức thanh toán nào?", "Chúng tôi chấp nhận các phương thức thanh toán sau:"),
    ("en", "how much does shipping cost?", "- Portugal and Spain: standard shipping"),
    ("es", "¿cuánto cuesta el envío?", "- Portugal y España"),
    ("en", "what are your opening hours?", "Our customer service team is available:"),
]


@pytest.mark.parametrize(("language", "question", "lead"), LIST_QUESTIONS)
def test_a_question_about_the_options_gets_the_whole_list(
    desk: SupportDesk, language: str, question: str, lead: str
) -> None:
    conv = desk.start()
    turn = desk.send(conv, question)

    assert turn.mode == "ai_active", turn.escalation
    assert turn.reply is not None and lead in turn.reply, turn.reply
    assert desk.state(conv).language == language


FOLLOW_UPS = [
    ("en", "what payment methods do you accept?", "can I pay by bank transfer?"),
    ("en", "which ways can I pay?", "do you take Apple Pay?"),
    ("es", "¿qué formas de pago aceptan?", "¿puedo pagar con Bizum?"),
    ("pt", "Olá, quais são as formas de pagamento?", "posso pagar com boleto?"),
    ("vi", "bạn chấp nhận những phương thức thanh toán nào?", "tôi có thể thanh toán bằng PayPal không?"),
    ("en", "what are your opening hours?", "are you open on Sundays?"),
]


@pytest.mark.parametrize(("language", "question", "follow_up"), FOLLOW_UPS)
def test_a_follow_up_about_one_item_gets_a_new_passage_never_a_loop(
    desk: SupportDesk, language: str, question: str, follow_up: str
) -> None:
    conv = desk.start()
    first = desk.send(conv, question)
    second = desk.send(conv, follow_up)

    assert second.mode == "ai_active" and not (second.escalation and second.escalation.fired), second.escalation
    assert first.reply and second.reply and second.reply != first.reply
    passage = second.reply.split("\n(")[0]
    assert passage not in first.reply, "the follow-up repeats the passage already said"
    assert desk.state(conv).attempts[-1].action == "kb_answer"
    assert desk.state(conv).language == language


BODY = """We accept these cards:

- Visa
- Mastercard

Prices are in euros and include VAT.

We do not offer cash on delivery."""


def _knowledge() -> KnowledgeBase:
    article = Article(id="KB-T", title="Paying", language="en", topic="payments", body=BODY)
    return KnowledgeBase(default_embedder(), [article])


def test_a_passage_already_said_gives_way_to_the_next_relevant_one() -> None:
    kb = _knowledge()
    question = "which cards can I pay with?"
    first = kb.answer(question, language="en", min_score=0.75)
    assert first is not None and first.passage.startswith("We accept these cards:")

    said = [f"{first.passage}\n(From our help article “Paying”, KB-T.)"]
    second = kb.answer(question, language="en", min_score=0.75, said=said)

    assert second is not None and second.passage != first.passage
    assert second.score >= 0.75


def test_with_nothing_relevant_left_unsaid_the_best_passage_comes_again() -> None:
    kb = _knowledge()
    question = "which cards can I pay with?"
    said = [text for _, text in segment_passages(BODY)]

    again = kb.answer(question, language="en", min_score=0.75, said=said)
    assert again is not None and again.passage.startswith("We accept these cards:")
    # Above every score of this knowledge base nothing is relevant, said or not.
    assert kb.answer(question, language="en", min_score=0.99, said=said) is None


def test_a_list_keeps_the_paragraph_that_introduces_it_and_splits_into_items() -> None:
    body = "Costs depend on the destination.\n\n- Portugal: 4.99\n- Spain: 5.99\n\nEvery parcel is tracked."
    passages = [text for _, text in segment_passages(body)]

    assert passages == ["Costs depend on the destination.\n- Portugal: 4.99\n- Spain: 5.99", "Every parcel is tracked."]
    assert passage_units(passages[0]) == ["Costs depend on the destination.", "Portugal: 4.99", "Spain: 5.99"]
    assert passage_units("One. Two? Three!") == ["One.", "Two?", "Three!"]
