"""Composing your own graph: a billing specialist node, a custom trigger and a custom tool."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.tools import tool

from relevo._config import load_config
from relevo._errors import ConfigurationError
from relevo.agents import PolicyView, Resolution, ResolverTurn, trigger
from relevo.contracts import Attempt
from relevo.demo import desk as demo_desk
from relevo.orchestrator import RunContext, SupportDesk, SupportGraphBuilder
from relevo.tools import ToolContext


def invoice_status(ctx: ToolContext, invoice_id: str) -> dict[str, str]:
    """Look up an invoice in the billing system."""
    return {"invoice_id": invoice_id, "status": "paid", "customer": ctx.customer_id or "guest"}


@tool
def exchange_rate(currency: str) -> str:
    """Today's EUR exchange rate for a currency code."""
    return {"USD": "1.08", "GBP": "0.86"}.get(currency.upper(), "unknown")


class BillingSpecialist:
    """Answers payment questions by checking the invoice system through a tool."""

    def resolve(self, turn: ResolverTurn) -> Resolution:
        record, result = turn.toolbox.call("invoice_status", {"invoice_id": "INV-77"})
        status = result.data.get("status", "unknown") if result.ok else "unavailable"
        return Resolution(
            reply=f"Billing here: invoice INV-77 is {status}.",
            grounding=[record.id],
            attempts=[
                Attempt(
                    id=record.id,
                    action="tool_call",
                    target="invoice_status",
                    outcome="answered",
                    message_id=turn.message.id,
                )
            ],
        )


@trigger("chargeback_risk")
def chargeback_risk(view: PolicyView) -> str | None:
    words = ("chargeback", "dispute", "bank")
    text = view.state.messages[-1].text.lower() if view.state.messages else ""
    return "customer mentions their bank" if any(w in text for w in words) else None


@pytest.fixture
def custom_desk(tmp_path: Path, run_context: RunContext) -> Iterator[SupportDesk]:
    builder = (
        demo_desk(load_config())
        .add_tool(invoice_status)
        .add_tool(exchange_rate)
        .add_trigger(chargeback_risk)
        .add_specialist("billing", BillingSpecialist(), handles=lambda intent: intent == "payment_issue")
    )
    # Reuse the session's fitted agents; tools, triggers and specialists come from this builder.
    fresh = builder.context()
    with builder.open_with_context(tmp_path, fresh) as desk:
        yield desk


def test_specialist_node_answers_its_intents(custom_desk: SupportDesk) -> None:
    conv = custom_desk.start(customer_id="C-1004")
    turn = custom_desk.send(conv, "My card payment failed twice when I tried to pay")
    assert turn.signals is not None and turn.signals.intent == "payment_issue"
    assert turn.reply == "Billing here: invoice INV-77 is paid."
    state = custom_desk.state(conv)
    assert state.tool_calls[-1].tool == "invoice_status"
    assert '"customer": "C-1004"' in state.tool_calls[-1].result
    other = custom_desk.send(conv, "How many days do I have to return an item?")
    assert other.reply is not None and "Billing here" not in other.reply


def test_custom_trigger_escalates_with_its_code(custom_desk: SupportDesk) -> None:
    conv = custom_desk.start(customer_id="C-1004")
    turn = custom_desk.send(conv, "I will ask my bank to reverse the payment")
    assert turn.mode == "pending_human"
    assert turn.escalation is not None and "chargeback_risk" in turn.escalation.codes
    assert turn.packet is not None and any(r.code == "chargeback_risk" for r in turn.packet.reasons)


def test_custom_tools_are_registered(custom_desk: SupportDesk) -> None:
    names = custom_desk.context.tools.names()
    assert {"invoice_status", "exchange_rate", "lookup_order"} <= set(names)
    from relevo.tools import ToolContext as Ctx

    ctx = Ctx(now=custom_desk.context.clock, new_id=lambda p: p, conversation_id="x")
    assert custom_desk.context.tools.call("exchange_rate", {"currency": "usd"}, ctx).data


def test_custom_graph_drawing_has_the_specialist() -> None:
    builder = SupportGraphBuilder()
    builder.add_specialist("billing", BillingSpecialist(), handles=lambda intent: intent == "payment_issue")
    drawn = builder.compile().get_graph().draw_mermaid()
    assert "escalate -.-> specialist_billing" in drawn
    assert "specialist_billing -.-> summarize" in drawn
    with pytest.raises(ConfigurationError, match="already exists"):
        builder.add_specialist("billing", BillingSpecialist(), handles=lambda intent: False)
