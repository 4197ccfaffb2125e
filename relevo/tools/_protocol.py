"""What every tool call sees and returns: the run context, the result and the tool's description."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from relevo._errors import ConfigurationError, RelevoError

ToolErrorKind = Literal["", "unknown_tool", "invalid_arguments", "rejected", "failed"]
"""Why a call did not succeed: ``rejected`` means the request itself was refused (not found, not allowed,
nothing to offer) and asking the customer may help; ``failed`` means the tool or its backend broke."""

_ServiceT = TypeVar("_ServiceT")


class ToolRefused(RelevoError):
    """Raised by a tool to refuse a request: not found, not allowed, nothing to offer.

    A refusal is an answer (``error_kind="rejected"``): the AI tells the customer and may ask again; it is never
    counted as a ``tool_failure``. Any other exception from a tool is a failure and hands the conversation off.
    ``relevo.BadInputError`` is accepted as a refusal too.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """Per-run dependencies injected into tools that declare a ``ToolContext`` first parameter."""

    now: Callable[[], datetime]
    new_id: Callable[[str], str]
    """Prefix -> a unique id, e.g. ``new_id("offer")`` -> ``"offer-0007"``."""
    conversation_id: str
    customer_id: str | None = None
    """The identified customer; tools never return another customer's data when it is set."""
    facts: Mapping[str, str] = field(default_factory=dict[str, str])
    """What the conversation has established so far: fact name -> latest value."""
    services: tuple[object, ...] = ()
    """The desk's backends (``DeskBuilder.with_service``): a tool finds its own with :meth:`service`."""

    def service(self, kind: type[_ServiceT]) -> _ServiceT:
        """The desk's backend of type ``kind`` (a class or a runtime-checkable protocol).

        Raises:
            ConfigurationError: the desk registered no such backend.
        """
        for candidate in self.services:
            if isinstance(candidate, kind):
                return candidate
        raise ConfigurationError(f"no {kind.__name__} in this desk; register one with DeskBuilder.with_service")


class ToolResult(BaseModel):
    """The outcome of one tool call, as data; failures are results, never exceptions."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    data: dict[str, JsonValue] = Field(default_factory=dict[str, JsonValue])
    error: str = ""
    error_kind: ToolErrorKind = ""


class ToolSpec(BaseModel):
    """How a tool presents itself to a model: name, one-line description and JSON schema of its arguments."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    parameters: dict[str, JsonValue]


def sequential_ids(start: int = 1) -> Callable[[str], str]:
    """Return a deterministic id factory: ``prefix -> "prefix-0001"``, counting across prefixes."""
    counter = itertools.count(start)

    def new_id(prefix: str) -> str:
        return f"{prefix}-{next(counter):04d}"

    return new_id


__all__ = ["ToolContext", "ToolErrorKind", "ToolRefused", "ToolResult", "ToolSpec", "sequential_ids"]
