"""What a model's tool calls establish comes from the tools' declared effects, in any desk (here a carrier's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from relevo import BadInputError, SupportDesk, load_desk
from relevo.models import ToolCallRequest
from relevo.testing import ScriptedModel
from relevo.tools import OfferTerms, ToolContext, ToolEffects, ToolRegistry

TELECOM = Path(__file__).parents[2] / "examples" / "telecom"


def find_line(number: str) -> dict[str, str]:
    """Find a phone line by its number.

    Args:
        number: The line's number in E.164 form.
    """
    return {"line_id": "L-77", "number": number, "plan": "Unlimited 5G"}


def offer_bill_credit(ctx: ToolContext, line_id: str) -> dict[str, str | float]:
    """Work out the bill credit a line may be offered for a network outage.

    Args:
        line_id: The line, e.g. L-77.
    """
    return {"credit_id": ctx.new_id("credit"), "amount": 5.0, "currency": "GBP", "description": "a bill credit"}


def open_case(subject: str) -> dict[str, str]:
    """Open a case for the network team.

    Args:
        subject: One line saying what happened.
    """
    return {"case": "CASE-7"}


CREDIT = ToolEffects(offer=OfferTerms(offer_id="credit_id", reference="line_id", fact="credit_offered"))


def line_status(customer_id: str) -> dict[str, str]:
    """Whether the customer's line is active (declares no effects)."""
    return {"status": "active", "since": "2024-03-01"}


@contextmanager
def _carrier(tmp_path: Path, resolver: ScriptedModel) -> Iterator[SupportDesk]:
    builder = (
        load_desk(TELECOM)
        .add_tool(line_status)
        .add_tool(find_line, effects=ToolEffects(facts={"line_id": "line_id", "plan": "plan", "missing": "x"}))
        .add_tool(offer_bill_credit, effects=CREDIT)
        .add_tool(open_case, effects=ToolEffects(commitment="case {case} ({call_id}): {subject}{nowhere}"))
        .with_model("resolver", resolver)
    )
    with builder.open(tmp_path) as desk:
        yield desk


def _calls(*steps: ToolCallRequest | str) -> ScriptedModel:
    return ScriptedModel(list(steps), name="openai/small")


def test_declared_facts_offer_and_commitment_are_recorded(tmp_path: Path) -> None:
    resolver = _calls(
        ToolCallRequest(id="c1", name="find_line", arguments={"number": "+447700900101"}),
        ToolCallRequest(id="c2", name="offer_bill_credit", arguments={"line_id": "L-77"}),
        ToolCallRequest(id="c3", name="open_case", arguments={"subject": "no signal at home"}),
        "I have opened case CASE-7 and can offer you a bill credit of £5.00 for line L-77. Would you like it?",
    )
    with _carrier(tmp_path, resolver) as desk:
        conv = desk.start(customer_id="V-1001")
        turn = desk.send(conv, "I have had no signal at home for two days")
        state = desk.state(conv)
    resolver.assert_used_up()
    assert turn.guard is not None and turn.guard.action == "sent", turn.guard
    calls = {c.tool: c.id for c in state.tool_calls}
    facts = {f.name: (f.value, f.source) for f in state.facts}
    assert facts["line_id"] == ("L-77", calls["find_line"])
    assert facts["plan"] == ("Unlimited 5G", calls["find_line"])
    assert "x" not in facts  # a field the result lacks records nothing
    assert facts["credit_offered"] == ("5.00", calls["offer_bill_credit"])
    offer = state.pending_offer
    assert offer is not None
    assert (offer.tool, offer.reference, offer.amount, offer.currency) == ("offer_bill_credit", "L-77", 5.0, "GBP")
    assert offer.offer_id.startswith("credit-") and offer.description == "a bill credit"
    assert [c.what for c in state.commitments] == [f"case CASE-7 ({calls['open_case']}): no signal at home"]


def test_an_amount_above_what_the_offer_tool_allowed_is_caught(tmp_path: Path) -> None:
    promise = "I have credited £50.00 to line L-77 for the outage."
    resolver = _calls(
        ToolCallRequest(id="c1", name="offer_bill_credit", arguments={"line_id": "L-77"}),
        promise,
        promise,
    )
    with _carrier(tmp_path, resolver) as desk:
        conv = desk.start(customer_id="V-1001")
        turn = desk.send(conv, "I have had no signal at home for two days")
    resolver.assert_used_up()
    assert promise not in (turn.reply or "")
    assert turn.guard is not None and turn.guard.action == "offline"
    assert any(f.startswith("amount: 50") and "more than any offer" in f for f in turn.guard.failed), turn.guard


def test_tools_without_declared_effects_establish_nothing(tmp_path: Path) -> None:
    resolver = _calls(
        ToolCallRequest(id="c1", name="line_status", arguments={"customer_id": "V-1001"}),
        "Your line is active.",
    )
    with _carrier(tmp_path, resolver) as desk:
        conv = desk.start(customer_id="V-1001")
        desk.send(conv, "is my line active?")
        state = desk.state(conv)
    resolver.assert_used_up()
    assert [c.tool for c in state.tool_calls] == ["line_status"]
    assert not [f for f in state.facts if f.source == state.tool_calls[0].id]
    assert state.pending_offer is None and not state.commitments


def test_a_desk_folders_declared_effects_are_recorded(tmp_path: Path) -> None:
    """examples/telecom/tools.py declares EFFECTS: account_balance's balance and renewal day become facts."""
    resolver = _calls(
        ToolCallRequest(id="c1", name="account_balance", arguments={"customer_id": "V-1001"}),
        "Your balance is 0.00.",
    )
    with _carrier(tmp_path, resolver) as desk:
        conv = desk.start(customer_id="V-1001")
        desk.send(conv, "what is my balance?")
        state = desk.state(conv)
    resolver.assert_used_up()
    recorded = {f.name: f.value for f in state.facts if f.source == state.tool_calls[0].id}
    assert recorded == {"balance": "0.00", "renews_on": "the 1st"}


def test_a_registry_knows_each_tools_effects() -> None:
    registry = ToolRegistry()
    registry.register(offer_bill_credit, effects=CREDIT)
    registry.register(open_case)
    twin = registry.copy()

    assert twin.effects("offer_bill_credit") == CREDIT
    assert twin.effects("open_case") == ToolEffects()
    with pytest.raises(BadInputError, match="unknown tool nothing"):
        twin.effects("nothing")
