"""What must never show on a desk that is not the demo shop: the demo's brand and its shop words."""

from __future__ import annotations

import re

DEMO_TEXT = re.compile(
    r"lumen|\borders?\b|shipments?|deliver(?:y|ies|ed)|warrant(?:y|ies)|\bshop\b|\bstore\b|"
    r"pedidos?\b|envíos?\b|garant[ií]a|encomendas?\b|\bloja\b|\btienda\b",
    re.IGNORECASE,
)
"""The demo's brand and shop words in en, es and pt."""


def demo_words(text: str) -> list[str]:
    """Every demo word in ``text`` (empty: clean)."""
    return [m.group(0) for m in DEMO_TEXT.finditer(text)]
