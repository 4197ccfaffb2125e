"""relevo's exception tree, split by who is at fault.

Constructors only store their arguments: no I/O, no side effects.
"""

from __future__ import annotations

__all__ = [
    "BadInputError",
    "ConfigurationError",
    "ModeError",
    "ModelError",
    "RelevoError",
    "StorageError",
    "ToolError",
    "UnknownConversationError",
]


class RelevoError(Exception):
    """Base class of every error relevo raises on purpose."""


class ConfigurationError(RelevoError):
    """The deployment is misconfigured: a settings file, a catalog or a policy is wrong. Fix the config."""


class BadInputError(RelevoError):
    """The caller sent something relevo cannot accept (the caller should change the request)."""


class UnknownConversationError(BadInputError):
    """No conversation with this id exists in the configured storage."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(
            f"no conversation with id {conversation_id!r} in this data directory; start one first or check --data-dir"
        )
        self.conversation_id = conversation_id


class ModeError(BadInputError):
    """A human-side command was sent in a conversation mode that does not allow it."""

    def __init__(self, command: str, mode: str, allowed: tuple[str, ...]) -> None:
        super().__init__(
            f"{command} is not possible while the conversation is {mode}; it needs mode " + " or ".join(allowed)
        )
        self.command = command
        self.mode = mode
        self.allowed = allowed


class ModelError(RelevoError):
    """A model or provider failed (network, rate limit, invalid output)."""


class ToolError(RelevoError):
    """A tool failed while running (its backend is down or answered nonsense)."""

    def __init__(self, tool: str, reason: str) -> None:
        super().__init__(f"tool {tool} failed: {reason}")
        self.tool = tool
        self.reason = reason


class StorageError(RelevoError):
    """Conversation state or memory storage failed or is unreachable."""
