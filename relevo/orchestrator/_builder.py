"""Compose a support desk: your brand, intents, articles, tools, customers, agents and rules on the prebuilt graph."""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
from langchain_core.tools import BaseTool
from numpy.typing import NDArray

from relevo._config import RelevoConfig, load_config
from relevo._errors import ConfigurationError
from relevo.agents import (
    EscalationPolicy,
    EscalationTrigger,
    KnowledgeBase,
    OfflineResolver,
    OfflineSummarizer,
    OfflineTriage,
    ReplyTexts,
    Resolver,
    Summarizer,
    Triage,
)
from relevo.agents._resolver import OfflineSkill
from relevo.contracts import (
    BUILTIN_REASON_CODES,
    AgentSpec,
    Article,
    CustomerDirectory,
    DeskProfile,
    InMemoryDirectory,
    IntentCatalog,
    Priority,
)
from relevo.memory import CustomerMemory
from relevo.models import ModelPort
from relevo.models.offline import E5Embedder, Embedder
from relevo.orchestrator._agents import model_backed_agents
from relevo.orchestrator._context import Clock, RunContext, SupportAgents
from relevo.orchestrator._desk import SupportDesk
from relevo.orchestrator._graph import SupportGraph, SupportGraphBuilder
from relevo.orchestrator._persistence import open_postgres_checkpointer, open_sqlite_checkpointer
from relevo.orchestrator._references import check_intent_references, check_reason_references
from relevo.orchestrator._story import BenchConversation, Chapter
from relevo.tools import ToolEffects, ToolRegistry

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
    """Everything a support desk is made of, on the offline engine unless the configuration names models.

    ``DeskBuilder(config)`` alone is a neutral desk: no brand, no knowledge base, no tools, no customers. The
    demo shop is one desk built this way (``relevo.demo.desk()``).

    Example::

        desk = (
            DeskBuilder()
            .with_profile(DeskProfile(name="Acme Mobile", scope="your plan, bills and roaming"))
            .with_catalog(catalog)                        # your intents
            .with_articles(articles)                      # your knowledge base
            .with_directory(InMemoryDirectory(customers)) # who your customers are
            .add_tool(check_invoice)                      # a plain typed function or a langchain tool
            .add_trigger(billing_dispute)                 # a relevo.agents.trigger
            .add_specialist("billing", BillingResolver(), handles=lambda intent: intent == "payment_issue")
            .open(Path(".relevo"))
        )
    """

    def __init__(self, config: RelevoConfig | None = None) -> None:
        self.config = config or load_config()
        self.graph = SupportGraphBuilder()
        self._profile = DeskProfile()
        self._directory: CustomerDirectory | None = None
        self._services: list[object] = []
        self._skills: list[OfflineSkill] = []
        self._fresh_world: Callable[[RunContext], RunContext] | None = None
        self._story: tuple[Chapter, ...] = ()
        self._bench: tuple[BenchConversation, ...] = ()
        self._scenarios: Path | None = None
        self._agent_accounts: tuple[AgentSpec, ...] = ()
        self._catalog: IntentCatalog | None = None
        self._articles: Sequence[Article] | None = None
        self._tools: ToolRegistry | None = None
        self._extra_tools: list[tuple[Callable[..., Any] | BaseTool, str | None, ToolEffects | None]] = []
        self._triggers: list[EscalationTrigger] = []
        self._without: list[str] = []
        self._routes: list[tuple[str, str | None, str | None, Priority | None]] = []
        self._embedder: Embedder | None = None
        self._clock: Clock | None = None
        self._triage: Triage | None = None
        self._resolver: Resolver | None = None
        self._summarizer: Summarizer | None = None
        self._policy: EscalationPolicy | None = None
        self._model_ports: dict[str, ModelPort] = {}

    # -- domain ----------------------------------------------------------------------------------------
    def with_profile(self, profile: DeskProfile) -> DeskBuilder:
        """The desk's brand name, scope, languages, customer tiers and reply-text overrides."""
        self._profile = profile
        return self

    def with_directory(self, directory: CustomerDirectory) -> DeskBuilder:
        """Where the desk looks its customers up (``relevo.contracts.InMemoryDirectory`` or your own)."""
        self._directory = directory
        return self

    def with_service(self, service: object) -> DeskBuilder:
        """Hand a backend to the desk's tools; a tool finds it with ``ctx.service(TheType)``."""
        self._services.append(service)
        return self

    def with_catalog(self, catalog: IntentCatalog) -> DeskBuilder:
        """The intents triage chooses from."""
        self._catalog = catalog
        return self

    def with_articles(self, articles: Sequence[Article]) -> DeskBuilder:
        """The knowledge base the resolver answers from (and cites)."""
        self._articles = articles
        return self

    def with_tools(self, registry: ToolRegistry) -> DeskBuilder:
        """Use the tools of ``registry`` (an empty registry: no tools); ``add_tool`` adds to them."""
        self._tools = registry
        return self

    def add_tool(
        self, tool: Callable[..., Any] | BaseTool, *, name: str | None = None, effects: ToolEffects | None = None
    ) -> DeskBuilder:
        """Register one more tool: a typed function (optionally taking ``ToolContext`` first) or a langchain tool;
        ``effects`` declares the facts, offer or commitment its successful calls establish (:class:`ToolEffects`)."""
        self._extra_tools.append((tool, name, effects))
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

    def add_offline_skill(self, skill: OfflineSkill) -> DeskBuilder:
        """Teach the offline resolver to answer more turns (see :class:`relevo.agents.OfflineSkill`); skills are
        asked in the order added, before the built-in answers."""
        self._skills.append(skill)
        return self

    def with_fresh_world(self, fresh: Callable[[RunContext], RunContext]) -> DeskBuilder:
        """How evals give each scenario conversation a world as it started (data, ids, clock)."""
        self._fresh_world = fresh
        return self

    def with_agent_accounts(self, accounts: Sequence[AgentSpec]) -> DeskBuilder:
        """The human agents ``relevo serve`` creates console accounts for (usernames, skills, languages)."""
        self._agent_accounts = tuple(accounts)
        return self

    @property
    def agent_accounts(self) -> tuple[AgentSpec, ...]:
        """The desk's human agents (see :meth:`with_agent_accounts`); empty when it names none."""
        return self._agent_accounts

    def with_scenarios(self, folder: Path) -> DeskBuilder:
        """The desk's scenario folder: its ``*.yaml`` files are the suite ``relevo eval run`` runs by default,
        each subfolder a suite run by name (``relevo eval run robustness``)."""
        self._scenarios = folder
        return self

    @property
    def scenarios(self) -> Path | None:
        """The desk's scenario folder (see :meth:`with_scenarios`); None when it has none."""
        return self._scenarios

    def with_story(self, chapters: Sequence[Chapter]) -> DeskBuilder:
        """The conversations ``relevo demo`` plays on this desk (default: one per scripted scenario)."""
        self._story = tuple(chapters)
        return self

    @property
    def story(self) -> tuple[Chapter, ...]:
        """The desk's own story (see :meth:`with_story`); empty when it has none."""
        return self._story

    def with_bench(self, conversations: Sequence[BenchConversation]) -> DeskBuilder:
        """The conversations ``relevo bench turn``, ``bench serve`` and ``bench llm-turn`` replay on this desk,
        in turn, as many times as the run asks (default: each scripted scenario's customer messages; see
        :func:`relevo.bench.bench_conversations`). Keep them fixed once figures were published: a run is only
        comparable with runs of the same conversations."""
        self._bench = tuple(conversations)
        return self

    @property
    def bench(self) -> tuple[BenchConversation, ...]:
        """The conversations the desk declared for its benchmarks (see :meth:`with_bench`); empty: none."""
        return self._bench

    def route_trigger(
        self, code: str, *, queue: str | None = None, skill: str | None = None, priority: Priority | None = None
    ) -> DeskBuilder:
        """Send the handoffs of rule ``code`` (built-in or custom) to ``queue``/``skill``, at ``priority`` at least."""
        self._routes.append((code, queue, skill, priority))
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
    def check(self) -> None:
        """Check the desk's parts agree with each other and the configuration, without fitting any model.

        Raises:
            ConfigurationError: what :meth:`context` raises for tools, tool answers, thresholds, tiers and routes.
        """
        self._checked_parts()

    def _checked_parts(self) -> tuple[IntentCatalog, ToolRegistry, EscalationPolicy]:
        """The catalog with the built-ins, the tool registry and the escalation policy, checked against each other
        and the configuration."""
        # relevo's conversational intents (greeting, thanks_goodbye, ...) join any catalog that lacks them.
        catalog = (self._catalog or IntentCatalog(intents=[])).with_builtins()
        check_intent_references(self.config, catalog, self._profile.tiers)
        tools = self._tools.copy() if self._tools is not None else ToolRegistry()
        for tool, name, effects in self._extra_tools:
            tools.register(tool, name=name, effects=effects)
        _check_tool_answers(catalog, tools)
        policy = self._policy or EscalationPolicy.from_config(self.config.escalation)
        for code in self._without:
            policy = policy.without(code)
        for extra in self._triggers:
            policy = policy.with_trigger(extra)
        for code, queue, skill, priority in self._routes:
            policy = policy.routed(code, queue=queue, skill=skill, priority=priority)
        raised = {t.code for t in policy.triggers}
        check_reason_references(self.config, raised)
        strays = sorted({code for code, *_ in self._routes} - raised - set(BUILTIN_REASON_CODES))
        if strays:
            raise ConfigurationError(f"route_trigger names reasons no trigger raises: {', '.join(strays)}")
        return catalog, tools, policy

    def context(self) -> RunContext:
        """Build the run context (fits the offline models on first use).

        Raises:
            ConfigurationError: a tool name is registered twice, an intent's tool answer names a tool the desk
                does not have, a threshold names an intent the catalog lacks or a tier the desk does not rank, or
                a routing setting names a reason code no trigger raises.
        """
        catalog, tools, policy = self._checked_parts()
        articles = self._articles if self._articles is not None else []
        embedder = self._embedder or default_embedder()
        texts = ReplyTexts(self._profile)
        knowledge = KnowledgeBase(embedder, articles)
        offline = SupportAgents(
            triage=OfflineTriage(
                catalog,
                embedder,
                self.config.triage,
                default_language=self._profile.default_language,
                knowledge=knowledge,
            ),
            policy=policy,
            resolver=OfflineResolver(catalog, knowledge, self.config.resolver, texts=texts, skills=self._skills),
            summarizer=OfflineSummarizer(catalog, self.config.routing),
        )
        configured = model_backed_agents(
            self.config,
            offline,
            knowledge,
            self._model_ports,
            # The prompts are English: the desk's English name and scope (its default language's without English).
            desk_name=self._profile.name_in("en"),
            scope=self._profile.scope_in("en"),
        )
        agents = SupportAgents(
            triage=self._triage or configured.triage,
            policy=policy,
            resolver=self._resolver or configured.resolver,
            summarizer=self._summarizer or configured.summarizer,
        )
        return RunContext(
            agents=agents,
            tools=tools,
            catalog=catalog,
            config=self.config,
            clock=self._clock or _wall_clock,
            profile=self._profile,
            directory=self._directory or InMemoryDirectory(),
            services=tuple(self._services),
            texts=texts,
            specialists=tuple(self.graph.specialists),
            fresh_world=self._fresh_world,
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


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def _check_tool_answers(catalog: IntentCatalog, tools: ToolRegistry) -> None:
    """An intent answered by a tool must name one the desk has, and its ``args`` must be that tool's parameters,
    every required one included (a typo fails at build and in ``relevo doctor``, not at a customer's message)."""
    for intent in catalog.intents:
        answer = intent.tool
        if answer is None:
            continue
        if answer.name not in tools:
            raise ConfigurationError(
                f"intent {intent.name}: tool {answer.name!r} is not registered; "
                f"known tools: {', '.join(tools.names()) or '(none)'}"
            )
        schema = tools.spec(answer.name).parameters
        properties = cast(dict[str, object], schema.get("properties") or {})
        required = cast(list[str], schema.get("required") or [])
        unknown = sorted(set(answer.args) - set(properties))
        missing = [name for name in required if name not in answer.args]
        if unknown or missing:
            problems = [f"{name!r} is not a parameter of {answer.name}" for name in unknown]
            problems += [f"{answer.name} needs {name!r}" for name in missing]
            raise ConfigurationError(
                f"intent {intent.name}: tool.args: {'; '.join(problems)} "
                f"(its parameters: {', '.join(properties) or '(none)'})"
            )
