"""Facts keep their history, and a human's value outranks a tool reading that is not newer than it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from relevo.contracts import ConversationState, Fact, HandBack, merge_facts

_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _tool(value: str, call: str) -> Fact:
    return Fact(name="eta", value=value, source=call)


def _human(value: str, agent: str = "Ana", event: str = "evt-008-1") -> Fact:
    return Fact(name="eta", value=value, source=event, set_by=agent, at=_AT)


def test_a_replaced_value_is_kept_in_order_with_its_source() -> None:
    facts = merge_facts([], [_tool("2026-11-25", "call-002-3")])
    facts = merge_facts(facts, [_human("Saturday")])
    facts = merge_facts(facts, [_human("Friday", agent="Ben", event="evt-012-1")])
    [eta] = facts
    assert (eta.value, eta.set_by, eta.source) == ("Friday", "Ben", "evt-012-1")
    assert [(v.value, v.source, v.set_by) for v in eta.superseded] == [
        ("2026-11-25", "call-002-3", ""),
        ("Saturday", "evt-008-1", "Ana"),
    ]


@pytest.mark.parametrize(
    ("reading", "holds"),
    [
        ("2026-11-25", "Saturday"),  # the tool repeats what it said before the human acted: out of date
        ("saturday", "Saturday"),  # the tool agrees with the human (case aside): the human's record stays
        ("2026-11-27", "2026-11-27"),  # a value never seen before: newer than the hand-back, it wins
    ],
)
def test_a_human_value_outranks_a_reading_that_is_not_newer(reading: str, holds: str) -> None:
    facts = merge_facts([_tool("2026-11-25", "call-002-3")], [_human("Saturday")])
    [eta] = merge_facts(facts, [_tool(reading, "call-010-2")])
    assert eta.value == holds
    if holds == reading:
        assert not eta.by_human
        assert [v.value for v in eta.superseded] == ["2026-11-25", "Saturday"], "the human's value is kept too"
    else:
        assert eta.by_human and [v.value for v in eta.superseded] == ["2026-11-25"]


def test_the_same_value_again_records_no_change_and_first_appearance_order_is_kept() -> None:
    first = [Fact(name="order_id", value="ORD-1", source="msg-1"), _tool("2026-11-25", "call-1")]
    merged = merge_facts(first, [_tool("2026-11-25", "call-2"), Fact(name="order_id", value="ORD-2", source="call-3")])
    assert [f.name for f in merged] == ["order_id", "eta"]
    assert merged[1].source == "call-2" and merged[1].superseded == []
    assert [v.value for v in merged[0].superseded] == ["ORD-1"]


def test_state_from_before_fact_history_still_loads() -> None:
    """A checkpoint written before facts had a history (no ``set_by``/``superseded``, no ``hand_backs``)."""
    old = {
        "conversation_id": "c1",
        "customer": {"id": "C-1"},
        "facts": [{"name": "eta", "value": "2026-11-25", "source": "call-1", "confidence": 1.0, "at": None}],
        "inbox": {"kind": "hand_back", "note": "done"},
    }
    state = ConversationState.model_validate(old)
    assert state.fact("eta") == _tool("2026-11-25", "call-1")
    assert state.hand_backs == []
    assert isinstance(state.inbox, HandBack) and not state.inbox.typed


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"facts": [{"name": "Bad Name", "value": "x"}]}, "should match pattern"),
        ({"facts": [{"name": "eta", "value": "  "}]}, "at least 1 character"),
        ({"facts": [{"name": "eta", "value": "a"}, {"name": "eta", "value": "b"}]}, "fact eta is set twice"),
        ({"actions": [""]}, "at least 1 character"),
        ({"promises": [{"what": "x" * 501}]}, "at most 500 characters"),
    ],
)
def test_a_malformed_hand_back_is_refused(fields: dict[str, object], match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        HandBack.model_validate(fields)
