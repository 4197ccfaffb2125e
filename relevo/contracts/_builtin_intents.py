"""relevo's built-in conversational intents (greeting, thanks, yes/no, human request, out of scope).

Every desk gets them, in every supported language, unless it defines an intent of the same name: a desk's catalog
lists its own business intents and "gracias" is still a thanks, "hello" still a greeting.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

from relevo.contracts._catalog import IntentCatalog

__all__ = ["RESERVED_INTENTS", "builtin_intents", "with_builtin_intents"]

RESERVED_INTENTS = ("greeting", "thanks_goodbye", "affirm", "deny", "human_agent", "out_of_scope")
"""The built-in intent names; each triggers engine behaviour (see the README's "Reserved intents" table)."""


@functools.cache
def builtin_intents() -> IntentCatalog:
    """The built-in conversational intents with examples in en, es, pt and vi (package data, validated)."""
    text = (resources.files("relevo.contracts") / "data" / "builtin_intents.yaml").read_text(encoding="utf-8")
    return IntentCatalog.model_validate(yaml.safe_load(text))


def with_builtin_intents(catalog: IntentCatalog, *, queue: str = "general", skill: str | None = None) -> IntentCatalog:
    """``catalog`` plus every built-in intent it does not define itself (the desk's definition wins), built-ins
    first so that reading order stays: conversation, then business.

    Args:
        catalog: the desk's own intents.
        queue: where a handoff during a built-in intent goes (a request for a person with no topic, out of scope).
        skill: the skill that queue needs; None: the queue's name.
    """
    own = {intent.name for intent in catalog.intents}
    added = [
        intent.model_copy(update={"queue": queue, "skill": skill or queue})
        for intent in builtin_intents().intents
        if intent.name not in own
    ]
    if not added:
        return catalog
    return IntentCatalog(intents=[*added, *catalog.intents], facts=catalog.facts)
