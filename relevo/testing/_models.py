"""Test doubles for the model port: a scripted model and a function-driven model.

Both return real :class:`~relevo.models.ModelResponse` objects. The scripted model fails loudly when its
script runs out, and :meth:`ScriptedModel.assert_used_up` fails when steps are left unused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from relevo._errors import ModelError
from relevo.models._errors import ProviderRejected, ProviderUnavailable
from relevo.models._port import ModelRequest, ModelResponse, ToolCallRequest

__all__ = ["FunctionModel", "ScriptExhausted", "ScriptStep", "ScriptedModel", "rejected", "unavailable"]

ScriptStep = str | dict[str, Any] | ToolCallRequest | list[ToolCallRequest] | Exception
"""A text answer, a JSON object (sent as text, for structured output), tool call(s), or an error to raise."""


class ScriptExhausted(ModelError):
    """A scripted model was asked for more answers than its script holds."""


class ScriptedModel:
    """Answers from a fixed script, one step per call; records every request it saw."""

    def __init__(self, steps: Sequence[ScriptStep], *, name: str = "scripted/model", cost_usd: float = 0.0) -> None:
        self._steps = list(steps)
        self._cost = cost_usd
        self._name = name
        self.requests: list[ModelRequest] = []

    @property
    def name(self) -> str:
        return self._name

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        if not self._steps:
            raise ScriptExhausted(
                f"{self._name} was called {len(self.requests)} times but its script had "
                f"{len(self.requests) - 1} steps; last request: {request.messages[-1]!r}"
            )
        step = self._steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, ToolCallRequest):
            step = [step]
        if isinstance(step, list):
            return ModelResponse(tool_calls=step, model=self._name, provider="scripted", cost_usd=self._cost)
        text = json.dumps(step) if isinstance(step, dict) else step
        return ModelResponse(text=text, model=self._name, provider="scripted", cost_usd=self._cost)

    @property
    def remaining(self) -> int:
        return len(self._steps)

    def assert_used_up(self) -> None:
        """Fail when script steps were never used (the code under test called the model less than expected)."""
        if self._steps:
            raise AssertionError(f"{self._name} has {len(self._steps)} unused script steps: {self._steps!r}")


class FunctionModel:
    """Answers by calling ``fn(request)``; the function returns text, a JSON object or tool calls."""

    def __init__(
        self,
        fn: Callable[[ModelRequest], str | dict[str, Any] | list[ToolCallRequest]],
        *,
        name: str = "function/model",
    ) -> None:
        self._fn = fn
        self._name = name
        self.requests: list[ModelRequest] = []

    @property
    def name(self) -> str:
        return self._name

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        out = self._fn(request)
        if isinstance(out, list):
            return ModelResponse(tool_calls=out, model=self._name, provider="function")
        text = json.dumps(out) if isinstance(out, dict) else out
        return ModelResponse(text=text, model=self._name, provider="function")


def unavailable(reason: str = "HTTP 503", model: str = "scripted/model") -> ProviderUnavailable:
    """An error step: the provider is down (the chain falls over)."""
    return ProviderUnavailable(model, reason)


def rejected(reason: str = "HTTP 400", model: str = "scripted/model") -> ProviderRejected:
    """An error step: the provider refused the request (the chain does not fall over)."""
    return ProviderRejected(model, reason)
