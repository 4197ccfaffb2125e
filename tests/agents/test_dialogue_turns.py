"""Whole turns on the demo and telecom desks: informal closings after the assistant's questions, declined or
refused transfers with the rest of the sentence answered, and requests for a person in other shapes, in every
language each desk speaks (issue 11, kinds 1, 2 and 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relevo._config import load_config
from relevo.agents import render_text
from relevo.desks import load_desk
from relevo.orchestrator import RunContext, SupportDesk, TurnResult

TELECOM = Path(__file__).parent.parent.parent / "examples" / "telecom"

SHIPPING = {
    "en": "how much does shipping cost?",
    "es": "¿cuánto cuesta el envío?",
    "pt": "quanto custa o frete?",
    "vi": "phí vận chuyển bao nhiêu?",
}
ROAMING = {"en": "how does roaming work?", "es": "¿cómo funciona el roaming?", "pt": "como funciona o roaming?"}

CLOSING_RUNS = [
    ("en", ["nah im good", "no ty"]),
    ("en", ["sure thanks", "no i'm good"]),
    ("en", ["ok", "no thx", "bye"]),
    ("en", ["thanks!", "thats all", "bye!"]),
    ("en", ["no that's all for now 🙂", "👋"]),
    ("en", ["okey dokey", "okey dokey"]),
    ("en", ["🙏", "🙏"]),
    ("en", ["ok", "never mind, thanks"]),
    ("es", ["vale gracias", "nada más por hoy 🙂", "👋"]),
    ("es", ["olvídalo", "olvidalo"]),
    ("es", ["vale vale", "no no"]),
    ("es", ["todo bien", "adiós"]),
    ("pt", ["tá bom", "não, obrigado", "tchau"]),
    ("pt", ["deixa pra lá", "deixa"]),
    ("pt", ["era isso 🙂", "👋"]),
    ("pt", ["to de boa", "to de boa"]),
    ("vi", ["ok em", "dạ không", "tạm biệt"]),
    ("vi", ["thôi bỏ qua", "thôi"]),
    ("vi", ["vậy thôi 🙂", "👋"]),
    ("vi", ["oke oke", "ko ko"]),
]


def _assert_closed(turns: list[TurnResult], language: str) -> None:
    assert all(t.mode == "ai_active" and t.actor == "ai" for t in turns), [t.reply for t in turns]
    assert not any(t.escalation and t.escalation.fired for t in turns), [t.escalation for t in turns]
    asked = render_text("anything_else", language)
    assert sum(asked in (t.reply or "") for t in turns) <= 1, "never a second 'anything else?'"
    assert turns[-1].reply in (render_text("goodbye", language), render_text("thanks", language))


@pytest.mark.parametrize(("language", "lines"), CLOSING_RUNS)
def test_informal_closings_after_an_answer_end_the_conversation(
    desk: SupportDesk, language: str, lines: list[str]
) -> None:
    conv = desk.start(customer_id="C-1004")
    desk.send(conv, SHIPPING[language])
    _assert_closed([desk.send(conv, line) for line in lines], language)


@pytest.mark.parametrize(
    ("language", "greeting", "lines"),
    [
        ("en", "hi", ["no nothing", "bye"]),
        ("en", "hi", ["nothing, just saying hi"]),
        ("en", "hello", ["never mind"]),
        ("es", "hola", ["no, nada", "adiós"]),
        ("es", "hola", ["nada, solo saludaba"]),
        ("pt", "oi", ["não, nada", "tchau"]),
        ("pt", "oi", ["nada, só passando"]),
        ("vi", "xin chào", ["không, không có gì", "tạm biệt"]),
        ("vi", "xin chào", ["không có gì, chào thôi"]),
    ],
)
def test_a_no_after_the_greeting_says_goodbye(
    desk: SupportDesk, language: str, greeting: str, lines: list[str]
) -> None:
    """ "How can I help you today?" offers help like "anything else?": "no, nothing" ends it, never a loop."""
    conv = desk.start(customer_id="C-1004")
    desk.send(conv, greeting)
    turns = [desk.send(conv, line) for line in lines]

    _assert_closed(turns, language)
    assert render_text("anything_else", language) not in (turns[0].reply or "")


def _assert_answered_without_a_human(desk: SupportDesk, conv: str, turn: TurnResult, expected: str) -> None:
    assert turn.mode == "ai_active", turn.escalation
    signals = desk.state(conv).signals[-1]
    assert not signals.explicit_human_request
    assert signals.intent not in ("human_agent", "out_of_scope", "deny")
    assert turn.reply is not None and expected in turn.reply


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no need to transfer me, just answer: how long is shipping?", "tracking"),
        ("don't transfer me to an agent, just tell me where my order is", "ORD-1042"),
        ("no agent pls, where is my package", "ORD-1042"),
        ("no quiero hablar con nadie, solo saber dónde está mi pedido", "ORD-1042"),
        ("no me pases con nadie, dime donde esta mi pedido", "ORD-1042"),
        ("sin agente porfa, cuánto cuesta el envío", "€"),
        ("não me passa pra ninguém, só quero saber onde está meu pedido", "ORD-1042"),
        ("não quero ser transferido, quanto custa o frete?", "€"),
        ("tôi không muốn nói chuyện với ai cả, chỉ muốn biết đơn hàng của tôi ở đâu", "ORD-1042"),
        ("đừng chuyển cho nhân viên, cho tôi biết phí vận chuyển", "€"),
        ("không cần chuyển máy đâu, phí ship bao nhiêu", "€"),
    ],
)
def test_a_refused_transfer_gets_the_rest_of_the_sentence_answered(desk: SupportDesk, text: str, expected: str) -> None:
    conv = desk.start(customer_id="C-1001")
    _assert_answered_without_a_human(desk, conv, desk.send(conv, text), expected)


SHAPES = [
    "can a person look at this?",
    "hello? anyone real here?",
    "I'd prefer a person over a bot",
    "¿alguien me puede atender?",
    "hay alguien ahi??",
    "¿eres un bot? quiero una persona",
    "tem atendente?",
    "uma pessoa pode ver isso?",
    "robô não, gente",
    "có ai là người thật không?",
    "nhân viên đâu rồi",
    "bot à? cho gặp người",
]
PEOPLE_MENTIONED = [
    "can a person return an item for someone else?",
    "my husband ordered it",
    "¿puede alguien recoger mi paquete?",
    "alguém pode retirar meu pacote?",
    "ai đó có thể nhận hàng giúp tôi không?",
]


@pytest.mark.parametrize("text", SHAPES)
def test_a_request_for_a_person_in_another_shape_hands_off(desk: SupportDesk, text: str) -> None:
    conv = desk.start(customer_id="C-1004")
    turn = desk.send(conv, text)

    assert turn.escalation is not None and turn.escalation.fired
    assert "explicit_request" in [reason.code for reason in turn.escalation.reasons]


@pytest.mark.parametrize("text", PEOPLE_MENTIONED)
def test_a_question_that_mentions_people_is_no_request(desk: SupportDesk, text: str) -> None:
    conv = desk.start(customer_id="C-1004")
    desk.send(conv, text)

    assert not desk.state(conv).signals[-1].explicit_human_request


@pytest.fixture
def telecom(tmp_path: Path, telecom_context: RunContext) -> Iterator[SupportDesk]:
    """The example telecom desk (en, es, pt) on the shared context, with its own conversation store."""
    with load_desk(TELECOM, load_config()).open_with_context(tmp_path / "data", telecom_context) as opened:
        yield opened


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        ("en", ["nah im good", "no ty"]),
        ("en", ["okey dokey", "👋"]),
        ("en", ["ok", "never mind"]),
        ("es", ["olvídalo", "olvidalo"]),
        ("es", ["vale gracias", "hasta luego"]),
        ("pt", ["não, valeu", "tchau"]),
        ("pt", ["tá bom, obrigado", "não, era só isso"]),
    ],
)
def test_the_telecom_desk_closes_the_same_way(telecom: SupportDesk, language: str, lines: list[str]) -> None:
    conv = telecom.start(customer_id="V-1001")
    telecom.send(conv, ROAMING[language])
    _assert_closed([telecom.send(conv, line) for line in lines], language)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("don't transfer me, just tell me my balance", "38.5 GB"),
        ("no me pases con nadie, ¿cómo funciona el roaming?", "UE"),
        ("sem atendente por favor, qual é o meu saldo", "38.5 GB"),
    ],
)
def test_the_telecom_desk_answers_past_a_refused_transfer(telecom: SupportDesk, text: str, expected: str) -> None:
    conv = telecom.start(customer_id="V-1001")
    _assert_answered_without_a_human(telecom, conv, telecom.send(conv, text), expected)


@pytest.mark.parametrize("text", ["can a person look at this?", "¿alguien me puede atender?", "tem atendente?"])
def test_the_telecom_desk_hands_off_a_request_in_another_shape(telecom: SupportDesk, text: str) -> None:
    conv = telecom.start(customer_id="V-1001")
    turn = telecom.send(conv, text)

    assert turn.escalation is not None and turn.escalation.fired
    assert "explicit_request" in [reason.code for reason in turn.escalation.reasons]
