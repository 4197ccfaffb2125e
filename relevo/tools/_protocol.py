"""What every tool call sees and returns: the run context, the result and the tool's description."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from relevo.tools._store import StoreBackend

ToolErrorKind = Literal["", "unknown_tool", "invalid_arguments", "rejected", "failed"]
"""Why a call did not succeed: ``rejected`` means the request itself was refused (unknown order, not allowed,
nothing to offer) and asking the customer may help; ``failed`` means the tool or its backend broke."""


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """Per-run dependencies injected into tools that declare a ``ToolContext`` first parameter."""

    store: StoreBackend
    now: Callable[[], datetime]
    new_id: Callable[[str], str]
    """Prefix -> a unique id, e.g. ``new_id("offer")`` -> ``"offer-0007"``."""
    conversation_id: str
    customer_id: str | None = None
    """The identified customer; tools never return another customer's data when it is set."""
    granted_so_far: float = 0.0
    """Goodwill compensation already granted in this conversation, in the store's currency."""


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


__all__ = ["ToolContext", "ToolErrorKind", "ToolResult", "ToolSpec", "sequential_ids"]
