"""Declarative tool answers and who sees what: a guest is never looked up, a call that does not fit the tool is
the desk's fault (a handoff, never a validation message to the customer), and the tool's result is the record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relevo import ConfigurationError, DeskBuilder, DeskProfile
from relevo._config import load_config
from relevo.contracts import CustomerProfile, InMemoryDirectory, IntentCatalog, IntentDefinition, ToolAnswer
from relevo.orchestrator import RunContext, SupportDesk

LANGUAGES = ("en", "es", "pt", "vi")
calls: list[str] = []


def plan_details(customer_id: str) -> dict[str, str]:
    """The customer's plan."""
    calls.append(customer_id)
    return {"plan": "Unlimited 5G"}


def nearest_branch(city: str) -> dict[str, str]:
    """The branch serving a city, by its full name."""
    return {"city": {"madrid": "Madrid Centro", "lisboa": "Lisboa Baixa"}[city.lower()], "hours": "9-18"}


def loyalty_points(customer_id: int) -> dict[str, int]:
    """Points earned (the tool wants a numeric id; the desk's customer ids are not: every call misfits)."""
    return {"points": 120}


def block_card(customer_id: str, last4: str) -> dict[str, str]:
    """Block one of the customer's cards by its last four digits."""
    calls.append(f"{customer_id}/{last4}")
    return {"status": "blocked"}


def _intent(name: str, examples: dict[str, list[str]], tool: ToolAnswer) -> IntentDefinition:
    return IntentDefinition(
        name=name, description=name.replace("_", " "), queue="care", skill="care", examples=examples, tool=tool
    )


PLAN = {
    "en": ["what plan am I on?", "which plan do I have", "tell me my current plan"],
    "es": ["¿qué plan tengo?", "cuál es mi plan actual", "dime mi tarifa actual"],
    "pt": ["qual é o meu plano?", "que plano eu tenho", "diz-me o meu tarifário atual"],
    "vi": ["tôi đang dùng gói cước nào?", "gói cước hiện tại của tôi là gì", "cho tôi biết gói cước của tôi"],
}
BRANCH = {
    "en": ["where is your branch in madrid?", "branch address in lisboa", "opening hours of the branch in madrid"],
    "es": ["¿dónde está la sucursal de madrid?", "dirección de la sucursal en lisboa"],
    "pt": ["onde fica a agência de lisboa?", "morada da agência em madrid"],
    "vi": ["chi nhánh ở madrid ở đâu?", "địa chỉ chi nhánh tại lisboa"],
}
POINTS = {
    "en": ["how many loyalty points do I have?", "my loyalty points balance", "points earned this year"],
    "es": ["¿cuántos puntos de fidelidad tengo?", "mis puntos de fidelidad"],
    "pt": ["quantos pontos de fidelidade eu tenho?", "os meus pontos de fidelidade"],
    "vi": ["tôi có bao nhiêu điểm thưởng?", "điểm tích lũy của tôi"],
}

CARD = {
    "en": ["block my card please", "I lost my card, block it", "freeze my debit card"],
    "es": ["bloquea mi tarjeta por favor", "perdí mi tarjeta, bloquéala"],
    "pt": ["bloqueie o meu cartão por favor", "perdi o meu cartão, bloqueia"],
    "vi": ["khóa thẻ của tôi giúp", "tôi bị mất thẻ, khóa thẻ giúp tôi"],
}


def desk_builder() -> DeskBuilder:
    catalog = IntentCatalog(
        intents=[
            _intent(
                "my_plan",
                PLAN,
                ToolAnswer(
                    name="plan_details", args={"customer_id": "customer_id"}, reply={"en": "You are on {plan}."}
                ),
            ),
            _intent(
                "branch_hours",
                BRANCH,
                ToolAnswer(
                    name="nearest_branch",
                    args={"city": "city"},
                    facts=[{"name": "city", "pattern": r"\b(madrid|lisboa)\b", "ask": {"en": "Which city?"}}],  # pyright: ignore[reportArgumentType]
                    reply={"en": "Our {city} branch is open {hours}."},
                ),
            ),
            _intent(
                "card_block",
                CARD,
                ToolAnswer(
                    name="block_card",
                    args={"customer_id": "customer_id", "last4": "last4"},
                    facts=[{"name": "last4", "pattern": r"\b(\d{4})\b", "ask": {"en": "Which card (last 4 digits)?"}}],  # pyright: ignore[reportArgumentType]
                    reply={"en": "Card {last4} is {status}."},
                ),
            ),
            _intent(
                "loyalty",
                POINTS,
                ToolAnswer(
                    name="loyalty_points", args={"customer_id": "customer_id"}, reply={"en": "{points} points."}
                ),
            ),
        ]
    )
    profile = DeskProfile(name="Northwind Telecom", scope="your plan and our branches", languages=list(LANGUAGES))
    return (
        DeskBuilder(load_config())
        .with_profile(profile)
        .with_catalog(catalog)
        .with_directory(InMemoryDirectory([CustomerProfile(id="N-1", name="Kim Lee", tier="standard", language="en")]))
        .add_tool(plan_details)
        .add_tool(nearest_branch)
        .add_tool(loyalty_points)
        .add_tool(block_card)
    )


@pytest.fixture(scope="module")
def context() -> RunContext:
    return desk_builder().context()


@pytest.fixture
def desk(tmp_path: Path, context: RunContext) -> Iterator[SupportDesk]:
    with desk_builder().open_with_context(tmp_path, context) as opened:
        yield opened


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guest_is_asked_to_identify_and_never_looked_up(desk: SupportDesk, language: str) -> None:
    calls.clear()
    turn = desk.send(desk.start(), PLAN[language][0])
    assert turn.reply == desk.context.texts.render("identify_first", language)
    assert turn.mode == "ai_active" and calls == []
    assert "customer_id" not in turn.reply and "invalid" not in turn.reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guest_is_asked_to_identify_before_any_detail_the_tool_needs(desk: SupportDesk, language: str) -> None:
    calls.clear()
    conv = desk.start()
    turn = desk.send(conv, CARD[language][0])
    assert turn.reply == desk.context.texts.render("identify_first", language)
    assert calls == [] and "last 4" not in turn.reply


def test_an_identified_customer_is_asked_for_the_detail_then_served(desk: SupportDesk) -> None:
    calls.clear()
    conv = desk.start(customer_id="N-1")
    assert desk.send(conv, CARD["en"][0]).reply == "Which card (last 4 digits)?"
    assert desk.send(conv, "it ends in 4821").reply == "Card 4821 is blocked."
    assert calls == ["N-1/4821"]


def test_an_identified_customer_is_looked_up(desk: SupportDesk) -> None:
    calls.clear()
    turn = desk.send(desk.start(customer_id="N-1"), PLAN["en"][0])
    assert turn.reply == "You are on Unlimited 5G." and calls == ["N-1"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_that_does_not_fit_the_tool_is_a_failure_never_shown(desk: SupportDesk, language: str) -> None:
    turn = desk.send(desk.start(customer_id="N-1"), POINTS[language][0])
    assert turn.mode == "pending_human"
    assert turn.escalation is not None and [r.code for r in turn.escalation.reasons] == ["tool_failure"]
    said = " ".join(m.text for m in turn.messages)
    assert "invalid arguments" not in said and "integer" not in said


@pytest.mark.parametrize(
    ("message", "full_name"), [(BRANCH["en"][0], "Madrid Centro"), (BRANCH["pt"][0], "Lisboa Baixa")]
)
def test_the_tools_result_fills_the_reply_before_the_customers_words(
    desk: SupportDesk, message: str, full_name: str
) -> None:
    turn = desk.send(desk.start(customer_id="N-1"), message)
    assert turn.reply is not None and f"Our {full_name} branch is open 9-18." in turn.reply


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"customer_id": "customer_id", "town": "city"}, r"'town' is not a parameter of nearest_branch"),
        ({"customer_id": "customer_id"}, r"nearest_branch needs 'city' \(its parameters: city\)"),
    ],
)
def test_tool_args_that_do_not_fit_the_tool_fail_at_build(args: dict[str, str], message: str) -> None:
    facts = [{"name": "city", "pattern": r"\b(madrid)\b", "ask": {"en": "Which city?"}}]
    answer = ToolAnswer(name="nearest_branch", args=args, facts=facts, reply={"en": "{hours}"})  # pyright: ignore[reportArgumentType]
    builder = desk_builder().with_catalog(IntentCatalog(intents=[_intent("branch_hours", BRANCH, answer)]))
    with pytest.raises(ConfigurationError, match=message):
        builder.check()
