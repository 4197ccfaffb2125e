"""The conversation's transcript as model messages (human agents' turns included, system events left out)."""

from __future__ import annotations

from collections.abc import Sequence

from relevo.contracts import AIMessage, CustomerMessage, HumanAgentMessage, Message
from relevo.models import AssistantTurn, ModelMessage, UserTurn

__all__ = ["transcript_as_text", "transcript_as_turns"]


def transcript_as_turns(messages: Sequence[Message], *, limit: int = 12) -> list[ModelMessage]:
    """The last ``limit`` customer/AI/human-agent messages as user and assistant turns."""
    out: list[ModelMessage] = []
    for m in [m for m in messages if m.kind in ("customer", "ai", "human_agent")][-limit:]:
        if isinstance(m, CustomerMessage):
            out.append(UserTurn(content=m.text))
        elif isinstance(m, HumanAgentMessage):
            out.append(AssistantTurn(content=f"[human agent {m.agent}] {m.text}"))
        elif isinstance(m, AIMessage):
            out.append(AssistantTurn(content=m.text))
    return out


def transcript_as_text(messages: Sequence[Message], *, limit: int = 8, clip: int = 300) -> str:
    """The last ``limit`` messages as quoted lines, for prompts that take the history as data."""
    lines: list[str] = []
    for m in [m for m in messages if m.kind in ("customer", "ai", "human_agent")][-limit:]:
        who = {"customer": "customer", "ai": "assistant", "human_agent": "human agent"}[m.kind]
        text = " ".join(m.text.split())
        lines.append(f"- {who}: <<<{text[:clip]}>>>")
    return "\n".join(lines) or "(none)"
