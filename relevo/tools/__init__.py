"""Tools the AI may call: the protocol and a registry. A desk brings its own tools (the demo's live in relevo.demo)."""

from relevo.tools._protocol import (
    OfferTerms,
    ToolContext,
    ToolEffects,
    ToolErrorKind,
    ToolRefused,
    ToolResult,
    ToolSpec,
    sequential_ids,
)
from relevo.tools._registry import ToolRegistry

__all__ = [
    "OfferTerms",
    "ToolContext",
    "ToolEffects",
    "ToolErrorKind",
    "ToolRefused",
    "ToolRegistry",
    "ToolResult",
    "ToolSpec",
    "sequential_ids",
]
