"""The agents that decide: triage, the escalation policy, the resolver, the summarizer."""

from relevo.agents._card import render_card
from relevo.agents._guard import Claim, ClaimKind, Evidence, GroundingGuard, GuardCheck
from relevo.agents._knowledge import KnowledgeAnswer, KnowledgeBase
from relevo.agents._llm_resolver import KB_TOOL, LLMResolver
from relevo.agents._llm_summarizer import LLMSummarizer
from relevo.agents._llm_triage import LLMTriage, TriageVerdict
from relevo.agents._offline_turn import OfflineSkill, OfflineTurn
from relevo.agents._policy import EscalationPolicy, EscalationTrigger, PolicyView, Stage, TriggerResult, trigger
from relevo.agents._resolver import OfflineResolver, Resolution, Resolver, ResolverTurn
from relevo.agents._routing import route_handoff
from relevo.agents._summarizer import OfflineSummarizer, Summarizer, primary_intent
from relevo.agents._superseded import (
    Restatement,
    restated_values,
    same_meaning,
    states_value,
    superseded_by_humans,
)
from relevo.agents._texts import ReplyTexts, format_date, render_text, word
from relevo.agents._toolbox import Toolbox
from relevo.agents._triage import OfflineTriage, Triage

__all__ = [
    "KB_TOOL",
    "Claim",
    "ClaimKind",
    "EscalationPolicy",
    "EscalationTrigger",
    "Evidence",
    "GroundingGuard",
    "GuardCheck",
    "KnowledgeAnswer",
    "KnowledgeBase",
    "LLMResolver",
    "LLMSummarizer",
    "LLMTriage",
    "OfflineResolver",
    "OfflineSkill",
    "OfflineSummarizer",
    "OfflineTriage",
    "OfflineTurn",
    "PolicyView",
    "ReplyTexts",
    "Resolution",
    "Resolver",
    "ResolverTurn",
    "Restatement",
    "Stage",
    "Summarizer",
    "Toolbox",
    "Triage",
    "TriageVerdict",
    "TriggerResult",
    "format_date",
    "primary_intent",
    "render_card",
    "render_text",
    "restated_values",
    "route_handoff",
    "same_meaning",
    "states_value",
    "superseded_by_humans",
    "trigger",
    "word",
]
