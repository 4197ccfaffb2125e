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
    language: str = "en"
    """The conversation's language (ISO 639-1, e.g. ``es``): a tool that explains a refusal
    (:class:`ToolRefused`) says it in this language, since the customer reads the reason."""
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


class OfferTerms(BaseModel):
    """How to read an offer from a tool's result: something the customer must accept or decline (a credit, a
    fee waiver, a voucher) before it is granted.

    Each field names a field of the tool's result (``reference``: one of its call arguments). The AI may not
    promise more than ``amount`` while the offer stands: the grounding guard flags any higher amount in a reply.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: str = "amount"
    """The result field holding the amount offered (a number, in ``currency``)."""
    currency: str = "currency"
    description: str = "description"
    offer_id: str = "offer_id"
    """The result field holding the offer's id; missing: the call's id."""
    kind: str = "kind"
    reference: str = ""
    """The call argument naming what the offer is for (an account, an item); empty: none."""
    fact: str = ""
    """A fact recording the amount offered (``credit_offered``), so later turns know it was offered; empty: none."""


class ToolEffects(BaseModel):
    """What a successful call of a tool establishes in the conversation, declared when the tool is registered
    (``ToolRegistry.register(..., effects=...)``, ``DeskBuilder.add_tool(..., effects=...)``).

    A model-driven resolver reads these to record facts, a pending offer and commitments from the calls the
    model makes; a failed or refused call establishes nothing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    facts: dict[str, str] = Field(default_factory=dict[str, str])
    """Result field -> fact name recorded with the field's value (absent, null or empty fields record nothing),
    e.g. ``{"id": "account_id"}``."""
    offer: OfferTerms | None = None
    """The result is an offer awaiting the customer's yes or no (see :class:`OfferTerms`)."""
    commitment: str = ""
    """A template of what the AI has now committed to, filled from the call's arguments, the result's fields and
    ``{call_id}``, e.g. ``"ticket {ticket_id}: {subject}"``; empty: the call commits to nothing."""


def sequential_ids(start: int = 1) -> Callable[[str], str]:
    """Return a deterministic id factory: ``prefix -> "prefix-0001"``, counting across prefixes."""
    counter = itertools.count(start)

    def new_id(prefix: str) -> str:
        return f"{prefix}-{next(counter):04d}"

    return new_id


__all__ = [
    "OfferTerms",
    "ToolContext",
    "ToolEffects",
    "ToolErrorKind",
    "ToolRefused",
    "ToolResult",
    "ToolSpec",
    "sequential_ids",
]
