"""relevo's built-in conversational intents: in every language, neutral, merged under a desk's own."""

from __future__ import annotations

import re

import pytest

from relevo.contracts import (
    RESERVED_INTENTS,
    IntentCatalog,
    IntentDefinition,
    builtin_intents,
    with_builtin_intents,
)

LANGUAGES = ("en", "es", "pt", "vi")
SHOP_WORDS = re.compile(r"lumen|\border|pedido|encomenda|shipment|delivery|warranty|garant|\bshop\b|store", re.I)


@pytest.mark.parametrize("name", RESERVED_INTENTS)
def test_every_builtin_intent_has_examples_in_every_language(name: str) -> None:
    intent = builtin_intents().get(name)
    assert intent is not None
    for language in LANGUAGES:
        assert len(intent.examples.get(language, [])) >= 8, (name, language)


def test_builtin_intents_name_no_business() -> None:
    texts = [intent.description for intent in builtin_intents().intents] + [
        text for intent in builtin_intents().intents for examples in intent.examples.values() for text in examples
    ]
    assert [t for t in texts if SHOP_WORDS.search(t)] == []


def _own(name: str, queue: str = "billing") -> IntentDefinition:
    return IntentDefinition(name=name, description=name, queue=queue, skill=queue, examples={"en": [f"{name} example"]})


def test_builtins_are_added_to_a_catalog_and_the_desks_definition_wins() -> None:
    catalog = IntentCatalog(intents=[_own("check_balance"), _own("human_agent", queue="care")])
    merged = catalog.with_builtins()
    names = [intent.name for intent in merged.intents]
    assert set(names) == {"check_balance", *RESERVED_INTENTS}
    assert len(names) == len(set(names))
    human = merged.get("human_agent")
    assert human is not None and human.queue == "care"
    assert with_builtin_intents(merged) == merged
