"""Where a handoff goes: queue and skill from the intent, language from the conversation, priority from why."""

from __future__ import annotations

from collections.abc import Sequence

from relevo._config import RoutingConfig
from relevo.contracts import CustomerRef, EscalationReason, IntentCatalog, Priority, Route

__all__ = ["route_handoff"]

_PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")


def route_handoff(
    *,
    intent: str,
    language: str,
    customer: CustomerRef,
    reasons: Sequence[EscalationReason],
    urgency: float,
    catalog: IntentCatalog,
    config: RoutingConfig,
) -> Route:
    """The queue, skill, language and priority for a handoff.

    Queue and skill: a reason whose trigger names a queue or skill, else the first reason listed in
    ``config.reason_queues`` (the desk's ``[routing.reason_queues]``), else the intent's (``general`` for an
    intent the catalog lacks). Priority: ``config``'s urgent/high reasons and tiers, the urgency score, and the
    highest priority a reason asks for.
    """
    codes = [r.code for r in reasons]
    definition = catalog.get(intent)
    queue, skill = (definition.queue, definition.skill) if definition is not None else ("general", "general")
    chosen = next((r for r in reasons if r.queue is not None or r.skill is not None), None)
    if chosen is not None:
        # A trigger that names its queue or skill (a retention rule -> retention) wins over the intent's.
        queue, skill = chosen.queue or queue, chosen.skill or chosen.queue or skill
    else:
        routed = next((config.reason_queues[code] for code in codes if code in config.reason_queues), None)
        if routed is not None:
            queue, skill = routed.queue, routed.skill or routed.queue
    priority: Priority = "normal"
    if any(code in config.urgent_reasons for code in codes) or urgency >= 0.8:
        priority = "urgent"
    elif any(code in config.high_reasons for code in codes) or customer.tier in config.high_tiers or urgency >= 0.5:
        priority = "high"
    elif customer.is_guest and not codes:
        priority = "low"
    asked = [r.priority for r in reasons if r.priority is not None]
    if asked:
        priority = max([priority, *asked], key=_PRIORITIES.index)
    return Route(queue=queue, skill=skill, language=language, priority=priority)
