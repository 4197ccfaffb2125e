"""Typed contracts shared by every layer: messages, signals, records, escalations, packets, state."""

from relevo.contracts._builtin_intents import RESERVED_INTENTS, builtin_intents, with_builtin_intents
from relevo.contracts._catalog import Article, IntentCatalog, IntentDefinition
from relevo.contracts._escalation import EscalationDecision, EscalationReason, Priority, ReasonCode, Route
from relevo.contracts._messages import (
    AIMessage,
    Channel,
    CustomerMessage,
    HumanAgentMessage,
    Message,
    SystemEvent,
)
from relevo.contracts._packet import CustomerRef, HandoffPacket, IntentSummary, Tier, Trend
from relevo.contracts._records import (
    Attempt,
    AttemptOutcome,
    Commitment,
    Fact,
    GuardAction,
    GuardReport,
    ModelCall,
    ToolCallRecord,
)
from relevo.contracts._signals import IntentScore, Signals
from relevo.contracts._state import (
    ConversationState,
    CustomerTurn,
    Event,
    HandBack,
    HumanReply,
    Mode,
    PendingOffer,
    PendingTimeout,
    Resolve,
    Takeover,
    merge_facts,
)

__all__ = [
    "RESERVED_INTENTS",
    "AIMessage",
    "Article",
    "Attempt",
    "AttemptOutcome",
    "Channel",
    "Commitment",
    "ConversationState",
    "CustomerMessage",
    "CustomerRef",
    "CustomerTurn",
    "EscalationDecision",
    "EscalationReason",
    "Event",
    "Fact",
    "GuardAction",
    "GuardReport",
    "HandBack",
    "HandoffPacket",
    "HumanAgentMessage",
    "HumanReply",
    "IntentCatalog",
    "IntentDefinition",
    "IntentScore",
    "IntentSummary",
    "Message",
    "Mode",
    "ModelCall",
    "PendingOffer",
    "PendingTimeout",
    "Priority",
    "ReasonCode",
    "Resolve",
    "Route",
    "Signals",
    "SystemEvent",
    "Takeover",
    "Tier",
    "ToolCallRecord",
    "Trend",
    "builtin_intents",
    "merge_facts",
    "with_builtin_intents",
]
