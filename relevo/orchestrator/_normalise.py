"""Inbound text hygiene: whatever arrives becomes safe, bounded, well-formed text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MAX_MESSAGE_CHARS", "NormalisedText", "normalise_text"]

MAX_MESSAGE_CHARS = 16_000
"""Longer messages are cut here (and the cut is recorded): checkpoints rewrite the transcript every turn."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class NormalisedText:
    text: str
    original_chars: int
    truncated: bool
    replaced_bytes: bool


def normalise_text(raw: str | bytes) -> NormalisedText:
    """NFC-normalised text without control or bidi-override characters, whitespace folded, length bounded.

    Bytes are decoded as UTF-8; invalid sequences become U+FFFD rather than an error.
    """
    replaced = False
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", errors="replace")
        replaced = "\ufffd" in text
    else:
        # A str may still carry lone surrogates (from a lenient decoder); make it encodable.
        text = raw.encode("utf-8", errors="replace").decode("utf-8")
    original = len(text)
    text = unicodedata.normalize("NFC", text[: MAX_MESSAGE_CHARS * 2])
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    truncated = len(text) > MAX_MESSAGE_CHARS or original > MAX_MESSAGE_CHARS * 2
    return NormalisedText(text[:MAX_MESSAGE_CHARS], original, truncated, replaced)
