"""A typed hand-back updates what the AI believes: later replies give the human's value, never the one it
replaced, and the packet of a later handoff shows both, in order, with their sources."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from relevo._config import load_config
from relevo._errors import BadInputError
from relevo._story import run_line
from relevo.agents import render_card, restated_values, states_value
from relevo.contracts import (
    ConversationState,
    CustomerRef,
    Fact,
    FactChange,
    HandBack,
    Promise,
    SystemEvent,
    ToolCallRecord,
)
from relevo.demo import DemoStore, StoreBackend, load_store_data
from relevo.orchestrator import DeskBuilder, RunContext, SupportDesk, TurnIds, describe_hand_back, parse_hand_back
from relevo.orchestrator._handback import hand_back_records
from relevo.tools import ToolEffects, ToolRegistry


@dataclass(frozen=True)
class Case:
    language: str
    customer: str
    ask_status: str
    ask_person: str
    fact: str
    old: str
    """What the tool says (the value the human supersedes)."""
    new: str
    stated_old: str
    """How the reply before the hand-back writes the old value (proves the old value is normally said)."""
    stated_new: str


CASES = [
    Case(
        "en", "C-1001", "Where is my order ORD-1042?", "I want to talk to a person",
        "shipment_estimated_delivery", "2026-11-25", "Saturday", "Nov 25", "Saturday",
    ),
    Case(
        "es", "C-1002", "¿Cuál es el estado de mi pedido ORD-1054?", "Quiero hablar con un agente",
        "order_promised_delivery", "2026-11-24", "2026-11-28", "24/11/2026", "28/11/2026",
    ),
    Case(
        "pt", "C-1001", "Onde está o meu pedido ORD-1042?", "Quero falar com um atendente",
        "shipment_estimated_delivery", "2026-11-25", "sábado", "25/11/2026", "sábado",
    ),
    Case(
        "vi", "C-1001", "Đơn hàng ORD-1042 của tôi đang ở đâu?", "Tôi muốn nói chuyện với nhân viên",
        "shipment_estimated_delivery", "2026-11-25", "2026-11-22", "25/11/2026", "22/11/2026",
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.language for c in CASES])
def test_later_replies_use_the_human_value_and_never_the_one_it_replaced(desk: SupportDesk, case: Case) -> None:
    conv = desk.start(customer_id=case.customer)
    before = desk.send(conv, case.ask_status)
    assert before.reply is not None and case.stated_old in before.reply, "the tool's value is what the AI says"
    assert before.signals is not None and before.signals.language == case.language
    assert desk.send(conv, case.ask_person).mode == "pending_human"
    desk.takeover(conv, "Ana")

    handed = HandBack(
        actions=["called the warehouse"],
        decisions=["no further compensation"],
        promises=[Promise(what="a call back if it slips again")],
        facts=[FactChange(name=case.fact, value=case.new)],
    )
    back = desk.hand_back(conv, handed)
    assert back.mode == "ai_active"
    state = desk.state(conv)
    fact = state.fact(case.fact)
    assert fact is not None and (fact.value, fact.set_by) == (case.new, "Ana")
    event = next(m for m in reversed(state.messages) if isinstance(m, SystemEvent) and m.event == "hand_back")
    assert fact.source == event.id, "the human's fact names the hand-back event as its source"
    assert [c.what for c in state.commitments if c.by == "human"] == ["a call back if it slips again"]

    after = desk.send(conv, case.ask_status)
    assert after.reply is not None
    assert case.stated_new in after.reply, after.reply
    assert not states_value(after.reply, case.old), f"the superseded {case.old} was restated: {after.reply}"
    assert restated_values(after.reply, desk.state(conv).facts) == []
    assert desk.state(conv).fact(case.fact) == fact, "the tool's repeated old value does not replace the human's"

    again = desk.send(conv, case.ask_person)
    assert again.mode == "pending_human" and again.packet is not None
    [packed] = [f for f in again.packet.facts if f.name == case.fact]
    assert (packed.value, packed.set_by, packed.source) == (case.new, "Ana", event.id)
    assert [v.value for v in packed.superseded] == [case.old]
    assert packed.superseded[0].source.startswith("call-"), "the old value keeps the tool call it came from"
    [report] = again.packet.hand_backs
    assert (report.agent, report.actions, report.decisions, report.facts) == (
        "Ana",
        ["called the warehouse"],
        ["no further compensation"],
        [case.fact],
    )
    card = render_card(again.packet)
    assert card.index(f"{case.fact} = {case.new}   [Ana, {event.id}]") < card.index(f"was {case.old}   [call-")


def test_the_demo_story_states_saturday_only(desk: SupportDesk) -> None:
    from relevo.demo._story import STORY

    [chapter] = [c for c in STORY if c.customer == "C-1001"]
    conv = desk.start(customer_id=chapter.customer)
    replies = [run_line(desk, conv, line).reply for line in chapter.script]
    status = replies[chapter.script.index("Great. And can you confirm the status of the order now?")]
    assert status is not None and "Saturday" in status
    assert "Nov 25" not in status and not states_value(status, "2026-11-25"), status


def test_a_newer_tool_reading_replaces_the_human_value_and_is_said(desk: SupportDesk) -> None:
    """The human's value stands until something newer than the hand-back changes it (here: the carrier's date
    moves after the hand-back)."""
    conv = desk.start(customer_id="C-1001")
    desk.send(conv, "Where is my order ORD-1042?")
    desk.send(conv, "I want to talk to a person")
    desk.takeover(conv, "Ana")
    desk.hand_back(conv, parse_hand_back("fact: shipment_estimated_delivery=Saturday"))
    # The carrier's system catches up after the hand-back and moves the date again.
    data = load_store_data()
    shipments = [
        s.model_copy(update={"estimated_delivery": date(2026, 11, 23)}) if s.order_id == "ORD-1042" else s
        for s in data.shipments
    ]
    moved = DemoStore(data.model_copy(update={"shipments": shipments}))
    services = tuple(moved if isinstance(s, StoreBackend) else s for s in desk.context.services)
    desk.context = dataclasses.replace(desk.context, services=services)
    after = desk.send(conv, "Where is my order ORD-1042?")
    assert after.reply is not None and "Nov 23" in after.reply and "Saturday" not in after.reply
    fact = desk.state(conv).fact("shipment_estimated_delivery")
    assert fact is not None and not fact.by_human
    assert [(v.value, v.set_by) for v in fact.superseded] == [("2026-11-25", ""), ("Saturday", "Ana")]


def test_typed_hand_back_survives_a_restart(tmp_path: Path, run_context: RunContext) -> None:
    builder = DeskBuilder(load_config())
    with builder.open_with_context(tmp_path / "data", run_context) as first:
        conv = first.start(customer_id="C-1001")
        first.send(conv, "I want to talk to a person")
        first.takeover(conv, "Ana")
        first.hand_back(conv, parse_hand_back("did: checked | fact: shipment_estimated_delivery=Saturday"))
    with builder.open_with_context(tmp_path / "data", run_context) as second:
        state = second.state(conv)
        fact = state.fact("shipment_estimated_delivery")
        assert fact is not None and fact.set_by == "Ana"
        assert [r.actions for r in state.hand_backs] == [["checked"]]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Upgraded ORD-1042, arriving Saturday", HandBack(note="Upgraded ORD-1042, arriving Saturday")),
        (
            " Upgraded | did: upgraded to express | decided: no refund | promised: delivery by Saturday"
            " | fact: shipment_estimated_delivery=Saturday | fact order_status = shipped ",
            HandBack(
                note="Upgraded",
                actions=["upgraded to express"],
                decisions=["no refund"],
                promises=[Promise(what="delivery by Saturday")],
                facts=[
                    FactChange(name="shipment_estimated_delivery", value="Saturday"),
                    FactChange(name="order_status", value="shipped"),
                ],
            ),
        ),
        ("DID: a | Promise: b", HandBack(actions=["a"], promises=[Promise(what="b")])),
        ("", HandBack()),
    ],
)
def test_the_hand_back_line_reads_typed_parts(line: str, expected: HandBack) -> None:
    parsed = parse_hand_back(line)
    assert parsed == expected
    assert parse_hand_back(describe_hand_back(parsed)) == parsed, "the description reads back as the same"


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("did:", "is empty"),
        ("fact: eta", "write a fact as fact: name=value"),
        ("fact: eta=", "write a fact as fact: name=value"),
        ("fact: Delivery Date=Saturday", "a fact name is lower-case letters"),
        ("fact: eta=1 | fact: eta=2", "fact eta is set twice"),
        ("did: " + "x" * 501, "at most 500 characters"),
    ],
)
def test_a_malformed_hand_back_line_is_refused(line: str, match: str) -> None:
    with pytest.raises(BadInputError, match=match):
        parse_hand_back(line)


@pytest.mark.parametrize(
    ("customer", "ask", "person", "old", "new"),
    [
        ("V-1001", "how much data do I have left?", "I want to talk to a person", "38.5", "43.5"),
        ("V-1002", "¿cuántos datos me quedan?", "Quiero hablar con un agente", "1.2", "6.2"),
        ("V-1003", "quantos dados me restam?", "Quero falar com um atendente", "21.0", "26.0"),
    ],
)
def test_a_declarative_tool_answer_gives_the_human_value_of_a_same_named_field(
    tmp_path: Path, telecom_context: RunContext, customer: str, ask: str, person: str, old: str, new: str
) -> None:
    """The telecom desk answers balances with a reply template filled from the tool's result; a human who
    topped the data up sets ``data_left_gb`` and the template says their value, not the tool's older one."""
    with DeskBuilder(load_config()).open_with_context(tmp_path / "data", telecom_context) as desk:
        conv = desk.start(customer_id=customer)
        before = desk.send(conv, ask)
        assert before.reply is not None and f"{old} GB" in before.reply, before.reply
        assert desk.send(conv, person).mode == "pending_human"
        desk.takeover(conv, "Sam")
        desk.hand_back(conv, parse_hand_back(f"did: added 5 GB | fact: data_left_gb={new}"))
        after = desk.send(conv, ask)
        assert after.reply is not None and f"{new} GB" in after.reply and old not in after.reply, after.reply
        again = desk.send(conv, person)
        assert again.packet is not None
        [data] = [f for f in again.packet.facts if f.name == "data_left_gb"]
        assert (data.value, data.set_by) == (new, "Sam")
        assert [(v.value, v.source.startswith("call-")) for v in data.superseded] == [(old, True)]


def get_visit(customer_id: str) -> dict[str, str]:
    """The customer's next visit."""
    return {"when": "2026-11-25"}


@pytest.mark.parametrize("declared", [True, False])
def test_the_value_a_human_replaces_is_read_from_the_tool_field_its_effects_declare(declared: bool) -> None:
    """A fact no turn recorded yet, but a tool result said: what the tool said is kept as the superseded value
    when the tool declares the field as that fact (without the declaration, ``when`` is not ``visit_date``)."""
    tools = ToolRegistry()
    tools.register(get_visit, effects=ToolEffects(facts={"when": "visit_date"}) if declared else None)
    call = ToolCallRecord(id="call-001-1", tool="get_visit", arguments={}, status="ok", result='{"when": "2026-11-25"}')
    state = ConversationState(conversation_id="c", customer=CustomerRef(id="C-1"), tool_calls=[call])
    event = HandBack(facts=[FactChange(name="visit_date", value="2026-11-27")])
    now = datetime(2026, 11, 20, tzinfo=UTC)
    facts, _, report = hand_back_records(
        state, event, agent="Ana", event_id="evt-002-1", now=now, ids=TurnIds(2), tools=tools
    )
    human = Fact(name="visit_date", value="2026-11-27", source="evt-002-1", at=now, set_by="Ana")
    seeded = [Fact(name="visit_date", value="2026-11-25", source="call-001-1")] if declared else []
    assert facts == [*seeded, human]
    assert report.facts == ["visit_date"]
