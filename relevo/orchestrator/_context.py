"""Per-run dependencies of the support graph, injected through LangGraph's runtime context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from relevo._config import RelevoConfig
from relevo._errors import ConfigurationError
from relevo.agents import EscalationPolicy, ReplyTexts, Resolver, Summarizer, Triage
from relevo.contracts import CustomerDirectory, DeskProfile, InMemoryDirectory, IntentCatalog
from relevo.memory import CustomerMemory
from relevo.tools import ToolRegistry

__all__ = ["Clock", "RunContext", "SupportAgents", "TurnIds"]

Clock = Callable[[], datetime]
_ServiceT = TypeVar("_ServiceT")


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
    """Everything a node may use besides the state: agents, tools, the desk's profile, customers, clock, config."""

    agents: SupportAgents
    tools: ToolRegistry
    catalog: IntentCatalog
    config: RelevoConfig
    clock: Clock
    profile: DeskProfile = field(default_factory=DeskProfile)
    directory: CustomerDirectory = field(default_factory=InMemoryDirectory)
    services: tuple[object, ...] = ()
    """The desk's backends, handed to its tools (``ToolContext.service``)."""
    texts: ReplyTexts = field(default_factory=ReplyTexts)
    """The desk's reply texts (built-in templates with its name, scope and overrides)."""
    specialists: tuple[Specialist, ...] = field(default_factory=tuple[Specialist, ...])
    memory: CustomerMemory | None = None
    """Customer memory, PII vault and identities (set by ``DeskBuilder.open``; None: nothing is remembered)."""
    fresh_world: Callable[[RunContext], RunContext] | None = None
    """Evals: a context whose data and clock are back at their start, so each scenario conversation starts from
    the same world (the demo's tickets and fixed "today"); ``None``: this context is reused as it is."""

    def service(self, kind: type[_ServiceT]) -> _ServiceT:
        """The desk's backend of type ``kind`` (see ``DeskBuilder.with_service``).

        Raises:
            ConfigurationError: the desk registered no such backend.
        """
        for candidate in self.services:
            if isinstance(candidate, kind):
                return candidate
        raise ConfigurationError(f"no {kind.__name__} in this desk; register one with DeskBuilder.with_service")


class TurnIds:
    """Ids unique within a conversation and stable across replays: ``<prefix>-<turn>-<n>``."""

    def __init__(self, turn: int) -> None:
        self._turn = turn
        self._counts: dict[str, int] = {}

    def __call__(self, prefix: str) -> str:
        n = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = n
        return f"{prefix}-{self._turn:03d}-{n}"
