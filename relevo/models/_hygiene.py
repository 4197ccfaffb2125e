"""History hygiene: make a message list acceptable to the strictest providers before every call.

The rules are the union of Anthropic's and OpenAI's documented constraints:
- one system message, first (Anthropic takes the system prompt apart; OpenAI accepts it first);
- no empty messages (Anthropic rejects empty ``content``);
- every assistant tool call is answered by exactly one tool result with its id, placed right after the
  assistant message (OpenAI rejects unanswered calls and orphan results; Anthropic requires the result in the
  next user turn);
- tool call ids match ``^[a-zA-Z0-9_-]+$`` (Anthropic's pattern), consistently in call and result;
- user and assistant turns alternate, starting with a user turn (Anthropic), so consecutive turns of the same
  role are merged.
This also holds after a fallback to another vendor mid-conversation and after a human turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from relevo.models._port import AssistantTurn, ModelMessage, SystemTurn, ToolCallRequest, ToolTurn, UserTurn

__all__ = ["sanitize_history"]

_ID_CHARS = re.compile(r"[^a-zA-Z0-9_-]")
_MISSING_RESULT = "(no result: the call was interrupted before it finished)"
_OPENING = "(the conversation so far)"


def _clean_id(raw: str, index: int) -> str:
    cleaned = _ID_CHARS.sub("_", raw)[:64]
    return cleaned or f"call_{index}"


def sanitize_history(messages: Sequence[ModelMessage]) -> list[ModelMessage]:
    """A provider-safe copy of ``messages`` (see the module docstring for the rules)."""
    system_parts = [m.content.strip() for m in messages if isinstance(m, SystemTurn) and m.content.strip()]
    results: dict[str, ToolTurn] = {}
    ids: dict[str, str] = {}
    for n, m in enumerate(messages):
        if isinstance(m, AssistantTurn):
            for call in m.tool_calls:
                ids.setdefault(call.id, _clean_id(call.id, n))
    for m in messages:
        if isinstance(m, ToolTurn) and m.tool_call_id in ids and ids[m.tool_call_id] not in results:
            results[ids[m.tool_call_id]] = ToolTurn(
                tool_call_id=ids[m.tool_call_id], name=m.name, content=m.content.strip() or "(empty result)"
            )
    body: list[ModelMessage] = []
    for m in messages:
        if isinstance(m, SystemTurn | ToolTurn):
            continue  # system goes first; tool results are re-attached to their calls below
        if isinstance(m, UserTurn):
            if m.content.strip():
                _append_user(body, m.content.strip())
            continue
        calls = [ToolCallRequest(id=ids[c.id], name=c.name, arguments=c.arguments) for c in m.tool_calls]
        unique: dict[str, ToolCallRequest] = {c.id: c for c in calls}
        if not m.content.strip() and not unique:
            continue
        if unique:
            body.append(AssistantTurn(content=m.content.strip(), tool_calls=list(unique.values())))
            for call in unique.values():
                body.append(
                    results.get(call.id) or ToolTurn(tool_call_id=call.id, name=call.name, content=_MISSING_RESULT)
                )
        else:
            _append_assistant(body, m.content.strip())
    if body and not isinstance(body[0], UserTurn):
        body.insert(0, UserTurn(content=_OPENING))
    head: list[ModelMessage] = [SystemTurn(content="\n\n".join(system_parts))] if system_parts else []
    return [*head, *body]


def _append_user(body: list[ModelMessage], text: str) -> None:
    last = body[-1] if body else None
    if isinstance(last, UserTurn):
        body[-1] = UserTurn(content=f"{last.content}\n\n{text}")
    else:
        body.append(UserTurn(content=text))


def _append_assistant(body: list[ModelMessage], text: str) -> None:
    last = body[-1] if body else None
    if isinstance(last, AssistantTurn) and not last.tool_calls:
        body[-1] = AssistantTurn(content=f"{last.content}\n\n{text}")
    else:
        body.append(AssistantTurn(content=text))
