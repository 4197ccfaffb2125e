"""A desk's own checks of an evaluated conversation (e.g. promises beyond what its policy allows)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from relevo.contracts import ConversationState

__all__ = ["ConversationAudit"]


@runtime_checkable
class ConversationAudit(Protocol):
    """Checks a desk registers with ``DeskBuilder.with_service``; ``relevo eval run`` calls every one on each
    finished conversation and counts what they return as violations (a scenario's ``expect.forbid`` turns a kind
    into a failure)."""

    def violations(self, state: ConversationState) -> list[str]:
        """``"<kind>: <what happened>"`` lines, e.g. ``"promise_beyond_policy: offered 30.00 above the cap 10.00"``
        (kinds: ``promise_beyond_policy``, ``repeat_ask``, ``ungrounded_answer``)."""
        ...
