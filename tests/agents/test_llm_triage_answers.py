"""The LLM triage reads an answer to the assistant's own question the way the offline triage does: it continues
the request that asked it, never out of scope and never a new topic, even when the model says otherwise.

The model is a real OpenAI-compatible server on loopback (``relevo.testing.fake_openai_server``) playing a model
that classifies each message alone: the first request right, every short reply after it as out of scope.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from relevo import load_config
from relevo.agents import LLMTriage, OfflineTriage
from relevo.desks import load_desk
from relevo.models import LiteLLMModel, ModelChain
from relevo.orchestrator import DeskBuilder, RunContext, SupportDesk
from relevo.testing import FakeOpenAIServer, fake_openai_server
from relevo.testing._fake_openai import Behaviour

TELECOM_DESK = Path(__file__).parent.parent.parent / "examples" / "telecom"

# (the request, its intent, answers to the question the desk asks back, an off-topic message), per language.
# The demo asks a guest for their e-mail before it looks an order up.
DEMO = {
    "en": (
        "where is my order ORD-1055?",
        "order_status",
        ["lucia.hernandez@example.com", "it's lucia.hernandez@example.com"],
        "what is the weather like today?",
    ),
    "es": (
        "¿dónde está mi pedido ORD-1055?",
        "order_status",
        ["lucia.hernandez@example.com", "mi correo es lucia.hernandez@example.com"],
        "¿qué tiempo hace hoy?",
    ),
    "pt": (
        "onde está meu pedido ORD-1055?",
        "order_status",
        ["lucia.hernandez@example.com", "é lucia.hernandez@example.com"],
        "como está o tempo hoje?",
    ),
    "vi": (
        "đơn hàng ORD-1055 của tôi đâu?",
        "order_status",
        ["lucia.hernandez@example.com", "email của tôi là lucia.hernandez@example.com"],
        "thời tiết hôm nay thế nào?",
    ),
}
# The telecom desk (en, es, pt) asks "Which country are you travelling to?" before it switches roaming on.
TELECOM = {
    "en": ("V-1001", "please activate roaming on my line", ["France", "I'm going to France"], "who won the match?"),
    "es": ("V-1002", "quiero activar la itinerancia", ["Francia", "me voy a Francia"], "¿quién ganó el partido?"),
    "pt": ("V-1003", "quero ativar o roaming", ["França", "vou para a França"], "quem ganhou o jogo?"),
}
REQUESTS = {request: intent for request, intent, _, _ in DEMO.values()} | {
    request: "activate_roaming" for _, request, _, _ in TELECOM.values()
}


def _verdict(intent: str, *, out_of_scope: bool) -> dict[str, Any]:
    return {
        "intent": intent,
        "confidence": 0.95,
        "sentiment": 0.0,
        "urgency": 0.1,
        "explicit_human_request": False,
        "out_of_scope": out_of_scope,
        "language": "en",
    }


def _one_message_at_a_time(body: dict[str, Any]) -> Behaviour:
    """A model that ignores the history: the requests above are understood, anything else is off-topic."""
    prompt = str(body["messages"][-1]["content"])
    match = re.search(r"<<<(.*)>>>", prompt, re.S)
    assert match is not None, prompt
    intent = REQUESTS.get(match.group(1))
    if intent is not None:
        return Behaviour.json_answer(_verdict(intent, out_of_scope=False))
    return Behaviour.json_answer(_verdict("out_of_scope", out_of_scope=True))


@pytest.fixture(scope="module")
def model() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server(responder=_one_message_at_a_time) as server:
        yield server


def _with_llm_triage(context: RunContext, server: FakeOpenAIServer) -> RunContext:
    offline = context.agents.triage
    assert isinstance(offline, OfflineTriage)
    chain = ModelChain("triage", [LiteLLMModel("openai/fake", api_base=server.base_url)], retries=0)
    triage = LLMTriage(chain, offline, min_confidence=context.config.triage.min_confidence)
    return dataclasses.replace(context, agents=dataclasses.replace(context.agents, triage=triage))


@pytest.fixture
def demo(tmp_path: Path, run_context: RunContext, model: FakeOpenAIServer) -> Iterator[SupportDesk]:
    with DeskBuilder(load_config()).open_with_context(tmp_path / "d", _with_llm_triage(run_context, model)) as desk:
        yield desk


@pytest.fixture
def telecom(tmp_path: Path, telecom_context: RunContext, model: FakeOpenAIServer) -> Iterator[SupportDesk]:
    context = _with_llm_triage(telecom_context, model)
    with load_desk(TELECOM_DESK, load_config()).open_with_context(tmp_path / "t", context) as desk:
        yield desk


def _model_said(server: FakeOpenAIServer, text: str) -> dict[str, Any]:
    """The model's verdict on ``text`` (the last request that classified it)."""
    for body in reversed(server.requests):
        if f"<<<{text}>>>" in str(body["messages"][-1]["content"]):
            return json.loads(_one_message_at_a_time(body).text)
    raise AssertionError(f"the model was never asked about {text!r}")


def _answer_then_off_topic(
    desk: SupportDesk, server: FakeOpenAIServer, conv: str, answer: str, off_topic: str, intent: str
) -> None:
    answered = desk.send(conv, answer)
    # The model reads the message as stored: personal data already replaced by vault tokens.
    stored = [m for m in desk.state(conv).messages if m.kind == "customer"][-1].text
    assert _model_said(server, stored)["out_of_scope"] is True, "the model misread the answer"
    signals = desk.state(conv).signals[-1]
    assert (signals.intent, signals.out_of_scope) == (intent, False), answer
    assert signals.confidence >= 0.9
    assert answered.mode == "ai_active" and not (answered.escalation and answered.escalation.fired)
    assert any(c.agent == "triage" for c in answered.model_calls), "the model's triage ran"

    # Something the desk did not ask for is still off-topic: one gets a redirect, not a handoff.
    redirected = desk.send(conv, off_topic)
    assert desk.state(conv).signals[-1].out_of_scope
    assert redirected.mode == "ai_active", redirected.escalation


@pytest.mark.parametrize(
    ("language", "answer"), [(lang, a) for lang, (_, _, answers, _) in DEMO.items() for a in answers]
)
def test_demo_an_answer_to_the_question_continues_the_request(
    demo: SupportDesk, model: FakeOpenAIServer, language: str, answer: str
) -> None:
    request, intent, _, off_topic = DEMO[language]
    conv = demo.start()
    asked = demo.send(conv, request)
    assert demo.state(conv).signals[-1].intent == intent and asked.reply is not None
    _answer_then_off_topic(demo, model, conv, answer, off_topic, intent)
    assert any(call.tool == "lookup_customer" for call in demo.state(conv).tool_calls)


@pytest.mark.parametrize(
    ("language", "answer"), [(lang, a) for lang, (_, _, answers, _) in TELECOM.items() for a in answers]
)
def test_telecom_an_answer_to_the_question_continues_the_request(
    telecom: SupportDesk, model: FakeOpenAIServer, language: str, answer: str
) -> None:
    customer, request, _, off_topic = TELECOM[language]
    conv = telecom.start(customer_id=customer)
    asked = telecom.send(conv, request)
    assert asked.reply is not None and asked.reply.rstrip().endswith("?")
    _answer_then_off_topic(telecom, model, conv, answer, off_topic, "activate_roaming")
    assert any(call.tool == "activate_roaming" for call in telecom.state(conv).tool_calls)
