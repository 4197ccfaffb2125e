"""Whether a message names a topic at all ("I have a question about the thing" does not).

A message made only of function words, pronouns, light verbs and placeholder nouns (``lexicons/vague.yaml``)
tells that the customer wants something but not what. Such a message is not out of scope (nothing in it is
off-topic): it is not understood, and the assistant should ask.
"""

from __future__ import annotations

import functools
import re

from pydantic import BaseModel, ConfigDict

from relevo.models.offline._language import load_lexicon, normalise

__all__ = ["names_no_topic"]

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_MAX_VAGUE_WORDS = 30
"""A longer message names something, whatever its words."""


class _VagueLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: dict[str, list[str]]


@functools.cache
def _placeholders() -> frozenset[str]:
    lexicon = _VagueLexicon.model_validate(load_lexicon("vague"))
    words: set[str] = set()
    for entries in lexicon.languages.values():
        for entry in entries:
            words.update(normalise(entry).text.split())
    return frozenset(words)


def names_no_topic(text: str) -> bool:
    """True when every word of ``text`` is a placeholder (at least two words; "ok" or "hi" are acts, not
    vague requests, and are left to the dialogue-act and intent detectors)."""
    words = _WORD.findall(normalise(text).text)
    if not 2 <= len(words) <= _MAX_VAGUE_WORDS:
        return False
    placeholders = _placeholders()
    return all(word in placeholders for word in words)
