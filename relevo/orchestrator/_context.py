"""Per-run dependencies of the support graph, injected through LangGraph's runtime context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from relevo._config import RelevoConfig
from relevo.agents import EscalationPolicy, Resolver, Summarizer, Triage
from relevo.contracts import IntentCatalog
from relevo.memory import CustomerMemory
from relevo.tools import StoreBackend, ToolRegistry

__all__ = ["Clock", "RunContext", "SupportAgents", "TurnIds"]

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SupportAgents:
    """The decision makers of a support graph; each can be swapped for another backend."""

    triage: Triage
    policy: EscalationPolicy
    resolver: Resolver
    summarizer: Summarizer


@dataclass(frozen=True)
class Specialist:
    """A custom agent node: it answers the turns ``handles`` selects, instead of the resolver."""

    name: str
    resolver: Resolver
    handles: Callable[[str], bool]
    """Called with the turn's intent."""


@dataclass(frozen=True)
class RunContext:
    """Everything a node may use besides the state: agents, tools, store, clock, configuration."""

    agents: SupportAgents
    tools: ToolRegistry
    store: StoreBackend
    catalog: IntentCatalog
    config: RelevoConfig
    clock: Clock
    specialists: tuple[Specialist, ...] = field(default_factory=tuple[Specialist, ...])
    memory: CustomerMemory | None = None
    """Customer memory, PII vault and identities (set by ``DeskBuilder.open``; None: nothing is remembered)."""


class TurnIds:
    """Ids unique within a conversation and stable across replays: ``<prefix>-<turn>-<n>``."""

    def __init__(self, turn: int) -> None:
        self._turn = turn
        self._counts: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        n = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = n
        return f"{prefix}-{self._turn:03d}-{n}"
