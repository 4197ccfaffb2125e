"""A desk's story: a few scripted conversations that show what the desk does (what ``relevo demo`` plays)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Chapter"]


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
