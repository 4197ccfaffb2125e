"""An ordinary question the desk's articles answer is in scope even when no intent example says it, in every
supported language; off-topic questions stay out of scope (the bar is calibrated on the catalog's own
out-of-scope examples)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from relevo.agents import OfflineTriage
from relevo.contracts import ConversationState, CustomerMessage, CustomerRef, Signals
from relevo.desks import load_desk
from relevo.orchestrator import RunContext

DENTAL = Path(__file__).parent / "dental_desk"


@pytest.fixture(scope="module")
def dental_context() -> RunContext:
    """A small dental desk (en/es/pt/vi) made with relevo init, fitted once for this module."""
    return load_desk(DENTAL).context()


def _assess(context: RunContext, text: str) -> Signals:
    triage = context.agents.triage
    assert isinstance(triage, OfflineTriage)
    language = triage.detect_language(text, None)
    state = ConversationState(conversation_id="scope", customer=CustomerRef(id="guest"))
    message = CustomerMessage(id="m-1", at=datetime(2026, 1, 1, tzinfo=UTC), text=text, language=language)
    return triage.assess(state, message)


TELECOM_IN_SCOPE = [
    ("en", "can I pay by bank transfer?", "billing_question"),
    ("es", "¿puedo pagar con transferencia?", "billing_question"),
    ("pt", "posso pagar por transferência bancária?", "billing_question"),
]
DENTAL_IN_SCOPE = [
    ("es", "¿trabajáis con Adeslas?", "insurance"),
    ("vi", "lễ tân làm việc khi nào?", "opening_hours"),
]
OFF_TOPIC = [
    ("en", "how do I fix my car?"),
    ("en", "can you order a pizza for me?"),
    ("es", "¿qué tiempo hace hoy?"),
    ("es", "¿me ayudas con mis deberes?"),
    ("pt", "quero comprar um carro"),
    ("pt", "como faço arroz?"),
    ("vi", "thời tiết hôm nay thế nào?"),
    ("vi", "kể chuyện cười đi"),
]


@pytest.mark.parametrize(("language", "text", "intent"), TELECOM_IN_SCOPE)
def test_a_question_an_article_answers_is_in_scope_on_the_telecom_desk(
    telecom_context: RunContext, language: str, text: str, intent: str
) -> None:
    signals = _assess(telecom_context, text)

    assert signals.language == language
    assert not signals.out_of_scope and signals.intent == intent, signals


@pytest.mark.parametrize(("language", "text", "intent"), DENTAL_IN_SCOPE)
def test_a_question_an_article_answers_is_in_scope_on_a_dental_desk(
    dental_context: RunContext, language: str, text: str, intent: str
) -> None:
    signals = _assess(dental_context, text)

    assert signals.language == language
    assert not signals.out_of_scope and signals.intent == intent, signals


@pytest.mark.parametrize(("language", "text"), OFF_TOPIC)
@pytest.mark.parametrize("desk", ["telecom", "dental", "demo"])
def test_an_off_topic_question_stays_out_of_scope(
    telecom_context: RunContext,
    dental_context: RunContext,
    run_context: RunContext,
    desk: str,
    language: str,
    text: str,
) -> None:
    context = {"telecom": telecom_context, "dental": dental_context, "demo": run_context}[desk]

    assert _assess(context, text).out_of_scope
