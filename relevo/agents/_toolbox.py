"""Runs tools for one turn on behalf of an agent and records every call as data."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from relevo.contracts import ToolCallRecord
from relevo.tools import ToolContext, ToolRegistry, ToolResult

__all__ = ["Toolbox"]

_Arg = str | int | float | bool | None


class Toolbox:
    """A registry bound to one turn's context; ``calls`` lists what ran, in order."""

    def __init__(
        self, registry: ToolRegistry, context: ToolContext, *, redact: Callable[[str], str] | None = None
    ) -> None:
        """``redact`` turns personal data in recorded arguments back into the conversation's vault tokens: a
        tool may be called with a revealed value (a guest's email), the record that is stored never holds it."""
        self.registry = registry
        self.context = context
        self.calls: list[ToolCallRecord] = []
        self._redact = redact

    def call(
        self, name: str, arguments: Mapping[str, _Arg], *, declared: bool = False
    ) -> tuple[ToolCallRecord, ToolResult]:
        """Run tool ``name``; failures come back as a result with ``ok=False``, never as an exception.

        ``declared``: the call comes from the desk's own declaration (an intent's ``tool:``), not a model's
        choice, so a call that does not fit the tool (invalid arguments, unknown tool) is the desk's fault and is
        recorded as ``failed`` like a broken tool; a model's misfit call stays ``rejected`` for it to correct.
        """
        result = self.registry.call(name, dict(arguments), self.context)
        misfit = declared and result.error_kind in ("invalid_arguments", "unknown_tool")
        status = "ok" if result.ok else ("failed" if result.error_kind == "failed" or misfit else "rejected")
        record = ToolCallRecord(
            id=self.context.new_id("call"),
            tool=name,
            arguments=self._recorded(arguments),
            status=status,
            result=json.dumps(result.data, ensure_ascii=False, default=str, sort_keys=True),
            error=result.error,
        )
        self.calls.append(record)
        return record, result

    def _recorded(self, arguments: Mapping[str, _Arg]) -> dict[str, _Arg]:
        redact = self._redact
        if redact is None:
            return dict(arguments)
        return {k: redact(v) if isinstance(v, str) else v for k, v in arguments.items()}
