"""Lexicon sentiment: a customer message scored from -1 (furious) to +1 (delighted), with the cues found.

Valences come from ``lexicons/sentiment.yaml`` (per language) and ``lexicons/emoji.yaml`` (emoji, emoticons
and punctuation, shared by every language). A negator within three words before a word cue flips it ("not
helpful"; a face is never negated: "it didn't arrive 😭" stays sad), an intensifier right before it scales
it ("very bad"), a cue written in capitals counts more, and a message that shouts or ends in "!!!" is pushed
further from neutral. Faces set the tone, never the content: however many, they weigh at most as much as
"!!!". The sum is squashed into [-1, 1] the way VADER does: ``s / sqrt(s² + α)``.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from relevo._errors import ConfigurationError
from relevo.models.offline._language import MAX_SCAN_CHARS, NormalisedText, load_lexicon, normalise

__all__ = ["SentimentReading", "score_sentiment"]


class SentimentReading(BaseModel):
    """How a message feels, and why."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=-1.0, le=1.0)
    """-1 very negative, 0 neutral, +1 very positive."""
    evidence: list[str] = Field(default_factory=list[str])
    """The cues as the customer wrote them ("not helpful", "this is ridiculous", "!!!", "ALL CAPS")."""


class _SentimentLanguage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    strip_accents: bool = True
    negators: list[str] = Field(default_factory=list[str])
    intensifiers: dict[str, float] = Field(default_factory=dict[str, float])
    cues: dict[str, float]


class _SentimentLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: dict[str, _SentimentLanguage]


class _EmojiLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cues: dict[str, float]


_SHARED = "any"
"""The scorer built from ``emoji.yaml``: used for every language, without negators or intensifiers."""


@dataclass(frozen=True, slots=True)
class _Scorer:
    language: str
    strip_accents: bool
    pattern: re.Pattern[str]
    """Every cue in one alternation without capturing groups: groups would disable the regex engine's
    first-character skip and make matching ~20x slower, so the valence is looked up afterwards."""
    literal_valences: dict[str, float]
    regex_valences: tuple[tuple[re.Pattern[str], float], ...]
    negators: frozenset[str]
    intensifiers: dict[str, float]

    def valence(self, matched: str) -> float:
        """The valence of the cue that produced ``matched``."""
        literal = self.literal_valences.get(matched)
        if literal is not None:
            return literal
        for regex, valence in self.regex_valences:
            if regex.fullmatch(matched):
                return valence
        return 0.0


def _top_level_alternatives(regex: str) -> list[str]:
    """Split ``a|b(?:c|d)|e`` into ``["a", "b(?:c|d)", "e"]``."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    escaped = False
    for char in regex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


_REGEX_SYNTAX = re.compile(r"[\\.^$*+?{}\[\]()|]")


def _starts_with_word(alternative: str) -> bool:
    while alternative.startswith("(?:"):
        alternative = alternative[3:]
    return alternative[:1].isalnum() or alternative.startswith(("[", "\\d", "\\w"))


def _alternation(alternatives: list[str]) -> str:
    return "|".join(f"(?:{alternative})" if "|" in alternative else alternative for alternative in alternatives)


def _compile(language: str, lexicon: _SentimentLanguage) -> _Scorer:
    entries: list[tuple[str, float]] = []
    for regex, valence in lexicon.cues.items():
        if re.compile(regex).groups:
            raise ConfigurationError(
                f"sentiment cue {regex!r} ({language}) has a capturing group; write (?:...) instead"
            )
        entries.extend((alternative, valence) for alternative in _top_level_alternatives(regex))
    # Longest first, so "good morning" (a greeting) is found before "good" (praise).
    entries.sort(key=lambda entry: len(entry[0]), reverse=True)
    # Emoji and punctuation cues may touch a word ("thanks😊", "help???"); words need boundaries.
    worded = [alternative for alternative, _ in entries if _starts_with_word(alternative)]
    unworded = [alternative for alternative, _ in entries if not _starts_with_word(alternative)]
    branches: list[str] = []
    if worded:
        branches.append(rf"(?<!\w)(?:{_alternation(worded)})(?!\w)")
    if unworded:
        branches.append(_alternation(unworded))
    literal_valences: dict[str, float] = {}
    regex_valences: list[tuple[re.Pattern[str], float]] = []
    for alternative, valence in entries:
        if _REGEX_SYNTAX.search(alternative):
            regex_valences.append((re.compile(alternative), valence))
        else:
            literal_valences.setdefault(alternative, valence)
    return _Scorer(
        language=language,
        strip_accents=lexicon.strip_accents,
        pattern=re.compile("|".join(branches)),
        literal_valences=literal_valences,
        regex_valences=tuple(regex_valences),
        negators=frozenset(lexicon.negators),
        intensifiers=dict(lexicon.intensifiers),
    )


@functools.cache
def _scorers() -> dict[str, _Scorer]:
    lexicon = _SentimentLexicon.model_validate(load_lexicon("sentiment"))
    scorers = {language: _compile(language, entry) for language, entry in lexicon.languages.items()}
    emoji = _EmojiLexicon.model_validate(load_lexicon("emoji"))
    scorers[_SHARED] = _compile(_SHARED, _SentimentLanguage(strip_accents=False, cues=emoji.cues))
    return scorers


def _scorers_for(language: str) -> list[_Scorer]:
    """The message's language, English (often mixed in) and the emoji block; all of them if unknown."""
    scorers = _scorers()
    primary = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] if language else ""
    if primary not in scorers or primary == _SHARED:
        return list(scorers.values())
    return [scorers[name] for name in dict.fromkeys((primary, "en", _SHARED)) if name in scorers]


_CLAUSE_BREAK = re.compile(r"[.!?;:,]|\b(?:but|and|pero|y|mas|mais|e|nhung|nhưng|và|va|mais|et|aber|und)\b")
_WORDS = re.compile(r"[\w']+")
_NEGATION_WORDS = 3
_NEGATED_POSITIVE = -0.9
"""'not helpful' is nearly as bad as 'unhelpful'."""
_NEGATED_NEGATIVE = -0.5
"""'not bad' is only mildly positive."""
_SHOUTED_CUE = 1.3
_ALPHA = 8.0
_LOOKBEHIND_CHARS = 48


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    valence: float
    face: bool = False
    """From the shared emoji lexicon (a face, an emoticon, punctuation) rather than from words."""


def _modifiers(scorer: _Scorer, text: str, start: int, valence: float) -> tuple[float, int]:
    """The factor that negators and intensifiers before ``start`` apply, and where they begin."""
    window_start = max(0, start - _LOOKBEHIND_CHARS)
    window = text[window_start:start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window_start += breaks[-1].end()
        window = text[window_start:start]
    words = list(_WORDS.finditer(window))[-_NEGATION_WORDS:]
    factor = 1.0
    begin = start
    if words and (intensity := scorer.intensifiers.get(words[-1].group())) is not None:
        factor *= intensity
        begin = window_start + words[-1].start()
    if not scorer.negators:
        return factor, begin  # emoji and punctuation: a negator negates words, not a face
    for word in words:
        token = word.group()
        if token in scorer.negators or token.endswith("n't"):
            factor *= _NEGATED_POSITIVE if valence > 0 else _NEGATED_NEGATIVE
            begin = min(begin, window_start + word.start())
            break
    return factor, begin


def _is_shouted(words: str) -> bool:
    letters = [c for c in words if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def _message_shouts(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    return len(letters) >= 10 and upper / len(letters) >= 0.7 and len(text.split()) >= 3


_BANGS = re.compile(r"!{3,}|(?:! ?){3,}")
_BANG_BOOST = 1.2
_SHOUT_BOOST = 1.3
_BARE_FRUSTRATION = -0.6
_SHOUTING_VALENCE = -1.0


def _overlaps(hits: list[_Hit], start: int, end: int) -> bool:
    return any(start < hit.end and hit.start < end for hit in hits)


_FACE_TONE = 0.6
"""All the faces of a message together count at most this much, as much as a bare "!!!" (score ±0.21): a face
sets the tone of what the words say and is no complaint of its own. "where is my order? 😭😭😭" stays above the
default sentiment_trend level (-0.25) and far from negative_sentiment (-0.6): emoji alone never hand a plain
question off, and a smile never turns a complaint positive ("still not here 😊" keeps the sign of its words in
every language)."""


def _combined(words: float, faces: float) -> float:
    """Words and faces together. Faces saturate at :data:`_FACE_TONE`; a face that agrees with the words
    restates their feeling (the stronger of the two counts, "my card still hasn't arrived 😞" is as negative as
    its words); one that disagrees softens them, and faces alone give the message their tone."""
    faces = math.copysign(min(abs(faces), _FACE_TONE), faces)
    if words * faces > 0:
        return words if abs(words) >= abs(faces) else faces
    return words + faces


def score_sentiment(text: str, language: str) -> SentimentReading:
    """Score one customer message.

    Args:
        text: The message; only the first 20,000 characters are read.
        language: Its language (ISO 639-1). Its lexicon, the English one and the emoji cues are used;
            every lexicon when the language has none of its own.

    Returns:
        A score in [-1, 1] (≈0 for a plain question such as "what is my balance?") and the cues found.
    """
    hits: list[_Hit] = []
    evidence: list[str] = []
    for scorer in _scorers_for(language):
        normalised: NormalisedText = normalise(text, strip_accents=scorer.strip_accents)
        for match in scorer.pattern.finditer(normalised.text):
            valence = scorer.valence(match.group())
            start, end = normalised.original_span(*match.span())
            if valence == 0.0 or _overlaps(hits, start, end):
                # Zero-valence entries ("good morning") only claim their words.
                hits.append(_Hit(start, end, 0.0))
                continue
            factor, begin = _modifiers(scorer, normalised.text, match.start(), valence)
            cue = normalised.evidence(match.start(), match.end())
            if _is_shouted(cue):
                factor *= _SHOUTED_CUE
            hits.append(_Hit(start, end, valence * factor, face=scorer.language == _SHARED))
            evidence.append(normalised.evidence(begin, match.end()))
    total = _combined(sum(h.valence for h in hits if not h.face), sum(h.valence for h in hits if h.face))
    scanned = text[:MAX_SCAN_CHARS]
    if _message_shouts(scanned):
        total = total * _SHOUT_BOOST if total > 0 else total + _SHOUTING_VALENCE
        evidence.append("ALL CAPS")
    bangs = _BANGS.search(scanned)
    if bangs is not None:
        total = total * _BANG_BOOST if total != 0 else _BARE_FRUSTRATION
        evidence.append(bangs.group().replace(" ", ""))
    score = total / math.sqrt(total * total + _ALPHA)
    return SentimentReading(score=round(max(-1.0, min(1.0, score)), 3), evidence=evidence)
