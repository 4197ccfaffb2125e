"""The orchestrator composes: state, graph assembly, routing, the conversation runtime, persistence."""

from relevo.orchestrator._builder import DeskBuilder, default_embedder, embedding_cache_path, fixed_clock
from relevo.orchestrator._context import Clock, RunContext, Specialist, SupportAgents, TurnIds
from relevo.orchestrator._desk import SupportDesk
from relevo.orchestrator._graph import NodeName, SupportGraph, SupportGraphBuilder, specialist_node
from relevo.orchestrator._handback import describe_hand_back, parse_hand_back
from relevo.orchestrator._normalise import MAX_MESSAGE_CHARS, normalise_text
from relevo.orchestrator._persistence import open_postgres_checkpointer, open_sqlite_checkpointer, relevo_serializer
from relevo.orchestrator._references import check_intent_references, check_reason_references
from relevo.orchestrator._story import BenchConversation, Chapter
from relevo.orchestrator._turns import TurnResult

__all__ = [
    "MAX_MESSAGE_CHARS",
    "BenchConversation",
    "Chapter",
    "Clock",
    "DeskBuilder",
    "NodeName",
    "RunContext",
    "Specialist",
    "SupportAgents",
    "SupportDesk",
    "SupportGraph",
    "SupportGraphBuilder",
    "TurnIds",
    "TurnResult",
    "check_intent_references",
    "check_reason_references",
    "default_embedder",
    "describe_hand_back",
    "embedding_cache_path",
    "fixed_clock",
    "normalise_text",
    "open_postgres_checkpointer",
    "open_sqlite_checkpointer",
    "parse_hand_back",
    "relevo_serializer",
    "specialist_node",
]
