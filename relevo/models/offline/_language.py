"""Language identification from function words, diacritics and suffixes; text normalisation for matching.

The detectors in this package match lexicons against a *normalised* copy of the customer's text
(casefolded, whitespace collapsed, control characters removed, optionally accents stripped) and report
evidence from the original, so this module also owns :class:`NormalisedText` and the lexicon loader.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_SCAN_CHARS",
    "LanguageGuess",
    "NormalisedText",
    "detect_language",
    "language_vocabulary",
    "load_lexicon",
    "normalise",
    "without_accents",
]

MAX_SCAN_CHARS = 20_000
"""Detectors read at most this many characters of a message (pasted logs must not stall triage)."""

_LANGUAGE_SCAN_CHARS = 2_000
"""Language identification needs far less text than the cue detectors."""

_UNDETERMINED = "und"

# Characters that are not decomposed by NFKD but have an obvious plain-Latin reading.
_LATIN_FOLDS = {"đ": "d", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d"}
_APOSTROPHES = frozenset("\u2019\u2018\u02bc`\u00b4")
_ASCII_PLAIN = re.compile(r"[\x00-\x1f\x7f]|\s\s")


class LanguageGuess(BaseModel):
    """Which language a message is written in."""

    model_config = ConfigDict(frozen=True)

    language: str
    """ISO 639-1 code (``"pt"`` also for pt-BR), or ``"und"`` when nothing in the text tells."""
    confidence: float = Field(ge=0.0, le=1.0)


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """A casefolded copy of a message that remembers where each of its characters came from."""

    original: str
    """The NFC form of the (possibly truncated) input; evidence is sliced from here."""
    text: str
    index: tuple[int, ...]
    """``text[i]`` was produced by ``original[index[i]]``."""

    def evidence(self, start: int, end: int) -> str:
        """The original characters behind ``text[start:end]``."""
        if start >= end:
            return ""
        return self.original[self.index[start] : self.index[end - 1] + 1].strip()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in :attr:`original` covering ``text[start:end]``."""
        return self.index[start], self.index[end - 1] + 1


def _fold_char(char: str, strip_accents: bool) -> str:
    """The normalised form of one character: casefolded, and without diacritics when asked."""
    if char in _APOSTROPHES:
        return "'"
    category = unicodedata.category(char)
    if category[0] == "Z" or category == "Cc":
        return " "
    if category in ("Cf", "Mn") and not strip_accents:
        # Zero-width joiners and stray marks carry no meaning for the lexicons.
        return "" if category == "Cf" else char
    folded = char.casefold()
    if not strip_accents:
        return unicodedata.normalize("NFC", folded)
    plain: list[str] = []
    for part in unicodedata.normalize("NFKD", folded):
        if unicodedata.category(part) in ("Mn", "Cf"):
            continue
        plain.append(_LATIN_FOLDS.get(part, part))
    return "".join(plain)


@functools.lru_cache(maxsize=4096)
def _fold_char_cached(char: str, strip_accents: bool) -> str:
    return _fold_char(char, strip_accents)


@functools.lru_cache(maxsize=128)
def _normalise_cached(text: str, strip_accents: bool) -> NormalisedText:
    original = unicodedata.normalize("NFC", text)
    if original.isascii() and not _ASCII_PLAIN.search(original):
        lowered = original.lower().replace("`", "'")
        return NormalisedText(original, lowered, tuple(range(len(original))))
    parts: list[str] = []
    index: list[int] = []
    previous_space = True  # also drops leading whitespace
    for position, char in enumerate(original):
        folded = _fold_char_cached(char, strip_accents)
        for out in folded:
            if out == " ":
                if previous_space:
                    continue
                previous_space = True
            else:
                previous_space = False
            parts.append(out)
            index.append(position)
    return NormalisedText(original, "".join(parts), tuple(index))


def without_accents(text: str) -> str:
    """``text`` the way a customer on a keyboard without accents writes it ("não" -> "nao", "đơn hàng" ->
    "don hang"); case is kept."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn")
    return "".join(_LATIN_FOLDS.get(c, _LATIN_FOLDS.get(c.lower(), c).upper() if c.isupper() else c) for c in plain)


def normalise(text: str, *, strip_accents: bool = True) -> NormalisedText:
    """Casefold ``text`` for lexicon matching, keeping a map back to the original.

    Args:
        text: The customer's message; only the first :data:`MAX_SCAN_CHARS` characters are kept.
        strip_accents: Remove diacritics (``"não"`` → ``"nao"``). Keep them for languages such as
            Vietnamese where they distinguish words (``"gấp"`` urgent, ``"gặp"`` meet).
    """
    return _normalise_cached(text[:MAX_SCAN_CHARS], strip_accents)


@functools.cache
def load_lexicon(name: str) -> Any:
    """Parse ``lexicons/<name>.yaml`` once; callers validate the shape with their own pydantic model.

    Every scalar is read as a string (YAML 1.1 would turn the words ``no``, ``on`` and ``yes`` into
    booleans); the pydantic models convert numbers.
    """
    source = resources.files("relevo.models.offline").joinpath("lexicons", f"{name}.yaml")
    return yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


class _LanguageProfile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    words: list[str] = Field(default_factory=list[str])
    strong: list[str] = Field(default_factory=list[str])
    greetings: list[str] = Field(default_factory=list[str])
    chars: dict[str, float] = Field(default_factory=dict[str, float])
    suffixes: dict[str, float] = Field(default_factory=dict[str, float])


class _LanguageLexicon(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: dict[str, _LanguageProfile]
    neutral: list[str] = Field(default_factory=list[str])


@dataclass(frozen=True, slots=True)
class _Scorer:
    accented: dict[str, dict[str, float]]
    stripped: dict[str, dict[str, float]]
    chars: dict[str, dict[str, float]]
    suffixes: list[tuple[str, str, float]]
    neutral: frozenset[str]
    greetings: frozenset[str]


_STRIPPED_WORD_DISCOUNT = 0.8
_CHAR_SCORE_CAP = 6.0
_SUFFIX_MIN_STEM = 3


def _share_weights(entries: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Divide each word's weight by how many languages use it: ``"que"`` says less than ``"você"``."""
    return {word: {lang: w / len(langs) for lang, w in langs.items()} for word, langs in entries.items()}


@functools.cache
def _scorer() -> _Scorer:
    lexicon = _LanguageLexicon.model_validate(load_lexicon("language"))
    accented: dict[str, dict[str, float]] = {}
    stripped: dict[str, dict[str, float]] = {}
    chars: dict[str, dict[str, float]] = {}
    suffixes: list[tuple[str, str, float]] = []
    greetings: set[str] = set()
    for lang, profile in lexicon.languages.items():
        greetings.update(normalise(word).text for word in profile.greetings)
        weighted = [(w, 1.0) for w in profile.words] + [(w, 2.0) for w in [*profile.strong, *profile.greetings]]
        for word, weight in weighted:
            folded = normalise(word, strip_accents=False).text
            plain = normalise(word).text
            accented.setdefault(folded, {})[lang] = max(weight, accented.get(folded, {}).get(lang, 0.0))
            stripped.setdefault(plain, {})[lang] = max(weight, stripped.get(plain, {}).get(lang, 0.0))
        for char, weight in profile.chars.items():
            chars.setdefault(char, {})[lang] = weight
        for suffix, weight in profile.suffixes.items():
            suffixes.append((lang, suffix, weight))
            plain = without_accents(suffix)
            if plain != suffix and len(plain) >= _SUFFIX_MIN_STEM:  # "ía" -> "ia" would claim "garantia"
                # "devolucion", "devolucao": customers drop the accent of the ending too.
                suffixes.append((lang, plain, weight * _STRIPPED_WORD_DISCOUNT))
    # Longest first: a word counts once per language, by its most telling ending ("-ciones" before "-es").
    suffixes.sort(key=lambda entry: len(entry[1]), reverse=True)
    return _Scorer(
        accented=_share_weights(accented),
        stripped=_share_weights(stripped),
        chars=chars,
        suffixes=suffixes,
        neutral=frozenset(lexicon.neutral),
        greetings=frozenset(greetings),
    )


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# Scripts that identify a language on their own. Ranges are inclusive code points.
_SCRIPTS: tuple[tuple[str, int, int], ...] = (
    ("ru", 0x0400, 0x04FF),
    ("el", 0x0370, 0x03FF),
    ("he", 0x0590, 0x05FF),
    ("ar", 0x0600, 0x06FF),
    ("hi", 0x0900, 0x097F),
    ("th", 0x0E00, 0x0E7F),
    ("ko", 0xAC00, 0xD7AF),
    ("ja", 0x3040, 0x30FF),
    ("zh", 0x4E00, 0x9FFF),
)


def _script_language(text: str) -> LanguageGuess | None:
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        code = ord(char)
        if code < 0x0370:
            continue
        for lang, low, high in _SCRIPTS:
            if low <= code <= high:
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not counts or letters == 0:
        return None
    if counts.get("ja") and counts.get("zh"):
        # Japanese mixes kana with kanji; Chinese has no kana.
        counts["ja"] += counts.pop("zh")
    lang, count = max(counts.items(), key=lambda item: item[1])
    share = count / letters
    if share < 0.5:
        return None
    return LanguageGuess(language=lang, confidence=round(min(1.0, share) * (1 - math.exp(-count / 2)), 3))


_NOT_LANGUAGE = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w+|\b[a-z]*\d[\w-]*",
    re.IGNORECASE,
)
"""URLs, email addresses, handles and codes with digits ("AB-1042", "2fa"): "lucia@example.com" is no
Portuguese for "com", nor "https://example.com/pedido" Spanish."""


def _latin_scores(
    text: str, vocabulary: Mapping[str, Mapping[str, float]] | None = None
) -> tuple[dict[str, float], dict[str, int]]:
    """Evidence per language, and how many words gave each of them some."""
    scorer = _scorer()
    folded = _NOT_LANGUAGE.sub(" ", normalise(text, strip_accents=False).text)
    scores: dict[str, float] = {}
    voters: dict[str, int] = {}
    char_scores: dict[str, float] = {}
    for char in folded:
        for lang, weight in scorer.chars.get(char, {}).items():
            char_scores[lang] = char_scores.get(lang, 0.0) + weight
    for lang, value in char_scores.items():
        scores[lang] = min(value, _CHAR_SCORE_CAP)
    for match in _WORD.finditer(folded):
        token = match.group()
        if token in scorer.neutral:
            continue
        plain = normalise(token).text
        found: dict[str, float] = dict(scorer.accented.get(token, {}))
        if plain == token or not found:
            # Written without accents, "mas" may be Portuguese "mas" or Spanish "más" that lost its accent.
            for lang, weight in scorer.stripped.get(plain, {}).items():
                found.setdefault(lang, weight * _STRIPPED_WORD_DISCOUNT)
        if not found and vocabulary:
            found = {lang: weight * _VOCABULARY_DISCOUNT for lang, weight in vocabulary.get(plain, {}).items()}
        if found:
            # A greeting opens the conversation anew: "hola" after English turns switches on its own.
            votes = _SWITCH_WORDS if plain in scorer.greetings else 1
            for lang, weight in found.items():
                scores[lang] = scores.get(lang, 0.0) + weight
                voters[lang] = voters.get(lang, 0) + votes
            continue
        matched: set[str] = set()
        for lang, suffix, weight in scorer.suffixes:
            if lang not in matched and len(token) >= len(suffix) + _SUFFIX_MIN_STEM and token.endswith(suffix):
                scores[lang] = scores.get(lang, 0.0) + weight
                voters[lang] = voters.get(lang, 0) + 1
                matched.add(lang)
    return scores, voters


def _primary_subtag(hint: str | None) -> str | None:
    if not hint:
        return None
    primary = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2}", primary) else None


_VOCABULARY_WORD = re.compile(r"[^\W\d_]{4,}")
"""Words of four letters or more: shorter ones are mostly function words the built-in lexicon knows better."""


def language_vocabulary(written: Iterable[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Words of labelled texts with the languages they were written in, for :func:`detect_language`.

    Args:
        written: ``(language, text)`` pairs, e.g. an intent catalog's examples.

    Returns:
        Normalised word -> {language: weight}; a word seen in k languages weighs 1/k in each ("pedido"
        says less than "factura").
    """
    seen: dict[str, set[str]] = {}
    for language, text in written:
        for word in _VOCABULARY_WORD.findall(normalise(text).text):
            seen.setdefault(word, set()).add(language)
    return {word: {lang: 1.0 / len(langs) for lang in langs} for word, langs in seen.items()}


_VOCABULARY_DISCOUNT = 0.8
"""A word of the desk's own examples (``"factura"``) says as much as an unaccented function word."""

_SWITCH_CONFIDENCE = 0.55
"""Below this, a conversation's established language (the hint) beats what this message suggests."""
_SWITCH_CONFIDENCE_UNSUPPORTED = 0.25
"""When next to nothing in the message is of the hinted language (a quarter of the best's score at most), two
words of another at this confidence switch: "Do Premium customers pay card fees?" (English 0.29; Vietnamese 0.27
for an unaccented "do") from a customer whose profile says Spanish or Vietnamese is English."""
_HINT_CONFIDENCE = 0.5
_SWITCH_WORDS = 2
"""A conversation changes language on two words of the new one at least, or a greeting ("hola" opens it anew):
"ok thanks", "gracias", "order" or "não" alone, in a conversation held in another language, are a word
borrowed, not a switch."""


def detect_language(
    text: str,
    hint: str | None = None,
    *,
    languages: Collection[str] | None = None,
    vocabulary: Mapping[str, Mapping[str, float]] | None = None,
) -> LanguageGuess:
    """Guess the language of one customer message.

    Args:
        text: The message. Only the first 2,000 characters are read.
        hint: The conversation's language so far (``"es"``, ``"pt-BR"``…), or the customer's profile
            language before they have written. It wins when the message is too short or too ambiguous to
            say otherwise (``"ok"``, ``"no"``, an emoji): one such message never flips the language. Leave it
            out when nothing is known (a guest's first message): a desk default is no evidence.
        languages: The languages the desk speaks, its first choice first; text evidence for others is ignored
            (written-script languages are still reported) and a tie goes to the one listed first. ``None``: any.
        vocabulary: Words of the desk's own examples with the languages they were written in (normalised,
            accents stripped, weights shared like function words), used for words the built-in lexicon
            does not know ("factura", "fatura").

    Returns:
        An ISO 639-1 code with a confidence in [0, 1]; ``"und"`` with confidence 0 when the text has no
        linguistic content and there is no hint.
    """
    hinted = _primary_subtag(hint)
    sample = text[:_LANGUAGE_SCAN_CHARS]
    scripted = _script_language(sample)
    if scripted is not None:
        return scripted
    scores, voters = _latin_scores(sample, vocabulary)
    if languages is not None:
        allowed = {_primary_subtag(code) for code in languages}
        scores = {lang: value for lang, value in scores.items() if lang in allowed}
    # Ties ("reembolso", "garantia": Spanish and Portuguese alike) go to the language the desk lists first.
    preference = [_primary_subtag(code) for code in languages or ()]
    order = {lang: preference.index(lang) if lang in preference else len(preference) for lang in scores}
    ranked = sorted(scores.items(), key=lambda item: (-round(item[1], 6), order[item[0]]))
    if not ranked or ranked[0][1] <= 0.0:
        if hinted:
            return LanguageGuess(language=hinted, confidence=_HINT_CONFIDENCE)
        return LanguageGuess(language=_UNDETERMINED, confidence=0.0)
    best, top = ranked[0]
    total = sum(value for _, value in ranked)
    confidence = round((top / total) * (1 - math.exp(-top / 2)), 3)
    if hinted is None:
        return LanguageGuess(language=best, confidence=confidence)
    if best == hinted:
        return LanguageGuess(language=best, confidence=max(confidence, _HINT_CONFIDENCE))
    unsupported = scores.get(hinted, 0.0) <= 0.25 * top and confidence >= _SWITCH_CONFIDENCE_UNSUPPORTED
    if (
        (confidence < _SWITCH_CONFIDENCE and not unsupported)
        or scores.get(hinted, 0.0) >= 0.5 * top
        or voters.get(best, 0) < _SWITCH_WORDS
    ):
        return LanguageGuess(language=hinted, confidence=_HINT_CONFIDENCE)
    return LanguageGuess(language=best, confidence=confidence)
