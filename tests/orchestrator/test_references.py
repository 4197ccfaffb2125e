"""A setting naming an intent the desk's catalog lacks (or a tier it does not rank) fails when the desk loads."""

from __future__ import annotations

import pytest

from relevo import ConfigurationError, RelevoConfig, load_config
from relevo.contracts import IntentCatalog, IntentDefinition
from relevo.orchestrator import check_intent_references

NEUTRAL: dict[str, object] = {
    "escalation": {
        "vip": {"intents": [], "tiers": []},
        "lead_qualified": {"intents": []},
        "policy_sensitive": {"amount_intents": []},
    },
    "routing": {"high_tiers": []},
}


def _config(**sections: dict[str, object]) -> RelevoConfig:
    """Settings naming no intent or tier (whatever the packaged defaults say), with ``sections`` over them."""
    return load_config(overrides=_merge(NEUTRAL, dict(sections)))


def _merge(base: dict[str, object], update: dict[str, object]) -> dict[str, object]:
    out = dict(base)
    for key, value in update.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = _merge(current, value)  # pyright: ignore[reportUnknownArgumentType]
        else:
            out[key] = value
    return out


CATALOG = IntentCatalog(
    intents=[IntentDefinition(name="billing", description="b", queue="billing", skill="billing", examples={})]
).with_builtins()


@pytest.mark.parametrize(
    ("overrides", "key", "value"),
    [
        ({"escalation": {"vip": {"intents": ["complaint"]}}}, "escalation.vip.intents", "complaint"),
        (
            {"escalation": {"lead_qualified": {"intents": ["bulk_purchase"]}}},
            "escalation.lead_qualified.intents",
            "bulk_purchase",
        ),
        (
            {"escalation": {"policy_sensitive": {"amount_intents": ["refund_request"]}}},
            "escalation.policy_sensitive.amount_intents",
            "refund_request",
        ),
    ],
)
def test_an_unknown_intent_in_the_config_is_an_error_naming_key_and_intent(
    overrides: dict[str, dict[str, object]], key: str, value: str
) -> None:
    config = _config(**overrides)
    with pytest.raises(ConfigurationError, match=rf"{key} names intent '{value}'"):
        check_intent_references(config, CATALOG)


def test_known_intents_and_builtins_pass() -> None:
    config = _config(escalation={"vip": {"intents": ["billing", "human_agent"]}})
    check_intent_references(config, CATALOG)


def test_an_unknown_tier_is_an_error_when_the_desk_ranks_tiers() -> None:
    config = _config(routing={"high_tiers": ["platinum"]})
    check_intent_references(config, CATALOG)  # no tiers declared: not checked
    with pytest.raises(ConfigurationError, match=r"routing.high_tiers names tier 'platinum'"):
        check_intent_references(config, CATALOG, ["prepaid", "postpaid"])
