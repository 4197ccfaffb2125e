"""ungrounded_reply_rate and guard_fired_rate: computed from what the guard did per model-written reply, gated."""

from __future__ import annotations

from relevo.contracts import GuardAction, GuardReport
from relevo.evals import check_gates, suite_metrics
from relevo.evals._records import ConversationRecord, TurnRecord
from relevo.evals._report import metrics_table
from relevo.evals._scenario import Expectations


def _conversation(name: str, actions: list[GuardAction | None]) -> ConversationRecord:
    turns = [
        TurnRecord(
            step=i + 1,
            customer_turn=i + 1,
            input="hi",
            actor="ai",
            reply="ok",
            mode="ai_active",
            guard=None if action is None else GuardReport(action=action, failed=[] if action == "sent" else ["url: x"]),
        )
        for i, action in enumerate(actions)
    ]
    return ConversationRecord(
        key=f"c/s/{name}#0",
        config="c",
        suite="s",
        scenario=name,
        repetition=0,
        expect=Expectations(escalate=False),
        turns=turns,
        escalated=False,
        first_escalation_turn=None,
        first_reasons=[],
        packet_facts=[],
        tool_calls=[],
        grounding_ids=[],
        final_mode="ai_active",
        looped=False,
        violations=[],
        failures=[],
    )


def test_rates_count_model_written_replies_only() -> None:
    records = [
        _conversation("a", ["sent", "regenerated", None]),  # None: the offline engine wrote it
        _conversation("b", ["offline", "observed"]),
    ]
    metrics = suite_metrics(records)
    assert metrics["guard_fired_rate"] == 0.75  # regenerated, offline, observed of 4 checked replies
    assert metrics["ungrounded_reply_rate"] == 0.25  # only "observed" reached the customer ungrounded
    assert check_gates(metrics, {"ungrounded_reply_rate": 0}) == ["ungrounded_reply_rate = 0.25 is above the maximum 0"]
    assert "ungrounded_reply_rate" in metrics_table({"c": metrics})


def test_no_model_no_rates() -> None:
    metrics = suite_metrics([_conversation("a", [None, None])])
    assert (metrics["ungrounded_reply_rate"], metrics["guard_fired_rate"]) == (0.0, 0.0)
    assert check_gates(metrics, {"ungrounded_reply_rate": 0}) == []
