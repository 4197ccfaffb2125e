"""The escalation rule engine: every built-in rule fires on its evidence, thresholds come from config."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from relevo._config import load_config
from relevo.agents import EscalationPolicy, PolicyView, trigger
from relevo.contracts import (
    Attempt,
    ConversationState,
    CustomerMessage,
    CustomerRef,
    Signals,
    SystemEvent,
    ToolCallRecord,
)

AT = datetime(2026, 11, 20, 10, tzinfo=UTC)


def signals(n: int = 1, **overrides: object) -> Signals:
    base: dict[str, object] = {
        "message_id": f"msg-{n}",
        "intent": "order_status",
        "confidence": 0.9,
        "sentiment": 0.0,
        "urgency": 0.0,
        "explicit_human_request": False,
        "out_of_scope": False,
        "language": "en",
    }
    base.update(overrides)
    return Signals.model_validate(base)


def state(tier: str = "silver") -> ConversationState:
    return ConversationState(
        conversation_id="c1",
        customer=CustomerRef(id="C-1", name="Test", tier=tier, is_guest=False),  # type: ignore[arg-type]
        messages=[CustomerMessage(id="msg-1", at=AT, text="hi")],
    )


def view(history: list[Signals], **kwargs: object) -> PolicyView:
    return PolicyView(
        state=kwargs.pop("state", state()),  # type: ignore[arg-type]
        signals=history[-1],
        history=history,
        min_confidence=0.4,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def policy() -> EscalationPolicy:
    # The thresholds that name intents and tiers are the desk's own data: this desk names a few.
    desk_thresholds = {
        "policy_sensitive": {"amount_intents": ["refund_request", "complaint"]},
        "lead_qualified": {"intents": ["bulk_purchase"]},
        "vip": {"tiers": ["platinum"], "intents": ["delivery_delay"]},
    }
    return EscalationPolicy.from_config(load_config(overrides={"escalation": desk_thresholds}).escalation)


def codes(policy: EscalationPolicy, v: PolicyView, stage: str = "triage") -> list[str]:
    return policy.evaluate(v, stage).codes  # type: ignore[arg-type]


def test_calm_question_fires_nothing(policy: EscalationPolicy) -> None:
    decision = policy.evaluate(view([signals()]), "triage")
    assert not decision.fired
    assert decision.reasons == []
    assert not policy.evaluate(view([signals()]), "resolution").fired


def test_explicit_request_records_the_words(policy: EscalationPolicy) -> None:
    s = signals(
        explicit_human_request=True,
        human_request_evidence="quiero hablar con un agente",
        intent="human_agent",
    )
    decision = policy.evaluate(view([s]), "triage")
    assert decision.codes == ["explicit_request"]
    assert "quiero hablar con un agente" in decision.reasons[0].evidence


def test_negative_sentiment_threshold(policy: EscalationPolicy) -> None:
    assert "negative_sentiment" in codes(policy, view([signals(sentiment=-0.7, sentiment_evidence=["useless"])]))
    assert "negative_sentiment" not in codes(policy, view([signals(sentiment=-0.5)]))


def test_sentiment_trend_needs_a_drop_and_a_low_level(policy: EscalationPolicy) -> None:
    worsening = [signals(1, sentiment=0.3), signals(2, sentiment=0.0), signals(3, sentiment=-0.3)]
    decision = policy.evaluate(view(worsening), "triage")
    assert "sentiment_trend" in decision.codes
    assert "+0.30 → +0.00 → -0.30" in decision.reasons[0].evidence
    flat = [signals(1, sentiment=-0.3), signals(2, sentiment=-0.3), signals(3, sentiment=-0.3)]
    assert "sentiment_trend" not in codes(policy, view(flat))


def test_out_of_scope_after_two_in_a_row(policy: EscalationPolicy) -> None:
    one = [signals(1), signals(2, out_of_scope=True, intent="out_of_scope")]
    assert "out_of_scope" not in codes(policy, view(one))
    two = [*one, signals(3, out_of_scope=True, intent="out_of_scope")]
    assert "out_of_scope" in codes(policy, view(two))


def test_low_confidence_counts_failed_answers_at_resolution(policy: EscalationPolicy) -> None:
    history = [signals(1, confidence=0.2), signals(2, intent="shipping_info")]
    failed = Attempt(id="a", action="kb_answer", target="shipping", outcome="failed", message_id="msg-2")
    assert "low_confidence" in codes(policy, view(history, attempts=[failed]), "resolution")
    assert "low_confidence" not in codes(policy, view(history), "resolution")


def test_loop_same_intent_and_repeated_reply(policy: EscalationPolicy) -> None:
    history = [signals(n, intent="track_shipment") for n in (1, 2, 3)]
    assert "loop_detected" in codes(policy, view(history))
    repeat = view([signals()], reply="Your order is on its way.", earlier_ai_replies=["Your order is on its way."])
    assert "loop_detected" in codes(policy, repeat, "resolution")


def test_repeated_failure_counts_rejections(policy: EscalationPolicy) -> None:
    history = [signals(1, rejects_previous_answer=True), signals(2, rejects_previous_answer=True)]
    assert "repeated_failure" in codes(policy, view(history))
    assert "repeated_failure" not in codes(policy, view(history[:1]))


def test_policy_sensitive_topics_and_amounts(policy: EscalationPolicy) -> None:
    legal = signals(sensitive_topics=["legal_threat"], intent="complaint")
    assert "policy_sensitive" in codes(policy, view([legal]))
    big = signals(intent="refund_request", amounts=[450.0])
    decision = policy.evaluate(view([big]), "triage")
    assert "amount 450.00 above the 100.00 limit" in decision.reasons[0].evidence
    assert "policy_sensitive" not in codes(policy, view([signals(intent="refund_request", amounts=[40.0])]))


def test_lead_and_vip(policy: EscalationPolicy) -> None:
    assert "lead_qualified" in codes(policy, view([signals(intent="bulk_purchase", confidence=0.8)]))
    vip = view([signals(intent="delivery_delay")], state=state(tier="platinum"))
    assert "vip" in codes(policy, vip)
    assert "vip" not in codes(policy, view([signals(intent="delivery_delay")], state=state(tier="gold")))


def test_tool_failure_only_for_broken_tools(policy: EscalationPolicy) -> None:
    broken = ToolCallRecord(
        id="call-1", tool="track_shipment", arguments={}, status="failed", result="{}", error="timeout"
    )
    refused = ToolCallRecord(
        id="call-2", tool="lookup_order", arguments={}, status="rejected", result="{}", error="no order"
    )
    decision = policy.evaluate(view([signals()], tool_calls=[broken, refused]), "resolution")
    assert decision.codes == ["tool_failure"]
    assert "track_shipment (call-1) failed: timeout" in decision.reasons[0].evidence


def test_a_tool_a_human_already_saw_fail_does_not_bounce_the_customer_back(policy: EscalationPolicy) -> None:
    broken = ToolCallRecord(
        id="call-9", tool="track_shipment", arguments={}, status="failed", result="{}", error="down"
    )
    earlier = policy.evaluate(view([signals()], tool_calls=[broken.model_copy(update={"id": "call-1"})]), "resolution")
    before = state()
    handled = before.model_copy(
        update={
            "escalations": [earlier],
            "messages": [*before.messages, SystemEvent(id="ev-1", at=AT, text="checked by phone", event="hand_back")],
        }
    )
    assert codes(policy, view([signals()], state=handled, tool_calls=[broken]), "resolution") == []
    other = broken.model_copy(update={"tool": "lookup_order"})
    assert codes(policy, view([signals()], state=handled, tool_calls=[other]), "resolution") == ["tool_failure"]
    not_back = before.model_copy(update={"escalations": [earlier]})  # no hand-back: the rule still fires
    assert codes(policy, view([signals()], state=not_back, tool_calls=[broken]), "resolution") == ["tool_failure"]


def test_thresholds_come_from_config() -> None:
    strict = EscalationPolicy.from_config(
        load_config(overrides={"escalation": {"negative_sentiment": {"threshold": -0.2}}}).escalation
    )
    assert "negative_sentiment" in codes(strict, view([signals(sentiment=-0.3)]))
    off = EscalationPolicy.from_config(
        load_config(overrides={"escalation": {"explicit_request": {"enabled": False}}}).escalation
    )
    assert not off.evaluate(view([signals(explicit_human_request=True)]), "triage").fired


def test_custom_trigger_and_removal(policy: EscalationPolicy) -> None:
    @trigger("billing_dispute")
    def billing_dispute(v: PolicyView) -> str | None:
        return "payment issue with an amount" if v.signals.intent == "payment_issue" and v.signals.amounts else None

    extended = policy.with_trigger(billing_dispute)
    decision = extended.evaluate(view([signals(intent="payment_issue", amounts=[20.0])]), "triage")
    assert decision.codes == ["billing_dispute"]
    assert (
        not extended.without("billing_dispute")
        .evaluate(view([signals(intent="payment_issue", amounts=[20.0])]), "triage")
        .fired
    )
