"""Check, when a desk loads, that its settings name only intents its catalog has, tiers it ranks and escalation
reasons that exist.

A threshold naming an intent the catalog lacks (or a routing rule naming a reason no trigger raises) would
silently match nothing; it is a configuration error instead, raised before the first message.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from relevo._config import RelevoConfig
from relevo._errors import ConfigurationError
from relevo.contracts import BUILTIN_REASON_CODES, IntentCatalog

__all__ = ["INTENT_KEYS", "REASON_KEYS", "TIER_KEYS", "check_intent_references", "check_reason_references"]

INTENT_KEYS: dict[str, Callable[[RelevoConfig], Sequence[str]]] = {
    "escalation.policy_sensitive.amount_intents": lambda c: c.escalation.policy_sensitive.amount_intents,
    "escalation.lead_qualified.intents": lambda c: c.escalation.lead_qualified.intents,
    "escalation.vip.intents": lambda c: c.escalation.vip.intents,
}
"""Settings whose values are intent names (dotted key -> getter)."""

TIER_KEYS: dict[str, Callable[[RelevoConfig], Sequence[str]]] = {
    "escalation.vip.tiers": lambda c: c.escalation.vip.tiers,
    "routing.high_tiers": lambda c: c.routing.high_tiers,
}
"""Settings whose values are customer tiers (dotted key -> getter)."""

REASON_KEYS: dict[str, Callable[[RelevoConfig], Sequence[str]]] = {
    "routing.reason_queues": lambda c: list(c.routing.reason_queues),
    "routing.urgent_reasons": lambda c: c.routing.urgent_reasons,
    "routing.high_reasons": lambda c: c.routing.high_reasons,
}
"""Settings whose values (or keys) are escalation reason codes (dotted key -> getter)."""


def check_intent_references(config: RelevoConfig, catalog: IntentCatalog, tiers: Sequence[str] | None = None) -> None:
    """Raise when a setting names an intent ``catalog`` lacks, or a tier ``tiers`` lacks.

    Args:
        config: the desk's settings.
        catalog: the desk's whole catalog (built-in intents included).
        tiers: the desk's customer tiers, lowest first; None or empty: tiers are not checked.

    Raises:
        ConfigurationError: naming every offending key and value, e.g.
            ``escalation.vip.intents names intent 'complaint', which the desk's catalog does not have``.
    """
    known = {intent.name for intent in catalog.intents}
    problems = [
        f"{key} names intent {name!r}, which the desk's catalog does not have"
        for key, get in INTENT_KEYS.items()
        for name in get(config)
        if name not in known
    ]
    if tiers:
        problems += [
            f"{key} names tier {name!r}, which is not one of the desk's tiers ({', '.join(tiers)})"
            for key, get in TIER_KEYS.items()
            for name in get(config)
            if name not in tiers
        ]
    if problems:
        raise ConfigurationError("; ".join(problems) + f" (intents: {', '.join(sorted(known))})")


def check_reason_references(config: RelevoConfig, custom_codes: Collection[str] = ()) -> None:
    """Raise when a setting names an escalation reason that neither relevo nor the desk's triggers raise.

    Args:
        config: the desk's settings.
        custom_codes: the codes of the desk's own triggers (``DeskBuilder.add_trigger``).

    Raises:
        ConfigurationError: naming every offending key and code, e.g.
            ``routing.reason_queues names reason 'lead_qualifed', which no trigger raises``.
    """
    known = {*BUILTIN_REASON_CODES, *custom_codes}
    problems = [
        f"{key} names reason {code!r}, which no trigger raises"
        for key, get in REASON_KEYS.items()
        for code in get(config)
        if code not in known
    ]
    if problems:
        raise ConfigurationError("; ".join(problems) + f" (reasons: {', '.join(sorted(known))})")
