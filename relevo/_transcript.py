"""Turn results as JSON (the CLI's contract) and as readable text."""

from __future__ import annotations

from typing import Any

from relevo.contracts import HandoffPacket
from relevo.orchestrator import TurnResult

__all__ = ["SIGNAL_KEYS", "guard_json", "packet_json", "turn_json", "turn_lines"]

SIGNAL_KEYS = ("intent", "confidence", "sentiment", "explicit_human_request", "out_of_scope", "language")


def turn_json(turn: TurnResult) -> dict[str, Any]:
    """One turn in the documented ``relevo chat --json`` shape."""
    signals = None
    if turn.signals is not None:
        dumped = turn.signals.model_dump()
        signals = {key: dumped[key] for key in SIGNAL_KEYS}
    escalation = None
    if turn.escalation is not None:
        escalation = {
            "fired": turn.escalation.fired,
            "reasons": [{"code": r.code, "evidence": r.evidence} for r in turn.escalation.reasons],
        }
    return {
        "input": turn.input,
        "actor": turn.actor,
        "reply": turn.reply,
        "mode": turn.mode,
        "signals": signals,
        "escalation": escalation,
        "model_calls": [call.model_dump() for call in turn.model_calls],
        "grounding": list(turn.grounding),
        "guard": guard_json(turn),
    }


def guard_json(turn: TurnResult) -> dict[str, Any] | None:
    """What the grounding guard did this turn: ``{checked, failed, action, replies, fired}``; None when no model
    wrote the reply (the offline engine's replies are grounded by construction)."""
    if turn.guard is None:
        return None
    return {**turn.guard.model_dump(exclude={"message_id"}), "fired": turn.guard.fired}


def packet_json(packet: HandoffPacket | None) -> dict[str, Any] | None:
    """The packet as JSON: every field, with facts as ``{name, value, source, ...}``."""
    return None if packet is None else packet.model_dump(mode="json")


def turn_lines(turn: TurnResult, *, customer_label: str = "customer") -> list[str]:
    """Readable lines for one turn: what came in, who answered, and why the mode changed."""
    lines: list[str] = []
    if not turn.input.startswith("/"):
        lines.append(f"  {customer_label:>10} │ {turn.input}")
    else:
        lines.append(f"  {'human':>10} │ {turn.input}")
    if turn.reply:
        who = "AI" if turn.actor == "ai" else "agent"
        for i, line in enumerate(turn.reply.splitlines()):
            lines.append(f"  {who if i == 0 else '':>10} │ {line}")
    elif not turn.input.startswith("/"):
        owner = "waiting for a human" if turn.mode == "pending_human" else "a human owns the conversation"
        lines.append(f"  {'':>10} │ (no AI reply: {owner}; message kept for them)")
    if turn.signals is not None:
        s = turn.signals
        lines.append(f"  {'':>10} · intent {s.intent} {s.confidence:.2f} · sentiment {s.sentiment:+.2f} · {s.language}")
    if turn.guard is not None and turn.guard.fired:
        lines.append(f"  {'':>10} ⛨ guard {turn.guard.action}: " + "; ".join(turn.guard.failed)[:200])
    if turn.escalation is not None and turn.escalation.fired:
        for reason in turn.escalation.reasons:
            lines.append(f"  {'':>10} ⚑ {reason.code}: {reason.evidence}")
    lines.append(f"  {'':>10}   mode → {turn.mode}")
    return lines
