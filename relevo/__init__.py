"""relevo: customer-support agent graphs with a human handoff that carries the whole story.

The curated public face; everything else lives in the subpackages (``relevo.agents``, ``relevo.orchestrator``,
``relevo.tools``, ``relevo.models``, ``relevo.contracts``).
"""

from relevo._config import RelevoConfig, load_config
from relevo._errors import (
    BadInputError,
    ConfigurationError,
    ModeError,
    ModelError,
    RelevoError,
    StorageError,
    ToolError,
    UnknownConversationError,
)
from relevo.agents import (
    EscalationPolicy,
    EscalationTrigger,
    PolicyView,
    Resolution,
    Resolver,
    ResolverTurn,
    TriggerResult,
    render_card,
    trigger,
)
from relevo.contracts import (
    AIMessage,
    ConversationState,
    CustomerMessage,
    DeskProfile,
    EscalationDecision,
    EscalationReason,
    Fact,
    HandoffPacket,
    HumanAgentMessage,
    Signals,
)
from relevo.desks import load_desk
from relevo.orchestrator import DeskBuilder, NodeName, SupportDesk, SupportGraphBuilder, TurnResult
from relevo.tools import ToolContext, ToolRefused, ToolRegistry

__all__ = [
    "AIMessage",
    "BadInputError",
    "ConfigurationError",
    "ConversationState",
    "CustomerMessage",
    "DeskBuilder",
    "DeskProfile",
    "EscalationDecision",
    "EscalationPolicy",
    "EscalationReason",
    "EscalationTrigger",
    "Fact",
    "HandoffPacket",
    "HumanAgentMessage",
    "ModeError",
    "ModelError",
    "NodeName",
    "PolicyView",
    "RelevoConfig",
    "RelevoError",
    "Resolution",
    "Resolver",
    "ResolverTurn",
    "Signals",
    "StorageError",
    "SupportDesk",
    "SupportGraphBuilder",
    "ToolContext",
    "ToolError",
    "ToolRefused",
    "ToolRegistry",
    "TriggerResult",
    "TurnResult",
    "UnknownConversationError",
    "load_config",
    "load_desk",
    "render_card",
    "trigger",
]
