"""Model chains: history hygiene, fallback, repair of invalid structured output, accounting and budgets."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from relevo.models import (
    AssistantTurn,
    BudgetExhausted,
    CallLedger,
    InvalidOutput,
    ModelChain,
    ModelRequest,
    ProviderRejected,
    ProviderUnavailable,
    SystemTurn,
    ToolCallRequest,
    ToolTurn,
    UserTurn,
    sanitize_history,
)
from relevo.testing import ScriptedModel, ScriptExhausted, rejected, unavailable


class Verdict(BaseModel):
    intent: str
    confidence: float


def ask(text: str = "hi") -> ModelRequest:
    return ModelRequest(messages=[SystemTurn(content="be brief"), UserTurn(content=text)])


def test_hygiene_pairs_tool_calls_and_orders_roles() -> None:
    call = ToolCallRequest(id="call:1/x", name="lookup_order", arguments={"order_id": "ORD-1"})
    unanswered = ToolCallRequest(id="call-2", name="track_shipment", arguments={})
    messages = [
        AssistantTurn(content="Hello! (greeting sent before the customer spoke)"),
        SystemTurn(content="rules"),
        UserTurn(content="where is it"),
        UserTurn(content=""),
        UserTurn(content="ORD-1"),
        AssistantTurn(content="", tool_calls=[call, unanswered]),
        UserTurn(content="hello?"),  # a customer message that arrived between call and result
        ToolTurn(tool_call_id="call:1/x", name="lookup_order", content='{"ok": true}'),
        ToolTurn(tool_call_id="orphan", name="lookup_order", content="{}"),
        AssistantTurn(content=""),
        SystemTurn(content="more rules"),
    ]
    clean = sanitize_history(messages)
    roles = [m.role for m in clean]
    assert roles == ["system", "user", "assistant", "user", "assistant", "tool", "tool", "user"]
    assert isinstance(clean[0], SystemTurn) and clean[0].content == "rules\n\nmore rules"
    assert isinstance(clean[3], UserTurn) and clean[3].content == "where is it\n\nORD-1"
    tool_turn = clean[4]
    assert isinstance(tool_turn, AssistantTurn)
    ids = [c.id for c in tool_turn.tool_calls]
    assert ids == ["call_1_x", "call-2"], "ids match Anthropic's pattern"
    results = [m for m in clean if isinstance(m, ToolTurn)]
    assert [r.tool_call_id for r in results] == ids, "every call answered right after it, no orphans"
    assert "interrupted" in results[1].content
    assert all(getattr(m, "content", "x") or getattr(m, "tool_calls", None) for m in clean), "no empty messages"


def test_hygiene_after_a_human_turn_and_vendor_switch() -> None:
    history = [
        UserTurn(content="I want a person"),
        AssistantTurn(content="[human agent Ana] Hi, Ana here"),
        AssistantTurn(content="Anything else?"),
        UserTurn(content="no thanks"),
    ]
    clean = sanitize_history(history)
    assert [m.role for m in clean] == ["user", "assistant", "user"]


def test_fallback_on_unavailable_records_which_model_answered() -> None:
    first = ScriptedModel([unavailable("HTTP 429")], name="openai/a")
    second = ScriptedModel(["hello"], name="anthropic/b")
    ledger = CallLedger()
    response = ModelChain("resolver", [first, second]).complete(ask(), ledger)
    assert response.text == "hello"
    assert [(c.model, c.ok, c.purpose) for c in ledger.calls] == [
        ("openai/a", False, "answer"),
        ("anthropic/b", True, "fallback"),
    ]
    first.assert_used_up()
    second.assert_used_up()


def test_no_fallback_on_rejection() -> None:
    second = ScriptedModel(["never"], name="b")
    with pytest.raises(ProviderRejected, match="rejected the request"):
        ModelChain("triage", [ScriptedModel([rejected("HTTP 400")], name="a"), second]).complete(ask(), CallLedger())
    assert second.remaining == 1


def test_all_down_raises_unavailable() -> None:
    models = [ScriptedModel([unavailable()], name=n) for n in ("a", "b")]
    with pytest.raises(ProviderUnavailable, match="a → b unavailable"):
        ModelChain("triage", models).complete(ask(), CallLedger())


def test_structured_output_gets_one_repair_then_the_next_model() -> None:
    flaky = ScriptedModel(["not json", {"intent": "greeting"}], name="a")
    good = ScriptedModel([{"intent": "greeting", "confidence": 0.9}], name="b")
    ledger = CallLedger()
    verdict = ModelChain("triage", [flaky, good]).structured(ask(), Verdict, ledger)
    assert verdict == Verdict(intent="greeting", confidence=0.9)
    assert [c.purpose for c in ledger.calls] == ["answer", "repair", "fallback"]
    repair_request = flaky.requests[1]
    assert "not valid JSON" in repair_request.messages[-1].content  # type: ignore[union-attr]
    assert flaky.requests[0].output_schema is not None, "the schema travels with the request"


def test_repaired_answer_is_accepted() -> None:
    model = ScriptedModel(['{"intent": 3}', '```json\n{"intent": "x", "confidence": 0.5}\n```'], name="a")
    assert ModelChain("triage", [model]).structured(ask(), Verdict, CallLedger()).intent == "x"


def test_invalid_everywhere() -> None:
    model = ScriptedModel(["{}", "{}"], name="a")
    with pytest.raises(InvalidOutput, match="gave invalid structured output"):
        ModelChain("triage", [model]).structured(ask(), Verdict, CallLedger())


def test_budget_is_checked_before_every_call() -> None:
    model = ScriptedModel(["one", "two"], name="paid", cost_usd=0.02)
    chain = ModelChain("resolver", [model])
    ledger = CallLedger(spent_before=0.015, budget_usd=0.03)
    chain.complete(ask(), ledger)
    assert ledger.spent == pytest.approx(0.035)
    with pytest.raises(BudgetExhausted, match=r"spent \$0.0350 of \$0.0300"):
        chain.complete(ask(), ledger)
    assert model.remaining == 1


def test_scripted_model_fails_loudly() -> None:
    model = ScriptedModel(["only one"])
    model.complete(ask())
    with pytest.raises(ScriptExhausted, match="called 2 times but its script had 1 steps"):
        model.complete(ask())
    unused = ScriptedModel(["a", "b"])
    unused.complete(ask())
    with pytest.raises(AssertionError, match="1 unused script steps"):
        unused.assert_used_up()
