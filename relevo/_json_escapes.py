"""Unpaired UTF-16 surrogate escapes in JSON text (``"\\ud800"``): valid JSON syntax, but not text.

Python's ``json`` decodes them into strings that cannot be encoded as UTF-8 (so they fail later, in a store);
pydantic-core's parser refuses the whole document. A body from a provider that must not be refused as a whole
(a WhatsApp delivery: Meta retries a refusal, and the other messages in it would wait) has them replaced first.
"""

from __future__ import annotations

import re

__all__ = ["replace_lone_surrogate_escapes"]

# One JSON escape per match, left to right, so an escaped backslash followed by "ud800" is not taken for an escape.
# Fixed-length alternatives: linear in the body, no backtracking.
_ESCAPE = re.compile(
    rb"\\(?:u(?P<high>[dD][89abAB][0-9a-fA-F]{2})(?P<low>\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
    rb"|u(?P<lone>[dD][c-fC-F][0-9a-fA-F]{2})|.)",
    re.DOTALL,
)
_REPLACEMENT = rb"\ufffd"


def _repair(match: re.Match[bytes]) -> bytes:
    if (match["high"] is not None and match["low"] is None) or match["lone"] is not None:
        return _REPLACEMENT
    return match.group()


def replace_lone_surrogate_escapes(body: bytes) -> bytes:
    """``body`` with every unpaired surrogate escape replaced by ``\\ufffd`` (the replacement character).

    Paired escapes (an emoji written as ``\\ud83d\\ude00``) are kept. Returns ``body`` itself when nothing changed.
    """
    if b"\\u" not in body:
        return body
    repaired = _ESCAPE.sub(_repair, body)
    return body if repaired == body else repaired
