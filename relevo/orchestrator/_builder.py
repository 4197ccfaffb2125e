"""Compose a support desk: the prebuilt graph on the demo store, or your own domain, agents, tools and rules."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.tools import BaseTool
from numpy.typing import NDArray

from relevo._config import RelevoConfig, load_config
from relevo.agents import (
    EscalationPolicy,
    EscalationTrigger,
    KnowledgeBase,
    OfflineResolver,
    OfflineSummarizer,
    OfflineTriage,
    Resolver,
    Summarizer,
    Triage,
)
from relevo.contracts import Article, IntentCatalog
from relevo.demo import DemoStore, load_articles, load_intent_catalog, load_store_data
from relevo.memory import CustomerMemory
from relevo.models import ModelPort
from relevo.models.offline import E5Embedder, Embedder
from relevo.orchestrator._agents import model_backed_agents
from relevo.orchestrator._context import Clock, RunContext, SupportAgents
from relevo.orchestrator._desk import SupportDesk
from relevo.orchestrator._graph import SupportGraph, SupportGraphBuilder
from relevo.orchestrator._persistence import open_postgres_checkpointer, open_sqlite_checkpointer
from relevo.tools import StoreBackend, ToolRegistry, store_tools

__all__ = ["DeskBuilder", "default_embedder", "embedding_cache_path", "fixed_clock"]


def embedding_cache_path() -> Path:
    """Where catalog and knowledge-base vectors are cached (never customer text): ``RELEVO_CACHE_DIR`` or
    the user's cache directory."""
    root = os.environ.get("RELEVO_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "relevo"
    )
    return Path(root) / "embeddings-e5-small-q4.sqlite"


@functools.cache
def default_embedder() -> E5Embedder:
    """The process-wide embedded model (loading it twice would only cost memory)."""
    return E5Embedder(embedding_cache_path())


def fixed_clock(start: datetime, step: timedelta = timedelta(seconds=20)) -> Clock:
    """A deterministic clock: ``start``, then ``step`` later at every call (for demos and tests)."""
    state = {"now": start - step}

    def now() -> datetime:
        state["now"] = state["now"] + step
        return state["now"]

    return now


class DeskBuilder:
    """Everything a support desk is made of; defaults to the demo store on the offline engine.

    Example::

        desk = (
            DeskBuilder()
            .add_tool(check_invoice)                      # a plain typed function or a langchain tool
            .add_trigger(billing_dispute)                 # a relevo.agents.trigger
            .add_specialist("billing", BillingResolver(), handles=lambda intent: intent == "payment_issue")
            .open(Path(".relevo"))
        )
    """

    def __init__(self, config: RelevoConfig | None = None) -> None:
        self.config = config or load_config()
        self.graph = SupportGraphBuilder()
        self._store: StoreBackend | None = None
        self._catalog: IntentCatalog | None = None
        self._articles: Sequence[Article] | None = None
        self._tools: ToolRegistry | None = None
        self._extra_tools: list[tuple[Callable[..., Any] | BaseTool, str | None]] = []
        self._triggers: list[EscalationTrigger] = []
        self._without: list[str] = []
        self._embedder: Embedder | None = None
        self._clock: Clock | None = None
        self._triage: Triage | None = None
        self._resolver: Resolver | None = None
        self._summarizer: Summarizer | None = None
        self._policy: EscalationPolicy | None = None
        self._model_ports: dict[str, ModelPort] = {}

    # -- domain ----------------------------------------------------------------------------------------
    def with_store(self, store: StoreBackend) -> DeskBuilder:
        self._store = store
        return self

    def with_catalog(self, catalog: IntentCatalog) -> DeskBuilder:
        self._catalog = catalog
        return self

    def with_articles(self, articles: Sequence[Article]) -> DeskBuilder:
        self._articles = articles
        return self

    def with_tools(self, registry: ToolRegistry) -> DeskBuilder:
        """Replace the demo store's tools with ``registry``."""
        self._tools = registry
        return self

    def add_tool(self, tool: Callable[..., Any] | BaseTool, *, name: str | None = None) -> DeskBuilder:
        """Register one more tool: a typed function (optionally taking ``ToolContext`` first) or a langchain tool."""
        self._extra_tools.append((tool, name))
        return self

    # -- behaviour -------------------------------------------------------------------------------------
    def add_trigger(self, trigger: EscalationTrigger) -> DeskBuilder:
        """Add a custom escalation rule (see :func:`relevo.agents.trigger`)."""
        self._triggers.append(trigger)
        return self

    def without_trigger(self, code: str) -> DeskBuilder:
        """Drop a built-in escalation rule by its reason code."""
        self._without.append(code)
        return self

    def add_specialist(self, name: str, resolver: Resolver, *, handles: Callable[[str], bool]) -> DeskBuilder:
        """Add an agent node answering the intents ``handles`` accepts (see SupportGraphBuilder.add_specialist)."""
        self.graph.add_specialist(name, resolver, handles=handles)
        return self

    def with_agents(
        self,
        *,
        triage: Triage | None = None,
        resolver: Resolver | None = None,
        summarizer: Summarizer | None = None,
        policy: EscalationPolicy | None = None,
    ) -> DeskBuilder:
        """Swap any of the built-in agents for your own implementation of its protocol."""
        self._triage = triage or self._triage
        self._resolver = resolver or self._resolver
        self._summarizer = summarizer or self._summarizer
        self._policy = policy or self._policy
        return self

    def with_model(self, agent: str, model: ModelPort) -> DeskBuilder:
        """Run ``agent`` (``triage``, ``resolver`` or ``summarizer``) on this model object — any
        :class:`relevo.models.ModelPort`, e.g. a ``LangChainModel`` or a test double — instead of the
        configured model string."""
        self._model_ports[agent] = model
        return self

    def with_embedder(self, embedder: Embedder) -> DeskBuilder:
        self._embedder = embedder
        return self

    def with_clock(self, clock: Clock) -> DeskBuilder:
        self._clock = clock
        return self

    # -- assembly --------------------------------------------------------------------------------------
    def context(self) -> RunContext:
        """Build the run context (loads the domain and fits the offline models on first use)."""
        store = self._store or DemoStore(load_store_data())
        catalog = self._catalog or load_intent_catalog()
        articles = self._articles if self._articles is not None else load_articles()
        embedder = self._embedder or default_embedder()
        tools = self._tools or store_tools()
        for tool, name in self._extra_tools:
            tools.register(tool, name=name)
        policy = self._policy or EscalationPolicy.from_config(self.config.escalation)
        for code in self._without:
            policy = policy.without(code)
        for extra in self._triggers:
            policy = policy.with_trigger(extra)
        knowledge = KnowledgeBase(embedder, articles)
        offline = SupportAgents(
            triage=OfflineTriage(catalog, embedder, self.config.triage),
            policy=policy,
            resolver=OfflineResolver(catalog, knowledge, self.config.resolver),
            summarizer=OfflineSummarizer(catalog, self.config.routing),
        )
        configured = model_backed_agents(self.config, offline, knowledge, self._model_ports)
        agents = SupportAgents(
            triage=self._triage or configured.triage,
            policy=policy,
            resolver=self._resolver or configured.resolver,
            summarizer=self._summarizer or configured.summarizer,
        )
        clock = self._clock or _default_clock(store)
        return RunContext(
            agents=agents,
            tools=tools,
            store=store,
            catalog=catalog,
            config=self.config,
            clock=clock,
            specialists=tuple(self.graph.specialists),
        )

    def compile(self) -> SupportGraph:
        """The compiled graph without a checkpointer (for drawing or single-shot use)."""
        return self.graph.compile()

    def open(self, data_dir: Path | None = None) -> SupportDesk:
        """A desk persisting to ``data_dir`` (default: the configured ``storage.data_dir``)."""
        return self.open_with_context(data_dir, self.context())

    def open_with_context(self, data_dir: Path | None, context: RunContext) -> SupportDesk:
        """A desk on an already-built context (several desks can share one fitted engine)."""
        root = data_dir or self.config.storage.data_dir
        database_url = self.config.storage.database_url
        # Scale-out mode: conversation state in Postgres, shared by every process on the same database.
        checkpointer = (
            open_postgres_checkpointer(database_url)
            if database_url
            else open_sqlite_checkpointer(root / "conversations.sqlite")
        )
        try:
            memory = CustomerMemory.open(
                root, context.config.memory, embed=self._embed_customer_text, database_url=database_url
            )
        except BaseException:
            checkpointer.conn.close()
            raise
        graph = self.graph.compile(checkpointer)

        def close() -> None:
            checkpointer.conn.close()
            memory.close()

        return SupportDesk(graph, dataclasses.replace(context, memory=memory), checkpointer, on_close=close)

    def _embed_customer_text(self, texts: Sequence[str]) -> NDArray[np.float32]:
        # Customer text is embedded as a query (symmetric matching) and never written to the disk cache.
        return (self._embedder or default_embedder()).embed(texts, "query")


def _default_clock(store: StoreBackend) -> Clock:
    """Wall-clock time, except for the demo store, whose story happens on its fixed 'today'."""
    if isinstance(store, DemoStore):
        return fixed_clock(datetime.combine(store.today, time(10, 0), tzinfo=UTC))
    return lambda: datetime.now(UTC)
