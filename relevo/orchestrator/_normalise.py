"""Inbound text hygiene: whatever arrives becomes safe, bounded, well-formed text.

The length cap is applied here, before anything else reads the text (PII redaction, language detection, the
model): the work per message is bounded whatever a channel delivers. A cut message ends with
:data:`TRUNCATION_MARK`, so everyone who reads it (the customer's transcript, the agent, the model) sees that more
was sent, and the conversation records a note with both lengths.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MAX_MESSAGE_CHARS", "TRUNCATION_MARK", "NormalisedText", "normalise_text"]

MAX_MESSAGE_CHARS = 16_000
"""Longer messages are cut here (and the cut is recorded): checkpoints rewrite the transcript every turn."""

TRUNCATION_MARK = " […]"
"""Ends a message that was cut to :data:`MAX_MESSAGE_CHARS` (the mark counts towards the cap)."""

# A cut backs off to the last whitespace within this many characters and drops a number it would split, so no
# half card number or IBAN (too short for its detector to recognise) is left in the text.
_CUT_BACKOFF = 200
_NUMBER_TAIL = re.compile(r"(?:\b[A-Za-z]{2})?[\d\s.()+\-]*$")  # an IBAN starts with two letters
_NUMBER_AHEAD = re.compile(r"[\s.()+\-]{0,3}\d")

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

    Bytes are decoded as UTF-8; invalid sequences become U+FFFD rather than an error. Text longer than
    :data:`MAX_MESSAGE_CHARS` is cut (see :data:`TRUNCATION_MARK`); ``original_chars`` keeps the length received.
    Linear in the input; no more than twice the cap is processed beyond decoding.
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
    if truncated:
        text = _cut(text, MAX_MESSAGE_CHARS - len(TRUNCATION_MARK)) + TRUNCATION_MARK
    return NormalisedText(text, original, truncated, replaced)


def _cut(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, at a word boundary when one is near, without the part of
    a number the cut would split."""
    head = text[:limit]
    if len(text) > limit and not text[limit].isspace():
        space = max(head.rfind(" ", limit - _CUT_BACKOFF), head.rfind("\n", limit - _CUT_BACKOFF))
        if space > 0:
            head = head[:space]
    if _NUMBER_AHEAD.match(text, len(head)):
        tail = _NUMBER_TAIL.search(head, max(0, len(head) - _CUT_BACKOFF))
        if tail is not None and tail.start() > 0:
            head = head[: tail.start()]
    return head.rstrip()
