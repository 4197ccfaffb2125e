"""Check, when a desk loads, that its settings name only intents its catalog has and tiers it ranks.

A threshold naming an intent the catalog lacks would silently match nothing; it is a configuration error instead,
raised before the first message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from relevo._config import RelevoConfig
from relevo._errors import ConfigurationError
from relevo.contracts import IntentCatalog

__all__ = ["INTENT_KEYS", "TIER_KEYS", "check_intent_references"]

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
