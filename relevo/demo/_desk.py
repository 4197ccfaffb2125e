"""The demo shop "Lumen & Co" as a desk: built with ``DeskBuilder`` like any user's desk.

``relevo.demo.desk()`` is the default desk of every command when none is given.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime, time

import yaml

from relevo import DeskBuilder, RelevoConfig, load_config
from relevo.contracts import AgentSpec, CustomerProfile, DeskProfile, InMemoryDirectory
from relevo.demo._audit import ShopPolicyAudit
from relevo.demo._backend import StoreBackend
from relevo.demo._bench import BENCH
from relevo.demo._schema import StoreData
from relevo.demo._skill import ShopSkill
from relevo.demo._store import DATA_DIR, DemoStore, load_articles, load_intent_catalog, load_store_data
from relevo.demo._story import STORY
from relevo.demo._tools import store_tools
from relevo.orchestrator import RunContext, fixed_clock

__all__ = [
    "DEMO_AGENTS",
    "DEMO_REASON_QUEUES",
    "DEMO_THRESHOLDS",
    "demo_config",
    "demo_directory",
    "demo_profile",
    "desk",
]

DEMO_THRESHOLDS: dict[str, list[str]] = {
    "escalation.policy_sensitive.amount_intents": ["refund_request", "complaint", "return_item", "delivery_delay"],
    "escalation.lead_qualified.intents": ["bulk_purchase"],
    "escalation.vip.tiers": ["platinum"],
    "escalation.vip.intents": ["complaint", "delivery_delay", "refund_request", "warranty_claim"],
    "routing.high_tiers": ["gold", "platinum"],
}
"""The shop's thresholds that name its own intents and tiers (used where the configuration leaves them empty)."""

DEMO_REASON_QUEUES: dict[str, dict[str, str]] = {
    "lead_qualified": {"queue": "sales", "skill": "sales"},
    "policy_sensitive": {"queue": "support", "skill": "escalations"},
}
"""Where the shop sends handoffs by reason (``routing.reason_queues``, used where the configuration sets none)."""

DEMO_AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec(
        username="ana",
        name="Ana Ribeiro",
        skills=["orders", "returns", "general", "support"],
        languages=["en", "es", "pt"],
    ),
    AgentSpec(
        username="ben",
        name="Ben Carter",
        skills=["billing", "sales", "support", "general"],
        languages=["en", "vi"],
    ),
    AgentSpec(username="admin", name="Team lead", role="admin", skills=["*"], languages=["*"], available=False),
)
"""The shop's team: the console accounts ``relevo serve`` creates on a fresh data directory."""


def demo_config(config: RelevoConfig | None = None) -> RelevoConfig:
    """``config`` (default: relevo's defaults) with the shop's intent and tier thresholds and its reason queues
    wherever it names none."""
    config = config or load_config()
    escalation = config.escalation
    sensitive, lead, vip = escalation.policy_sensitive, escalation.lead_qualified, escalation.vip

    def pick(current: list[str], key: str) -> list[str]:
        return current or DEMO_THRESHOLDS[key]

    escalation = escalation.model_copy(
        update={
            "policy_sensitive": sensitive.model_copy(
                update={"amount_intents": pick(sensitive.amount_intents, "escalation.policy_sensitive.amount_intents")}
            ),
            "lead_qualified": lead.model_copy(
                update={"intents": pick(lead.intents, "escalation.lead_qualified.intents")}
            ),
            "vip": vip.model_copy(
                update={
                    "tiers": pick(vip.tiers, "escalation.vip.tiers"),
                    "intents": pick(vip.intents, "escalation.vip.intents"),
                }
            ),
        }
    )
    routing = config.routing.model_validate(
        {
            **config.routing.model_dump(),
            "high_tiers": pick(config.routing.high_tiers, "routing.high_tiers"),
            "reason_queues": config.routing.model_dump()["reason_queues"] or DEMO_REASON_QUEUES,
        }
    )
    return config.model_copy(update={"escalation": escalation, "routing": routing})


@functools.cache
def _texts() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((DATA_DIR / "texts.yaml").read_text(encoding="utf-8"))
    return {str(key): {str(lang): str(text) for lang, text in value.items()} for key, value in raw.items()}


def demo_profile() -> DeskProfile:
    """The shop's brand, scope, tiers and reply texts."""
    return DeskProfile(
        name="Lumen & Co",
        scope="orders and deliveries, returns and refunds, warranty, payments and your account",
        tiers=["bronze", "silver", "gold", "platinum"],
        texts=_texts(),
    )


def demo_directory(data: StoreData) -> InMemoryDirectory:
    """The shop's customers as a customer directory."""
    return InMemoryDirectory(
        CustomerProfile(
            id=c.id,
            name=c.name,
            tier=c.tier,
            language=c.language,
            email=c.email,
            phone=c.phone,
            attributes={"customer_since": c.since.isoformat()},
        )
        for c in data.customers
    )


def desk(config: RelevoConfig | None = None) -> DeskBuilder:
    """The demo shop desk: its catalog, articles, customers, tools, offline skill, thresholds, fixed "today",
    its team of agents, its scenario suites (``data/scenarios``: the default suite, ``load`` and ``robustness``),
    the story ``relevo demo`` plays and the conversations ``relevo bench`` replays (:data:`BENCH`).

    Loadable by name as ``relevo.demo:desk``, the same way as a user's ``package.module:function``.
    """
    data = load_store_data()
    start = datetime.combine(data.today, time(10, 0), tzinfo=UTC)

    def fresh_world(context: RunContext) -> RunContext:
        # Each eval conversation gets the store as its data file says (tickets numbered from the start) and the
        # clock at the store's "today", whatever ran on this desk before.
        services = tuple(DemoStore(data) if isinstance(s, StoreBackend) else s for s in context.services)
        return dataclasses.replace(context, services=services, clock=fixed_clock(start))

    return (
        DeskBuilder(demo_config(config))
        .with_profile(demo_profile())
        .with_catalog(load_intent_catalog())
        .with_articles(load_articles())
        .with_directory(demo_directory(data))
        .with_service(DemoStore(data))
        .with_service(ShopPolicyAudit(DemoStore(data)))
        .with_tools(store_tools())
        .add_offline_skill(ShopSkill())
        .with_clock(fixed_clock(start))
        .with_fresh_world(fresh_world)
        .with_story(STORY)
        .with_bench(BENCH)
        .with_scenarios(DATA_DIR / "scenarios")
        .with_agent_accounts(DEMO_AGENTS)
    )
