"""Intent names the agents treat specially, whatever the deployment's catalog holds besides."""

from __future__ import annotations

__all__ = ["OUT_OF_SCOPE", "SMALL_TALK"]

OUT_OF_SCOPE = "out_of_scope"
"""The intent of a message that is not about the business at all (the catalog may give it examples)."""

SMALL_TALK = frozenset({"greeting", "thanks_goodbye", "affirm", "deny", "human_agent", OUT_OF_SCOPE})
"""Intents that carry no issue of their own: loops ignore them, packets look past them for the real intent."""
