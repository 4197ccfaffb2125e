"""The support graph: explicit nodes, explicit routes, one invocation per inbound event."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from relevo._errors import ConfigurationError
from relevo.agents import Resolver
from relevo.agents._resolver import CLOSING
from relevo.contracts import ConversationState, CustomerMessage, CustomerTurn, Resolve
from relevo.orchestrator._context import RunContext, Specialist
from relevo.orchestrator._memorize import memorize
from relevo.orchestrator._nodes import (
    escalate,
    handoff,
    human_desk,
    ingest,
    make_resolve_node,
    summarize,
    triage,
    turn_reasons,
)

__all__ = ["NodeName", "SupportGraph", "SupportGraphBuilder", "specialist_node"]

SupportGraph = CompiledStateGraph[ConversationState, RunContext, Any, Any]


class NodeName(StrEnum):
    """The built-in nodes of the support graph."""

    INGEST = "ingest"
    TRIAGE = "triage"
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    SUMMARIZE = "summarize"
    HANDOFF = "handoff"
    HUMAN_DESK = "human_desk"
    MEMORIZE = "memorize"


def route_after_ingest(state: ConversationState) -> Literal["triage", "human_desk", "__end__"]:
    """Customer text in ai_active mode goes to triage; human commands to the desk; anything else ends."""
    if state.inbox is None:
        return "__end__"
    if not isinstance(state.inbox, CustomerTurn):
        return "human_desk"
    last = state.messages[-1] if state.messages else None
    if state.mode == "ai_active" and isinstance(last, CustomerMessage):
        return "triage"
    return "__end__"


def route_after_resolution(state: ConversationState) -> Literal["summarize", "memorize", "__end__"]:
    """A resolution-stage rule that fired sends the turn to the summarizer instead of the customer; a goodbye
    ends the conversation, so its episode is memorized."""
    if turn_reasons(state):
        return "summarize"
    if state.signals and state.signals[-1].intent == "thanks_goodbye":
        return "memorize"
    # "no thanks" / "that's all" after "anything else?" is a goodbye too: the resolver said its closing words.
    if state.signals and state.attempts:
        last = state.attempts[-1]
        if last.target == CLOSING and last.message_id == state.signals[-1].message_id:
            return "memorize"
    return "__end__"


def route_after_desk(state: ConversationState) -> Literal["memorize", "__end__"]:
    """Closing a conversation memorizes its episode."""
    return "memorize" if isinstance(state.inbox, Resolve) else "__end__"


class SupportGraphBuilder:
    """Builds the support graph's topology: the built-in nodes plus any specialist agent nodes.

    Most users compose through :class:`relevo.SupportDesk.builder`, which also carries tools, triggers and
    agents; this class is the graph half of it.
    """

    def __init__(self) -> None:
        self.specialists: list[Specialist] = []

    def add_specialist(self, name: str, resolver: Resolver, *, handles: Callable[[str], bool]) -> Specialist:
        """Add an agent node that answers the turns whose intent ``handles`` accepts, in place of the resolver.

        Its replies go through the same resolution-stage escalation rules as the resolver's.

        Raises:
            ConfigurationError: the name is taken or is not a simple identifier.
        """
        if not name.isidentifier():
            raise ConfigurationError(f"specialist name {name!r} must be a simple identifier")
        if any(s.name == name for s in self.specialists):
            raise ConfigurationError(f"a specialist named {name!r} already exists")
        specialist = Specialist(name=name, resolver=resolver, handles=handles)
        self.specialists.append(specialist)
        return specialist

    def build(self) -> StateGraph[ConversationState, RunContext, Any, Any]:
        """The uncompiled graph."""
        graph = StateGraph(ConversationState, context_schema=RunContext)
        graph.add_node(NodeName.INGEST.value, ingest)
        graph.add_node(NodeName.TRIAGE.value, triage)
        graph.add_node(NodeName.ESCALATE.value, escalate)
        graph.add_node(NodeName.RESOLVE.value, make_resolve_node())
        graph.add_node(NodeName.SUMMARIZE.value, summarize)
        graph.add_node(NodeName.HANDOFF.value, handoff)
        graph.add_node(NodeName.HUMAN_DESK.value, human_desk)
        graph.add_node(NodeName.MEMORIZE.value, memorize)
        graph.add_edge(START, NodeName.INGEST.value)
        graph.add_conditional_edges(
            NodeName.INGEST.value,
            route_after_ingest,
            [NodeName.TRIAGE.value, NodeName.HUMAN_DESK.value, END],
        )
        graph.add_edge(NodeName.TRIAGE.value, NodeName.ESCALATE.value)
        answerers = [NodeName.RESOLVE.value]
        for specialist in self.specialists:
            node = specialist_node(specialist.name)
            graph.add_node(node, make_resolve_node(specialist.name))
            answerers.append(node)
        graph.add_conditional_edges(
            NodeName.ESCALATE.value, self._route_after_escalate, [NodeName.SUMMARIZE.value, *answerers]
        )
        for node in answerers:
            graph.add_conditional_edges(
                node, route_after_resolution, [NodeName.SUMMARIZE.value, NodeName.MEMORIZE.value, END]
            )
        graph.add_edge(NodeName.SUMMARIZE.value, NodeName.HANDOFF.value)
        graph.add_edge(NodeName.HANDOFF.value, NodeName.MEMORIZE.value)
        graph.add_conditional_edges(NodeName.HUMAN_DESK.value, route_after_desk, [NodeName.MEMORIZE.value, END])
        graph.add_edge(NodeName.MEMORIZE.value, END)
        return graph

    def compile(self, checkpointer: BaseCheckpointSaver[Any] | None = None) -> SupportGraph:
        return self.build().compile(checkpointer=checkpointer)

    def _route_after_escalate(self, state: ConversationState) -> str:
        if turn_reasons(state):
            return NodeName.SUMMARIZE.value
        intent = state.signals[-1].intent if state.signals else ""
        for specialist in self.specialists:
            if specialist.handles(intent):
                return specialist_node(specialist.name)
        return NodeName.RESOLVE.value


def specialist_node(name: str) -> str:
    """The node name of the specialist ``name``."""
    return f"specialist_{name}"
