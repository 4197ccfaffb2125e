"""Adapter for any langchain-core ``BaseChatModel``: a team's existing LangChain model plugs into the port."""

from __future__ import annotations

import json
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from relevo.models._errors import ProviderAuthError, ProviderRejected, ProviderUnavailable
from relevo.models._hygiene import sanitize_history
from relevo.models._port import (
    AssistantTurn,
    ModelRequest,
    ModelResponse,
    SystemTurn,
    ToolCallRequest,
    ToolTurn,
    Usage,
)

__all__ = ["LangChainModel"]

_UNAVAILABLE_NAMES = ("RateLimit", "Timeout", "Connection", "ServiceUnavailable", "InternalServer", "Overloaded")


class LangChainModel:
    """Wraps a LangChain chat model; structured output is requested as JSON in the prompt and validated by
    relevo, so it works with any chat model."""

    def __init__(self, model: BaseChatModel, *, name: str | None = None) -> None:
        self.model = model
        self._name = name or f"langchain/{type(model).__name__}"

    @property
    def name(self) -> str:
        return self._name

    def complete(self, request: ModelRequest) -> ModelResponse:
        messages = _to_langchain(request)
        runnable: Any = self.model
        if request.tools:
            runnable = self.model.bind_tools([{"type": "function", "function": t.model_dump()} for t in request.tools])
        started = time.perf_counter()
        try:
            reply = runnable.invoke(messages)
        except Exception as exc:
            raise _classify(self._name, exc) from exc
        if not isinstance(reply, AIMessage):
            raise ProviderUnavailable(self._name, f"unexpected reply type {type(reply).__name__}")
        calls = [
            ToolCallRequest(id=c.get("id") or f"call_{i}", name=c["name"], arguments=dict(c.get("args") or {}))
            for i, c in enumerate(reply.tool_calls)
        ]
        usage = reply.usage_metadata or {}
        content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
        return ModelResponse(
            text=content,
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=int(usage.get("input_tokens", 0)), completion_tokens=int(usage.get("output_tokens", 0))
            ),
            model=self._name,
            provider="langchain",
            latency_ms=(time.perf_counter() - started) * 1000,
        )


def _to_langchain(request: ModelRequest) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for m in sanitize_history(request.messages):
        if isinstance(m, SystemTurn):
            out.append(SystemMessage(content=m.content))
        elif isinstance(m, AssistantTurn):
            out.append(
                AIMessage(
                    content=m.content,
                    tool_calls=[{"id": c.id, "name": c.name, "args": c.arguments} for c in m.tool_calls],
                )
            )
        elif isinstance(m, ToolTurn):
            out.append(ToolMessage(content=m.content, tool_call_id=m.tool_call_id, name=m.name))
        else:
            out.append(HumanMessage(content=m.content))
    if request.output_schema is not None:
        instruction = "Answer with one JSON object only, following this JSON schema:\n" + json.dumps(
            request.output_schema
        )
        out.insert(1 if out and isinstance(out[0], SystemMessage) else 0, SystemMessage(content=instruction))
    return out


def _classify(name: str, exc: Exception) -> Exception:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status == 429 or status >= 500:
            return ProviderUnavailable(name, f"HTTP {status}: {exc}")
        if status in (401, 403):
            return ProviderAuthError(name, f"HTTP {status}: {exc}")
        return ProviderRejected(name, f"HTTP {status}: {exc}")
    transient = isinstance(exc, TimeoutError | ConnectionError)
    if transient or any(part in type(exc).__name__ for part in _UNAVAILABLE_NAMES):
        return ProviderUnavailable(name, f"{type(exc).__name__}: {exc}")
    return ProviderRejected(name, f"{type(exc).__name__}: {exc}")
