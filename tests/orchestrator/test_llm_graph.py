"""The support graph with model-backed agents (scripted models): contracts hold, failures hand off."""

from __future__ import annotations

import threading
from pathlib import Path

from relevo._config import load_config
from relevo.demo import desk as demo_desk
from relevo.models import ModelRequest, ToolCallRequest
from relevo.testing import FunctionModel, ScriptedModel, unavailable


def test_llm_triage_and_resolver_tool_loop(tmp_path: Path) -> None:
    triage = ScriptedModel(
        [
            {
                "intent": "order_status",
                "confidence": 0.93,
                "sentiment": 0.0,
                "urgency": 0.2,
                "explicit_human_request": False,
                "out_of_scope": False,
                "language": "en",
            }
        ],
        name="openai/small",
    )
    resolver = ScriptedModel(
        [
            ToolCallRequest(id="c1", name="lookup_order", arguments={"order_id": "ORD-1042"}),
            "Your order ORD-1042 is on its way and 6 days late; I'm sorry about that.",
        ],
        name="anthropic/strong",
    )
    builder = demo_desk(load_config()).with_model("triage", triage).with_model("resolver", resolver)
    with builder.open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, "where is ORD-1042?")
        assert turn.reply == "Your order ORD-1042 is on its way and 6 days late; I'm sorry about that."
        assert turn.signals is not None and turn.signals.intent == "order_status" and turn.signals.confidence == 0.93
        assert [(c.agent, c.model) for c in turn.model_calls] == [
            ("triage", "openai/small"),
            ("resolver", "anthropic/strong"),
            ("resolver", "anthropic/strong"),
        ]
        state = desk.state(conv)
        assert state.tool_calls[-1].tool == "lookup_order" and state.tool_calls[-1].status == "ok"
        assert state.fact("order_id") is not None
        tool_result = resolver.requests[1].messages[-1]
        assert tool_result.role == "tool" and "ORD-1042" in tool_result.content
    triage.assert_used_up()
    resolver.assert_used_up()


def test_compensation_beyond_policy_is_never_said(tmp_path: Path) -> None:
    resolver = ScriptedModel(["Sure, I've refunded you €500 right away."], name="rogue/model")
    with demo_desk(load_config()).with_model("resolver", resolver).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, "my headphones haven't arrived")
        assert turn.reply is not None and "500" not in turn.reply
        assert "ORD-1042" in turn.reply, "the offline engine answered instead"
        assert any(a.target == "llm_resolver" and a.outcome == "rejected" for a in desk.state(conv).attempts)


def test_all_providers_down_hands_off_with_the_conversation_intact(tmp_path: Path) -> None:
    down = ScriptedModel([unavailable("HTTP 503")], name="openai/down")
    with demo_desk(load_config()).with_model("resolver", down).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, "how many days do I have to return an item?")
        assert turn.mode == "pending_human"
        assert turn.escalation is not None and turn.escalation.codes == ["model_error"]
        assert turn.packet is not None and "HTTP 503" in turn.packet.reasons[0].evidence
        assert desk.state(conv).messages[-3].text == "how many days do I have to return an item?"
    down.assert_used_up()


def test_budget_exhausted_hands_off(tmp_path: Path) -> None:
    paid = ScriptedModel(["It's on its way.", "Still on its way."], name="openai/paid", cost_usd=0.01)
    config = load_config(overrides={"models": {"budget_usd": 0.01}})
    with demo_desk(config).with_model("resolver", paid).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1004")
        first = desk.send(conv, "How many days do I have to return an item?")
        assert first.mode == "ai_active" and first.model_calls[0].cost_usd == 0.01
        second = desk.send(conv, "And how long does a refund take?")
        assert second.mode == "pending_human"
        assert second.escalation is not None and second.escalation.codes == ["budget_exhausted"]
        assert second.packet is not None and second.packet.model_cost_usd == 0.01
    assert paid.remaining == 1, "no call is made once the budget is spent"


def test_on_failure_offline_keeps_answering(tmp_path: Path) -> None:
    down = ScriptedModel([unavailable()], name="openai/down")
    config = load_config(overrides={"models": {"on_failure": "offline"}})
    with demo_desk(config).with_model("resolver", down).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1004")
        turn = desk.send(conv, "How many days do I have to return an item?")
        assert turn.mode == "ai_active" and turn.reply is not None and "KB-" in turn.reply


def _verdict(**changes: object) -> dict[str, object]:
    verdict: dict[str, object] = {
        "intent": "order_status",
        "confidence": 0.9,
        "sentiment": 0.0,
        "urgency": 0.2,
        "explicit_human_request": False,
        "out_of_scope": False,
        "language": "en",
    }
    return {**verdict, **changes}


def test_the_model_triage_runs_beside_the_resolver(tmp_path: Path) -> None:
    """One round trip: each model waits (bounded) for the other to have started; in series neither would see it."""
    triage_started, resolver_started = threading.Event(), threading.Event()
    saw: dict[str, bool] = {}

    def triage_fn(request: ModelRequest) -> dict[str, object]:
        triage_started.set()
        saw["triage saw the resolver"] = resolver_started.wait(10)
        return _verdict(intent="greeting", confidence=0.97)

    def resolver_fn(request: ModelRequest) -> str:
        resolver_started.set()
        saw["resolver saw triage"] = triage_started.wait(10)
        return "Hello! What can I help you with?"

    builder = demo_desk(load_config()).with_model("triage", FunctionModel(triage_fn))
    with builder.with_model("resolver", FunctionModel(resolver_fn)).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, "Hi there")
        state = desk.state(conv)
    assert saw == {"triage saw the resolver": True, "resolver saw triage": True}
    assert turn.reply == "Hello! What can I help you with?"
    assert turn.signals is not None and (turn.signals.intent, turn.signals.confidence) == ("greeting", 0.97)
    assert len(state.signals) == 1, "the model's reading replaced the offline one"
    assert [c.agent for c in turn.model_calls] == ["triage", "resolver"]


def test_a_rule_the_model_reading_fires_withholds_the_reply(tmp_path: Path) -> None:
    triage = ScriptedModel([_verdict(intent="complaint", explicit_human_request=True)], name="openai/small")
    resolver = ScriptedModel(["Let me look into that for you."], name="openai/small")
    builder = demo_desk(load_config()).with_model("triage", triage).with_model("resolver", resolver)
    with builder.open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, "please have a colleague look at it")
    assert turn.mode == "pending_human" and turn.packet is not None
    assert turn.escalation is not None and "explicit_request" in turn.escalation.codes
    assert turn.reply is not None and "Let me look into that" not in turn.reply
    triage.assert_used_up()
    resolver.assert_used_up()


def test_the_handoff_summary_is_written_after_the_handoff_message(tmp_path: Path) -> None:
    release = threading.Event()

    def summarizer_fn(request: ModelRequest) -> str:
        # The handoff turn returns while this call is still waiting: the customer never waits for it.
        release.wait(10)
        return "Maria's headphones are late; she asked for a person."

    builder = demo_desk(load_config()).with_model("summarizer", FunctionModel(summarizer_fn))
    with builder.open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        handoff = desk.send(conv, "I want to talk to a human agent")
        assert handoff.mode == "pending_human" and handoff.packet is not None
        assert handoff.packet.summary != "Maria's headphones are late; she asked for a person."
        assert handoff.model_calls == []
        release.set()
        taken = desk.takeover(conv, "ana")
        packet = desk.state(conv).packet
    assert packet is not None and packet.summary == "Maria's headphones are late; she asked for a person."
    assert [c.agent for c in taken.model_calls] == ["summarizer"]


def test_the_summary_can_still_be_written_before_the_handoff(tmp_path: Path) -> None:
    summarizer = ScriptedModel(["Summary written in line."], name="openai/small")
    config = load_config(overrides={"models": {"summary_after_handoff": False}})
    with demo_desk(config).with_model("summarizer", summarizer).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        handoff = desk.send(conv, "I want to talk to a human agent")
    assert handoff.packet is not None and handoff.packet.summary == "Summary written in line."
    summarizer.assert_used_up()


def _unsure_triage(intent: str) -> ScriptedModel:
    reading = {
        "intent": intent,
        "confidence": 0.1,
        "sentiment": 0.0,
        "urgency": 0.0,
        "explicit_human_request": False,
        "out_of_scope": False,
        "language": "en",
    }
    return ScriptedModel([reading, reading], name="local/tiny")


def test_a_model_that_did_not_understand_does_not_overrule_the_offline_reading(tmp_path: Path) -> None:
    """A tiny model reading everything as one intent at 0.1 must not make understood messages low-confidence."""
    triage = _unsure_triage("contact_info")
    resolver = ScriptedModel(["You have 30 days to return an item.", "You're welcome!"], name="local/tiny-resolver")
    config = load_config()
    builder = demo_desk(config).with_model("triage", triage).with_model("resolver", resolver)
    with builder.open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1004")
        first = desk.send(conv, "How many days do I have to return something I bought?")
        second = desk.send(conv, "Thanks!")
        for turn in (first, second):
            assert turn.signals is not None
            assert turn.signals.intent != "contact_info", "the unsure model's intent replaced the offline one"
            assert turn.signals.confidence >= config.triage.min_confidence
            assert turn.signals.alternatives[0].intent == "contact_info"
        reasons = [r.code for t in (first, second) for r in (t.escalation.reasons if t.escalation else [])]
        assert "low_confidence" not in reasons and "out_of_scope" not in reasons, reasons
