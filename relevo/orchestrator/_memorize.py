"""Memory in the graph: the episode a conversation leaves behind, and the ``memorize`` node that writes it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from langgraph.runtime import Runtime

from relevo.contracts import ConversationState, SystemEvent
from relevo.memory import Episode
from relevo.orchestrator._context import RunContext

__all__ = ["episode_of", "memorize", "remembered_customer"]

# Small talk says nothing about what the customer needed.
_CHATTER = frozenset({"greeting", "thanks_goodbye", "affirm", "deny", "human_agent"})


def remembered_customer(state: ConversationState) -> str | None:
    """Whose memory this conversation writes to: the known customer, or the one a guest proved to be."""
    if not state.customer.is_guest:
        return state.customer.id
    verified = state.fact("verified_customer_id")
    return verified.value if verified is not None else None


def episode_of(state: ConversationState) -> Episode:
    """The conversation summarised as an episode (built from redacted state: no raw PII can reach it)."""
    intents = [s.intent for s in state.signals if s.intent not in _CHATTER]
    issue = Counter(intents).most_common(1)[0][0] if intents else "general"
    handed_off = any(isinstance(m, SystemEvent) and m.event == "escalated" for m in state.messages)
    human = any(isinstance(m, SystemEvent) and m.event == "takeover" for m in state.messages)
    if state.mode == "pending_human" and state.packet is not None:
        outcome = "handed off: " + ", ".join(r.code for r in state.packet.reasons)
    elif state.mode == "closed":
        outcome = "resolved after a handoff" if handed_off else "resolved"
    else:
        outcome = "answered"
    tried: list[str] = []
    for attempt in state.attempts:
        label = f"{attempt.target} ({attempt.outcome})"
        if attempt.action in ("kb_answer", "tool_call") and label not in tried:
            tried.append(label)
    sentiments = [s.sentiment for s in state.signals]
    return Episode(
        conversation_id=state.conversation_id,
        issue=issue,
        tried=tried[:6],
        outcome=outcome,
        commitments=[c.what for c in state.commitments],
        sentiment=min(sentiments) if sentiments else 0.0,
        resolved_by="human" if human else "ai",
    )


def memorize(state: ConversationState, runtime: Runtime[RunContext]) -> dict[str, Any]:
    """Write the conversation's episode (and the language preference) where the customer consented."""
    ctx = runtime.context
    customer_id = remembered_customer(state)
    if ctx.memory is None or customer_id is None:
        return {}
    now = ctx.clock()
    if state.customer.is_guest:
        # A guest who proved who they are: file the conversation under them, so erasing them erases it.
        ctx.memory.note_conversation(state.conversation_id, customer_id, now)
    if not ctx.memory.consents(customer_id):
        return {}
    ctx.memory.remember_conversation(
        customer_id,
        episode_of(state),
        [("preference:language", f"writes in {state.language}")],
        at=now,
        later=ctx.config.memory.write_behind,
    )
    return {}
