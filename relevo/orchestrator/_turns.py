"""What one inbound event did to a conversation, as the caller sees it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from relevo.contracts import (
    AIMessage,
    ConversationState,
    EscalationDecision,
    GuardReport,
    HandoffPacket,
    HumanAgentMessage,
    Message,
    Mode,
    ModelCall,
    Signals,
)

__all__ = ["TurnResult"]

Actor = Literal["ai", "human_agent", "system", "none"]


class TurnResult(BaseModel):
    """The outcome of one event: who answered, what they said, the mode after it, and why."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    input: str
    actor: Actor
    reply: str | None
    mode: Mode
    signals: Signals | None
    escalation: EscalationDecision | None
    packet: HandoffPacket | None
    """Set when this event produced a handoff."""
    messages: list[Message]
    """Everything this event added to the transcript."""
    model_calls: list[ModelCall] = []
    """Every model call this event made (agent, provider, model, latency, tokens, cost)."""
    grounding: list[str] = []
    """The tool calls and knowledge-base articles the AI's reply rests on."""
    guard: GuardReport | None = None
    """What the grounding guard checked in a model-written reply, what failed and what it did (None: no model
    wrote a reply this event)."""

    @classmethod
    def between(cls, before: ConversationState, after: ConversationState, text: str) -> TurnResult:
        new = after.messages[len(before.messages) :]
        replies = [m for m in new if isinstance(m, AIMessage | HumanAgentMessage)]
        actor: Actor = "none"
        if replies:
            actor = "ai" if isinstance(replies[-1], AIMessage) else "human_agent"
        elif new and any(m.kind == "system" for m in new):
            actor = "system"
        new_ids = {m.id for m in new}
        signals = next((s for s in reversed(after.signals) if s.message_id in new_ids), None)
        escalation = None
        if signals is not None:
            decisions = [d for d in after.escalations if d.message_id == signals.message_id]
            reasons = [r for d in decisions for r in d.reasons]
            escalation = EscalationDecision(fired=bool(reasons), reasons=reasons, message_id=signals.message_id)
        packet = after.packet if after.packet is not None and after.packet != before.packet else None
        grounding = [g for m in replies if isinstance(m, AIMessage) for g in m.grounding]
        guard = None
        if signals is not None:
            guard = next((g for g in reversed(after.guard_reports) if g.message_id == signals.message_id), None)
        return cls(
            conversation_id=after.conversation_id,
            input=text,
            actor=actor,
            reply="\n".join(m.text for m in replies) if replies else None,
            mode=after.mode,
            signals=signals,
            escalation=escalation,
            packet=packet,
            messages=list(new),
            model_calls=list(after.model_calls[len(before.model_calls) :]),
            grounding=grounding,
            guard=guard,
        )
