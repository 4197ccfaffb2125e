"""Where a handoff goes: the intent's queue, unless the desk routes a reason elsewhere or a trigger names one."""

from __future__ import annotations

import pytest

from relevo import ConfigurationError, load_config
from relevo.agents import route_handoff
from relevo.contracts import CustomerRef, EscalationReason, IntentCatalog, IntentDefinition
from relevo.orchestrator import check_reason_references

CATALOG = IntentCatalog(
    intents=[IntentDefinition(name="plan_change", description="p", queue="care", skill="plans", examples={})]
)
MEMBER = CustomerRef(id="V-1", tier="member", is_guest=False)


def _route(reasons: list[EscalationReason], **routing: object) -> tuple[str, str]:
    config = load_config(overrides={"routing": routing}).routing
    route = route_handoff(
        intent="plan_change",
        language="es",
        customer=MEMBER,
        reasons=reasons,
        urgency=0.0,
        catalog=CATALOG,
        config=config,
    )
    return route.queue, route.skill


LEAD = EscalationReason(code="lead_qualified", evidence="wants 40 lines")
ASKED = EscalationReason(code="explicit_request", evidence='"una persona"')


@pytest.mark.parametrize(
    ("reasons", "routing", "expected"),
    [
        ([LEAD], {}, ("care", "plans")),  # no desk routing: every reason keeps the intent's queue
        ([LEAD], {"reason_queues": {"lead_qualified": {"queue": "business"}}}, ("business", "business")),
        (
            [ASKED, LEAD],
            {"reason_queues": {"lead_qualified": {"queue": "business", "skill": "b2b"}}},
            ("business", "b2b"),
        ),
        ([ASKED], {"reason_queues": {"lead_qualified": {"queue": "business"}}}, ("care", "plans")),
        (
            [EscalationReason(code="retention", evidence="cancel", queue="retention"), LEAD],
            {"reason_queues": {"lead_qualified": {"queue": "business"}}},
            ("retention", "retention"),  # a trigger that names its queue wins over the desk's reason routing
        ),
    ],
)
def test_reason_routing_comes_from_the_desk(
    reasons: list[EscalationReason], routing: dict[str, object], expected: tuple[str, str]
) -> None:
    assert _route(reasons, **routing) == expected


@pytest.mark.parametrize(
    ("routing", "key", "code"),
    [
        ({"reason_queues": {"lead_qualifed": {"queue": "sales"}}}, "routing.reason_queues", "lead_qualifed"),
        ({"urgent_reasons": ["explicit_requests"]}, "routing.urgent_reasons", "explicit_requests"),
        ({"high_reasons": ["vipp"]}, "routing.high_reasons", "vipp"),
    ],
)
def test_a_reason_no_trigger_raises_is_a_configuration_error(routing: dict[str, object], key: str, code: str) -> None:
    config = load_config(overrides={"routing": routing})
    with pytest.raises(ConfigurationError, match=rf"{key} names reason '{code}', which no trigger raises"):
        check_reason_references(config)
    if key == "routing.reason_queues":
        check_reason_references(config, {code})  # a custom trigger's code is a reason like any other
