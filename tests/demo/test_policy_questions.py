"""Policy questions (how long, how much, which ways) are recognised and answered from the knowledge base in
every language the demo desk speaks, Vietnamese included (its catalog once had a few examples per intent, and
"how many days do I have to return it?" read as out of scope). The phrasings are held out: none is a
catalog example."""

from __future__ import annotations

import pytest

from relevo.demo import load_articles, load_intent_catalog
from relevo.orchestrator import SupportDesk

# (intent, knowledge-base topic, the question in en, es, pt, vi)
QUESTIONS: list[tuple[str, str, dict[str, str]]] = [
    (
        "return_item",
        "returns",
        {
            "en": "within how many days can I send something back?",
            "es": "¿en cuántos días puedo devolver una compra?",
            "pt": "em quantos dias posso devolver uma compra?",
            "vi": "tôi được trả hàng trong vòng bao nhiêu ngày?",
        },
    ),
    (
        "return_item",
        "returns",
        {
            "en": "do I pay for return shipping?",
            "es": "¿tengo que pagar el envío de la devolución?",
            "pt": "tenho de pagar o envio da devolução?",
            "vi": "gửi trả hàng có mất phí không?",
        },
    ),
    (
        "refund_request",
        "returns",
        {
            "en": "how many days until a refund reaches my card?",
            "es": "¿cuántos días tarda en llegar el reembolso a la tarjeta?",
            "pt": "quantos dias demora o reembolso a chegar ao cartão?",
            "vi": "bao nhiêu ngày thì tiền hoàn về thẻ?",
        },
    ),
    (
        "warranty_claim",
        "warranty",
        {
            "en": "how many years of warranty do products have?",
            "es": "¿cuántos años de garantía tienen los productos?",
            "pt": "quantos anos de garantia têm os produtos?",
            "vi": "sản phẩm được bảo hành mấy năm?",
        },
    ),
    (
        "payment_issue",
        "payments",
        {
            "en": "which payment methods can I use?",
            "es": "¿qué formas de pago puedo usar?",
            "pt": "que formas de pagamento posso usar?",
            "vi": "tôi có thể dùng những hình thức thanh toán nào?",
        },
    ),
    (
        "payment_issue",
        "payments",
        {
            "en": "where can I download my invoice?",
            "es": "¿dónde descargo mi factura?",
            "pt": "onde descarrego a minha fatura?",
            "vi": "tôi tải hóa đơn ở đâu?",
        },
    ),
    (
        "shipping_info",
        "shipping",
        {
            "en": "what does delivery cost?",
            "es": "¿qué cuesta la entrega?",
            "pt": "quanto custa a entrega?",
            "vi": "giao hàng tốn bao nhiêu tiền?",
        },
    ),
]
CASES = [(intent, topic, lang, text) for intent, topic, by in QUESTIONS for lang, text in by.items()]


def test_the_questions_are_held_out() -> None:
    taught = {
        example.casefold()
        for intent in load_intent_catalog().intents
        for examples in intent.examples.values()
        for example in examples
    }
    assert [text for *_, text in CASES if text.casefold() in taught] == []


@pytest.mark.parametrize(("intent", "topic", "language", "text"), CASES, ids=[f"{c[2]}-{c[3]}" for c in CASES])
def test_a_policy_question_is_recognised_and_answered_from_the_knowledge_base(
    desk: SupportDesk, intent: str, topic: str, language: str, text: str
) -> None:
    conv = desk.start(customer_id="C-1004")
    turn = desk.send(conv, text)

    signals = desk.state(conv).signals[-1]
    assert (signals.intent, signals.out_of_scope) == (intent, False), signals.confidence
    assert turn.mode == "ai_active", turn.escalation
    topics = {article.id: article.topic for article in load_articles()}
    assert [a for a in turn.grounding if topics.get(a) == topic], (turn.grounding, turn.reply)
