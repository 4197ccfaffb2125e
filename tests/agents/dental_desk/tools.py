"""The dental test desk has no tools."""

from __future__ import annotations

TOOLS: list[object] = []
