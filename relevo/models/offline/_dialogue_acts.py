"""Short dialogue acts: a whole message that only declines, acknowledges, closes or greets ("no", "ok", "bye", "hi").

Such messages carry no request of their own; what they mean depends on what the assistant asked. An
embedding classifier reads them poorly (three letters say little), so they are recognised from
``lexicons/dialogue_acts.yaml``: per act and language, patterns that must cover the whole message, with
courtesy ("thanks", "bye", "ạ"), punctuation and emoji allowed around them.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from relevo.models.offline._cues import expand_terms
from relevo.models.offline._forms import verb_forms
from relevo.models.offline._language import load_lexicon, normalise, without_accents

__all__ = ["DialogueAct", "agrees", "detect_dialogue_act"]

DialogueAct = Literal["decline", "acknowledge", "close", "greet"]

_MAX_ACT_CHARS = 80
"""A message longer than this says more than a closing act."""


class _ActLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    verbs: dict[str, dict[str, list[str]]] = Field(default_factory=dict[str, dict[str, list[str]]])
    """Per language, term lists given as infinitives: each expands to its forms with "it" attached."""
    acts: dict[DialogueAct, dict[str, list[str]]]
    agreement: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    """Per language, words of agreement found anywhere in a short message (see :func:`agrees`)."""


_IT = ("lo", "la")
"""The object pronoun "it" a command to drop a matter carries ("olvídalo", "déjalo")."""


def _language_terms(lexicon: _ActLexicon, language: str) -> dict[str, list[str]]:
    terms = dict(lexicon.terms)
    for name, infinitives in lexicon.verbs.get(language, {}).items():
        forms = {form for verb in infinitives for form in verb_forms(verb, language) if form.endswith(_IT)}
        terms[name] = sorted(forms, key=len, reverse=True)
    return terms


@functools.cache
def _act_patterns() -> tuple[tuple[DialogueAct, str, re.Pattern[str]], ...]:
    lexicon = _ActLexicon.model_validate(load_lexicon("dialogue_acts"))
    courtesy = expand_terms("(?:<thanks>|<bye>|<politeness>)", lexicon.terms)
    compiled: list[tuple[DialogueAct, str, re.Pattern[str]]] = []
    # "close" first: "no, that's all" is a close, not a bare decline; "greet" last, only a bare hello.
    for act in ("close", "decline", "acknowledge", "greet"):
        for language, patterns in lexicon.acts.get(act, {}).items():
            terms = _language_terms(lexicon, language)
            body = "|".join(f"(?:{expand_terms(p, terms)})" for p in patterns)
            edge = rf"(?:[\W_]+|\b{courtesy}\b)*"
            compiled.append((act, language, re.compile(rf"^{edge}(?:{body}){edge}$")))
    return tuple(compiled)


def detect_dialogue_act(text: str, language: str) -> DialogueAct | None:
    """The closing, acknowledging or greeting act ``text`` is, as a whole, or ``None`` for any other message.

    Args:
        text: The customer's message.
        language: Its language; its patterns are tried first, then English, then the others (a Spanish
            speaker may well write "ok" or "no thanks").
    """
    if len(text) > _MAX_ACT_CHARS:
        return None
    folded = normalise(text).text.strip()
    if not folded:
        return None
    primary = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] if language else ""
    rank = {primary: 0, "en": 1}
    for act, _, pattern in sorted(_act_patterns(), key=lambda entry: rank.get(entry[1], 2)):
        if pattern.match(folded):
            return act
    return None


@functools.cache
def _agreement_patterns() -> dict[str, re.Pattern[str]]:
    lexicon = _ActLexicon.model_validate(load_lexicon("dialogue_acts"))
    return {
        language: re.compile(r"\b(?:" + "|".join(without_accents(w) for w in words) + r")\b")
        for language, words in lexicon.agreement.items()
    }


def agrees(text: str, language: str) -> bool:
    """Whether ``text`` says yes in so many words: a whole acknowledge act ("ok", "vale", "được rồi", 👍), or a
    short message (at most 80 characters) with a word of agreement of its language and no decline ("yes please",
    "sí, aplícalo", "sim, pode", "vâng"). What saying yes to an offer that spends money needs: a message that
    merely looks like a yes to the classifier ("the first one") is none."""
    act = detect_dialogue_act(text, language)
    if act == "acknowledge":
        return True
    if act is not None or len(text) > _MAX_ACT_CHARS:
        return False
    pattern = _agreement_patterns().get(language.split("-")[0].lower())
    return pattern is not None and pattern.search(without_accents(text.casefold())) is not None
