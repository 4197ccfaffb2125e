"""A desk's scripted conversations: its story (what ``relevo demo`` plays) and the conversations its benchmarks
replay (what ``relevo bench turn``, ``serve`` and ``llm-turn`` measure)."""

from __future__ import annotations

from dataclasses import dataclass

from relevo._errors import ConfigurationError

__all__ = ["BenchConversation", "Chapter"]


@dataclass(frozen=True)
class Chapter:
    """One conversation of a story: who, what they (and the human agent) say, and what it shows.

    ``script`` lines are customer messages, or human-side commands: ``/takeover NAME``, ``/reply TEXT``,
    ``/handback NOTE``, ``/resolve``. ``customer`` is a customer id of the desk's directory (None: a guest).
    """

    title: str
    shows: str
    customer: str | None
    script: tuple[str, ...]


@dataclass(frozen=True)
class BenchConversation:
    """One conversation a desk's benchmarks replay: who writes and what they write, in order.

    ``customer`` is a customer id of the desk's directory (None: a guest). ``messages`` are customer messages
    only (no human-side ``/commands``: a benchmark plays no human agent), at least one, none blank.

    Raises:
        ConfigurationError: no messages, a blank message, or one starting with ``/``.
    """

    customer: str | None
    messages: tuple[str, ...]

    def __post_init__(self) -> None:
        who = self.customer or "a guest"
        if not self.messages:
            raise ConfigurationError(f"bench conversation of {who}: it has no messages")
        for n, message in enumerate(self.messages, 1):
            if not message.strip():
                raise ConfigurationError(f"bench conversation of {who}: message {n} is blank")
            if message.startswith("/"):
                raise ConfigurationError(
                    f"bench conversation of {who}: message {n} ({message[:40]!r}) is a human-side command; "
                    "benchmarks replay customer messages only"
                )
