"""What one inbound event did to a conversation, as the caller sees it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from relevo.contracts import (
    AIMessage,
    ConversationState,
    EscalationDecision,
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
        )
