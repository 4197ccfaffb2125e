"""Deterministic cue detectors: human requests, rejections, sensitive topics, urgency, amounts.

Phrase lists live in ``lexicons/*.yaml`` as regular expressions with ``<term>`` macros; they are compiled
once. Every detector matches a normalised copy of the message (see :func:`normalise`) and reports the
matched span of the original text as evidence. Only the first :data:`MAX_SCAN_CHARS` characters are read.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from relevo._errors import ConfigurationError
from relevo.models.offline._forms import finite_forms, subjunctive_forms, verb_forms
from relevo.models.offline._language import MAX_SCAN_CHARS, NormalisedText, load_lexicon, normalise

__all__ = [
    "CueKind",
    "CueMatch",
    "SensitiveTopic",
    "UrgencyReading",
    "detect_declined_human_request",
    "detect_human_request",
    "detect_prompt_injection",
    "detect_rejection",
    "detect_sensitive",
    "detect_urgency",
    "expand_terms",
    "extract_amounts",
    "parse_number",
]

CueKind = Literal["human_request", "declined_human_request", "rejection", "sensitive", "prompt_injection"]
SensitiveTopic = Literal["legal_threat", "chargeback", "data_protection", "safety"]


class CueMatch(BaseModel):
    """One cue found in a message, with the words that triggered it."""

    model_config = ConfigDict(frozen=True)

    kind: CueKind
    evidence: str
    """The matched words as the customer wrote them."""
    language: str
    """The lexicon that matched (``"en"``, ``"es"``…, ``"any"`` for language-independent rules)."""
    span: tuple[int, int]
    """Character offsets of the evidence in the NFC form of the message."""
    topic: SensitiveTopic | None = None
    """Set for ``kind="sensitive"`` only."""


class UrgencyReading(BaseModel):
    """How time-pressed a message sounds."""

    model_config = ConfigDict(frozen=True)

    score: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list[str])


# --- lexicon files -----------------------------------------------------------------------------------


class _LanguageCues(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    strip_accents: bool = True
    terms: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    verbs: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    """Term lists given as infinitives; each expands to every generated form (see :func:`verb_forms`)."""
    finite: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    """Term lists given as infinitives; each expands to every conjugated form (see :func:`finite_forms`)."""
    subjunctive: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    """Term lists given as infinitives; each expands to its present subjunctive (see :func:`subjunctive_forms`):
    negative commands and wishes about what someone else does ("no me pases", "não quero que me passem")."""
    patterns: list[str] = Field(default_factory=list[str])
    negation: list[str] = Field(default_factory=list[str])
    declined: list[str] = Field(default_factory=list[str])
    """Patterns of a negated or denied mention ("I never asked for a human", "no necesito un agente"):
    a match of ``patterns`` inside one does not count, and the span is what triage leaves out."""


class _CueLexicon(BaseModel):
    """A file with one cue: ``human_request.yaml``, ``rejection.yaml``, ``prompt_injection.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fuzzy: list[str] = Field(default_factory=list[str])
    fuzzy_ignore: list[str] = Field(default_factory=list[str])
    terms: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    languages: dict[str, _LanguageCues]


class _GroupedCueLexicon(BaseModel):
    """A file with several related cues: sensitive topics, urgency levels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: dict[str, list[str]] = Field(default_factory=dict[str, list[str]])
    groups: dict[str, dict[str, _LanguageCues]]


@dataclass(frozen=True, slots=True)
class _Rule:
    language: str
    strip_accents: bool
    pattern: re.Pattern[str]
    negation: re.Pattern[str] | None
    declined: re.Pattern[str] | None = None


_MACRO = re.compile(r"<([a-z_]+)>")
_NOT_INSIDE_A_WORD = r"(?!(?<=\w)\w)"
"""A match may not start or end between two letters; "<system>approve" still matches "<system>"."""
_MAX_MACRO_DEPTH = 4


def _expand(pattern: str, terms: dict[str, list[str]], depth: int = 0) -> str:
    """Replace ``<name>`` with ``(?:alt1|alt2|…)``; alternatives are tried longest first.

    Raises:
        ConfigurationError: A pattern names a term list that does not exist, or terms nest too deep.
    """

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in terms:
            raise ConfigurationError(
                f"lexicon pattern uses <{name}> but no term list of that name exists; add it under terms:"
            )
        if depth >= _MAX_MACRO_DEPTH:
            raise ConfigurationError(f"lexicon term <{name}> nests deeper than {_MAX_MACRO_DEPTH} levels")
        alternatives = sorted(terms[name], key=len, reverse=True)
        return "(?:" + "|".join(_expand(alt, terms, depth + 1) for alt in alternatives) + ")"

    return _MACRO.sub(substitute, pattern)


def expand_terms(pattern: str, terms: dict[str, list[str]]) -> str:
    """``pattern`` with every ``<name>`` replaced by the alternation of ``terms[name]`` (for other lexicons).

    Raises:
        ConfigurationError: A pattern names a term list that does not exist.
    """
    return _expand(pattern, terms)


def _compile_language(language: str, cues: _LanguageCues, shared_terms: dict[str, list[str]]) -> _Rule | None:
    if not cues.patterns:
        return None
    terms = {**shared_terms, **cues.terms}
    for name, infinitives in cues.verbs.items():
        terms[name] = [re.escape(form) for verb in infinitives for form in verb_forms(verb, language)]
    for name, infinitives in cues.finite.items():
        terms[name] = [re.escape(form) for verb in infinitives for form in finite_forms(verb, language)]
    for name, infinitives in cues.subjunctive.items():
        terms[name] = [re.escape(form) for verb in infinitives for form in subjunctive_forms(verb, language)]
    body = "|".join(f"(?:{_expand(p, terms)})" for p in cues.patterns)
    negation = None
    if cues.negation:
        negation = re.compile("|".join(f"(?:{_expand(p, terms)})" for p in cues.negation))
    declined = None
    if cues.declined:
        alternatives = "|".join(f"(?:{_expand(p, terms)})" for p in cues.declined)
        declined = re.compile(rf"{_NOT_INSIDE_A_WORD}(?:{alternatives}){_NOT_INSIDE_A_WORD}")
    return _Rule(
        language=language,
        strip_accents=cues.strip_accents,
        pattern=re.compile(rf"{_NOT_INSIDE_A_WORD}(?:{body}){_NOT_INSIDE_A_WORD}"),
        negation=negation,
        declined=declined,
    )


def _compile_languages(languages: dict[str, _LanguageCues], shared_terms: dict[str, list[str]]) -> tuple[_Rule, ...]:
    rules = (_compile_language(lang, cues, shared_terms) for lang, cues in languages.items())
    return tuple(rule for rule in rules if rule is not None)


@functools.cache
def _cue_rules(name: str) -> tuple[_Rule, ...]:
    lexicon = _CueLexicon.model_validate(load_lexicon(name))
    return _compile_languages(lexicon.languages, lexicon.terms)


@functools.cache
def _grouped_rules(name: str) -> tuple[tuple[str, tuple[_Rule, ...]], ...]:
    lexicon = _GroupedCueLexicon.model_validate(load_lexicon(name))
    return tuple((group, _compile_languages(languages, lexicon.terms)) for group, languages in lexicon.groups.items())


# --- typo tolerance ------------------------------------------------------------------------------------


def _within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` with one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        first, *rest = diffs
        return len(rest) == 1 and rest[0] == first + 1 and a[first] == b[first + 1] and a[first + 1] == b[first]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _short_word_typo(token: str, word: str) -> bool:
    """True when ``token`` is ``word`` with one letter added ("wiith", "crhat") or dropped ("cht"), two
    neighbours swapped ("wiht") or one letter replaced by a key next to it on a QWERTY keyboard ("wirh", "taok").

    Short words get only these slips: a free substitution would turn "wish" into "with" or "walk" into
    "talk"; the real words one added letter away ("chart", "width") are in the lexicon's ``fuzzy_ignore``.
    """
    if len(token) == len(word) + 1:
        return any(token[:i] + token[i + 1 :] == word for i in range(len(token)))
    if len(token) + 1 == len(word):
        return token in _deletions(word)
    if len(token) != len(word) or token == word or not _within_one_edit(token, word):
        return False
    if sorted(token) == sorted(word):
        return True
    typed, meant = next((x, y) for x, y in zip(token, word, strict=True) if x != y)
    return typed in _KEY_NEIGHBOURS.get(meant, "")


def _keyboard_neighbours() -> dict[str, str]:
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    # A key touches its left and right neighbours and two keys on each adjacent row (rows are staggered).
    neighbours: dict[str, set[str]] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = {row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)}
            if r > 0:
                near.update(rows[r - 1][i] for i in (c, c + 1) if 0 <= i < len(rows[r - 1]))
            if r + 1 < len(rows):
                near.update(rows[r + 1][i] for i in (c - 1, c) if 0 <= i < len(rows[r + 1]))
            neighbours.setdefault(key, set()).update(near)
            for other in near:
                neighbours.setdefault(other, set()).add(key)
    return {key: "".join(sorted(near)) for key, near in neighbours.items()}


_KEY_NEIGHBOURS = _keyboard_neighbours()


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True, slots=True, eq=False)
class _TypoFixer:
    """Rewrites tokens one typo away from a lexicon keyword ("agnet" → "agent", "speal" → "speak")."""

    canonical: frozenset[str]
    ignore: frozenset[str]
    by_variant: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, words: Sequence[str], ignore: Sequence[str]) -> _TypoFixer:
        by_variant: dict[str, list[str]] = {}
        for word in words:
            for variant in {word} | _deletions(word):
                by_variant.setdefault(variant, []).append(word)
        return cls(
            canonical=frozenset(words),
            ignore=frozenset(ignore),
            by_variant={k: tuple(v) for k, v in by_variant.items()},
        )

    def correct(self, token: str) -> str | None:
        """The keyword ``token`` is a typo of, or None."""
        if not _MIN_TYPO_TOKEN <= len(token) <= _MAX_TYPO_TOKEN or token in self.canonical or token in self.ignore:
            return None
        return self._keyword(token) or self._unglued(token)

    def _unglued(self, token: str, depth: int = 0) -> str | None:
        """``token`` split in two or three when it is a keyword run into a short word, an expletive or another
        keyword ("tosomebody", "cantalk", "abloodyperson", "tocontactsomeone"); each keyword may carry a typo
        of its own."""
        if len(token) < _MIN_GLUED_TOKEN:
            return None
        for cut in range(1, len(token)):
            left, right = token[:cut], token[cut:]
            left_word = left if left in _GLUE_WORDS else self._keyword(left)
            if left_word is None:
                continue
            right_word = right if right in _GLUE_WORDS else self._keyword(right)
            if right_word is None and depth + 1 < _MAX_GLUED_PIECES - 1:
                right_word = self._unglued(right, depth + 1)
            if right_word is None:
                continue
            return f"{left_word} {right_word}"
        return None

    def _keyword(self, token: str) -> str | None:
        if token in self.canonical:
            return token
        if len(token) < _MIN_TYPO_TOKEN or token in self.ignore:
            return None
        candidates: set[str] = set()
        for variant in {token} | _deletions(token):
            candidates.update(self.by_variant.get(variant, ()))
        matches = sorted(c for c in candidates if _typo_of(token, c))
        return matches[0] if matches else None

    def fix(self, normalised: NormalisedText) -> NormalisedText:
        """A copy of ``normalised`` with typos of keywords corrected, still mapped to the original."""
        parts: list[str] = []
        index: list[int] = []
        cursor = 0
        text = normalised.text
        for match in _ASCII_WORD.finditer(text):
            replacement = _corrected_token(self, match.group())
            if replacement is None:
                continue
            start, end = match.span()
            parts.append(text[cursor:start])
            index.extend(normalised.index[cursor:start])
            parts.append(replacement)
            index.extend(normalised.index[start + min(j, end - start - 1)] for j in range(len(replacement)))
            cursor = end
        if not parts:
            return normalised
        parts.append(text[cursor:])
        index.extend(normalised.index[cursor:])
        return NormalisedText(normalised.original, "".join(parts), tuple(index))


_IRREGULAR_FORMS = ("transfira", "transfiram", "transfiro", "transfiere", "transfieran", "transfiera")
"""Stem-changing forms the generator does not make, which the typo fixer would read as "transfer a"."""
_MIN_TYPO_TOKEN = 3
_MIN_GLUED_TOKEN = 4
_MAX_TYPO_TOKEN = 32
"""Longer tokens are no keyword, nor two glued together; checking them would only cost time."""
_MAX_GLUED_PIECES = 3
_GLUE_WORDS = frozenset(
    {"with", "to", "an", "me", "a", "u", "i", "can", "could", "help", "assistance", "want", "wanna", "need", "please"}
    # Articles and the expletives customers put before the person they want ("a bloodyperson",
    # "afucking assistant", "speak to angoddamn operator").
    | {"the", "some", "any", "your", "this"}
    | {"bloody", "damn", "fucking", "fuckin", "freaking", "freakin", "goddamn", "effing", "stupid", "frigging"}
)
"""Words customers run into a keyword ("tosomebody", "cantalk", "assistancetalking")."""
_MIN_FREE_EDIT_WORD = 5


def _typo_of(token: str, word: str) -> bool:
    if len(word) >= _MIN_FREE_EDIT_WORD:
        return _within_one_edit(token, word)
    return _short_word_typo(token, word)


_ASCII_WORD = re.compile(r"[a-z]+")


@functools.lru_cache(maxsize=16_384)
def _corrected_token(fixer: _TypoFixer, token: str) -> str | None:
    # Customers reuse the same few hundred words; most tokens are answered from this cache.
    return fixer.correct(token)


@functools.cache
def _human_request_fixer() -> _TypoFixer:
    lexicon = _CueLexicon.model_validate(load_lexicon("human_request"))
    # Inflected forms of the lexicon's own verbs ("transfira", "pasadme") are words, not typos of "transfer".
    inflected = {
        form
        for language, cues in lexicon.languages.items()
        for verbs in cues.verbs.values()
        for verb in verbs
        for form in verb_forms(verb, language)
        if form.isalpha()
    }
    return _TypoFixer.build(lexicon.fuzzy, [*lexicon.fuzzy_ignore, *sorted(inflected), *_IRREGULAR_FORMS])


# --- matching ------------------------------------------------------------------------------------------

_NEGATION_WINDOW = 60


def _language_order(rules: Sequence[_Rule], language: str, *, everywhere: bool) -> list[_Rule]:
    """The message's own language first, then English (customers mix it in), then the rest.

    With ``everywhere=False`` only those two are used, unless the language has no rules of its own:
    single-word lexicons collide across languages (German "Brand" is a fire, English "brand" is not).
    """
    primary = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] if language else ""
    rank = {primary: 0, "en": 1}
    ordered = sorted(rules, key=lambda rule: rank.get(rule.language, 2))
    if everywhere or not any(rule.language == primary for rule in rules):
        return ordered
    return [rule for rule in ordered if rule.language in rank]


def _negated(rule: _Rule, text: str, start: int) -> bool:
    if rule.negation is None:
        return False
    window = text[max(0, start - _NEGATION_WINDOW) : start]
    return rule.negation.search(window) is not None


def _declined_spans(rule: _Rule, text: str) -> list[tuple[int, int]]:
    if rule.declined is None:
        return []
    return [m.span() for m in rule.declined.finditer(text)]


def _prepared(rule: _Rule, text: str, fixer: _TypoFixer | None, cache: dict[bool, NormalisedText]) -> NormalisedText:
    normalised = cache.get(rule.strip_accents)
    if normalised is None:
        normalised = normalise(text, strip_accents=rule.strip_accents)
        if fixer is not None and rule.strip_accents:
            normalised = fixer.fix(normalised)
        cache[rule.strip_accents] = normalised
    return normalised


def _matches(
    rules: Sequence[_Rule], text: str, fixer: _TypoFixer | None = None
) -> Iterator[tuple[_Rule, NormalisedText, re.Match[str]]]:
    """Matches of ``rules`` in rule order, except negated ones and those inside a declined mention."""
    prepared: dict[bool, NormalisedText] = {}
    for rule in rules:
        normalised = _prepared(rule, text, fixer, prepared)
        declined: list[tuple[int, int]] | None = None
        for match in rule.pattern.finditer(normalised.text):
            if _negated(rule, normalised.text, match.start()):
                continue
            if declined is None:
                declined = _declined_spans(rule, normalised.text)
            start, end = match.span()
            if any(s <= start < e or s < end <= e for s, e in declined):
                continue
            yield rule, normalised, match


def _declined_matches(
    rules: Sequence[_Rule], text: str, fixer: _TypoFixer | None = None
) -> Iterator[tuple[_Rule, NormalisedText, int, int]]:
    """Spans (normalised offsets) of declined mentions, in rule order."""
    prepared: dict[bool, NormalisedText] = {}
    for rule in rules:
        normalised = _prepared(rule, text, fixer, prepared)
        for start, end in _declined_spans(rule, normalised.text):
            yield rule, normalised, start, end


def _cue(
    kind: CueKind,
    rule: _Rule,
    normalised: NormalisedText,
    match: re.Match[str],
    topic: SensitiveTopic | None = None,
) -> CueMatch:
    start, end = match.span()
    return CueMatch(
        kind=kind,
        evidence=normalised.evidence(start, end),
        language=rule.language,
        span=normalised.original_span(start, end),
        topic=topic,
    )


def _first_cue(
    kind: CueKind, lexicon: str, text: str, language: str, *, everywhere: bool, fuzzy: bool = False
) -> CueMatch | None:
    rules = _language_order(_cue_rules(lexicon), language, everywhere=everywhere)
    fixer = _human_request_fixer() if fuzzy else None
    for rule, normalised, match in _matches(rules, text, fixer):
        return _cue(kind, rule, normalised, match)
    return None


def detect_human_request(text: str, language: str) -> CueMatch | None:
    """Find an explicit request to talk to a human ("I want to speak to an agent", "pásame con una persona").

    Asking *how to reach* customer service (phone number, opening hours, e-mail), mentioning an agent in
    the past ("I talked to an agent yesterday") and negated requests ("I don't want a human") do not
    count. Tolerates one typo in key words ("agnet", "speal").

    Args:
        text: The customer's message.
        language: The message's language (ISO 639-1); its phrases are tried first, then all others.
    """
    if _ANY_LETTER.search(text[:MAX_SCAN_CHARS]) is None:
        return None  # every phrase needs a word; skipping the lexicon keeps "!!!!…" floods cheap
    return _first_cue("human_request", "human_request", text, language, everywhere=True, fuzzy=True)


_ANY_LETTER = re.compile(r"[^\W\d_]")


_CLAUSE_EDGE = re.compile(
    r"[,.;:!?¿¡()\n]|\s[-–—]\s|\b(?:but|just|only|instead|pero|solo|sólo|sino|mas|só|apenas|nhưng|mà|chỉ)\b",
    re.IGNORECASE,
)


def without_declined_clause(text: str, declined: CueMatch) -> str:
    """``text`` without the clause holding a declined mention, from the clause edge before it to the one
    after: "I don't need a human, just tell me how long a return takes" -> "just tell me how long a return
    takes". Empty when the message was nothing but the declined mention."""
    nfc = unicodedata.normalize("NFC", text[:MAX_SCAN_CHARS])
    start, end = declined.span
    before = [m.end() for m in _CLAUSE_EDGE.finditer(nfc, 0, start)]
    left = before[-1] if before else 0
    after = _CLAUSE_EDGE.search(nfc, end)
    right = after.start() if after is not None else len(nfc)
    return re.sub(r"^[\s,.;:!?¿¡\-–—]+|\s+$", "", f"{nfc[:left]} {nfc[right:]}")


def detect_declined_human_request(text: str, language: str) -> CueMatch | None:
    """Find a negated or denied mention of a human ("I never asked to talk to a human", "no necesito un
    agente", "não quero falar com atendente"): the words the customer said they do *not* want.

    Triage reads the rest of the message for what the customer does want. ``None`` when there is none.
    """
    if _ANY_LETTER.search(text[:MAX_SCAN_CHARS]) is None:
        return None
    rules = _language_order(_cue_rules("human_request"), language, everywhere=False)
    for rule, normalised, start, end in _declined_matches(rules, text, _human_request_fixer()):
        return CueMatch(
            kind="declined_human_request",
            evidence=normalised.evidence(start, end),
            language=rule.language,
            span=normalised.original_span(start, end),
        )
    return None


def detect_rejection(text: str, language: str) -> CueMatch | None:
    """Find the customer saying the last answer did not help ("that's not what I asked", "no me sirve")."""
    return _first_cue("rejection", "rejection", text, language, everywhere=False)


def detect_prompt_injection(text: str) -> CueMatch | None:
    """Find an attempt to override the assistant's instructions ("ignore all previous instructions")."""
    return _first_cue("prompt_injection", "prompt_injection", text, "", everywhere=True)


_TOPICS: dict[str, SensitiveTopic] = {
    "legal_threat": "legal_threat",
    "chargeback": "chargeback",
    "data_protection": "data_protection",
    "safety": "safety",
}


def detect_sensitive(text: str, language: str) -> list[CueMatch]:
    """Find policy-sensitive topics: legal threats, chargebacks, data-protection requests, safety incidents.

    Returns at most one match per topic, in the order of :data:`SensitiveTopic`.
    """
    found: list[CueMatch] = []
    for group, rules in _grouped_rules("sensitive"):
        topic = _TOPICS[group]
        for rule, normalised, match in _matches(_language_order(rules, language, everywhere=False), text):
            found.append(_cue("sensitive", rule, normalised, match, topic=topic))
            break
    return found


_SHOUT_BOOST = 1.25
_MAX_CUE_WEIGHT = 0.95
_EXCLAMATION_WEIGHT = 0.15
_EXCLAMATIONS = re.compile(r"!{2,}|(?:! ?){3,}")


def detect_urgency(text: str, language: str) -> UrgencyReading:
    """Score how urgent a message sounds, from 0 (no time pressure) to 1 (an emergency).

    Independent cues combine like probabilities (``1 - Π(1 - w)``); a cue written in capitals counts
    more, and repeated exclamation marks add a little when some other cue is present.
    """
    remaining = 1.0
    evidence: list[str] = []
    seen: set[str] = set()
    covered: list[tuple[int, int]] = []
    for level, rules in _grouped_rules("urgency"):
        weight = float(level)
        for _, normalised, match in _matches(_language_order(rules, language, everywhere=False), text):
            start, end = normalised.original_span(*match.span())
            words = normalised.evidence(*match.span())
            # "right now" is one cue, not "right now" plus "now"; the same word twice is one cue too.
            if words.casefold() in seen or any(start < e and s < end for s, e in covered):
                continue
            seen.add(words.casefold())
            covered.append((start, end))
            boosted = weight * _SHOUT_BOOST if _is_shouted(words) else weight
            remaining *= 1.0 - min(boosted, _MAX_CUE_WEIGHT)
            evidence.append(words)
    if evidence:
        bangs = _EXCLAMATIONS.search(text[:MAX_SCAN_CHARS])
        if bangs is not None:
            remaining *= 1.0 - _EXCLAMATION_WEIGHT
            evidence.append(bangs.group())
    return UrgencyReading(score=round(1.0 - remaining, 3), evidence=evidence)


def _is_shouted(words: str) -> bool:
    letters = [c for c in words if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


# --- amounts -----------------------------------------------------------------------------------------

# "1 200,50" (French grouping) only with decimals: "2 150 €" could be two items at 150.
_NUMBER = r"\d{1,3}(?: \d{3})+,\d{1,2}|\d{1,3}(?:[.,\u00a0\u202f\u2009]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_MULTIPLIER = (
    r"k|mil|thousand|million(?:s|es)?|mill[oó]n|milh(?:ão|ões|ao|oes)|mn|bn|billion|"
    r"triệu|trieu|tr|nghìn|nghin|ngàn|ngan"
)
_CURRENCY_BEFORE = (
    r"R\$|US\$|U\$S|C\$|A\$|NZ\$|MX\$|CA\$|\$|€|£|¥|₫|₹|₩|₽|"
    r"(?:USD|EUR|GBP|BRL|MXN|ARS|COP|CLP|PEN|VND|JPY|CAD|AUD|CHF|INR)(?=[\s\d])"
)
_CURRENCY_AFTER = (
    r"€|\$|£|₫|đ|đồng|dong|vnđ|vnd|usd|eur|euros?|gbp|brl|mxn|ars|cop|clp|pen|jpy|cad|aud|chf|inr|reais|r\$|"
    r"d[oó]lar(?:es|s)?|dollars?|bucks|pesos?|libras?|pounds?|quid|yen|francs?|cents?|centavos?|c[eé]ntimos?"
)
_AMOUNT = re.compile(
    rf"(?<![\w.,\-/#])(?:"
    rf"(?P<pre>{_CURRENCY_BEFORE})\s?(?P<n1>{_NUMBER})(?:\s?(?P<m1>{_MULTIPLIER})(?!\w))?"
    rf"|(?P<n2>{_NUMBER})(?:\s?(?P<m2>{_MULTIPLIER}))?\s?(?P<post>{_CURRENCY_AFTER})(?!\w)"
    rf"|(?P<n3>{_NUMBER})\s?(?P<m3>k|triệu|trieu|tr|nghìn|nghin|ngàn|ngan)(?!\w)"
    rf")",
    re.IGNORECASE,
)
_MULTIPLIERS = {
    "k": 1e3,
    "mil": 1e3,
    "thousand": 1e3,
    "nghìn": 1e3,
    "nghin": 1e3,
    "ngàn": 1e3,
    "ngan": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "milliones": 1e6,
    "millón": 1e6,
    "millon": 1e6,
    "millones": 1e6,
    "milhão": 1e6,
    "milhões": 1e6,
    "milhao": 1e6,
    "milhoes": 1e6,
    "mn": 1e6,
    "triệu": 1e6,
    "trieu": 1e6,
    "tr": 1e6,
    "bn": 1e9,
    "billion": 1e9,
}
_CENTS = re.compile(r"cents?|centavos?|c[eé]ntimos?", re.IGNORECASE)


def parse_number(raw: str) -> float:
    """Read ``1,200.50``, ``1.200,50``, ``1 200,50``, ``12,5`` or ``1.200`` (a thousands separator).

    Raises:
        ValueError: ``raw`` is not a number in any of those forms.
    """
    digits = re.sub(r"[\s\u00a0\u202f\u2009]", "", raw)
    if "." in digits and "," in digits:
        decimal = "." if digits.rfind(".") > digits.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        return float(digits.replace(thousands, "").replace(decimal, "."))
    for separator in ".,":
        if separator in digits:
            head, _, tail = digits.rpartition(separator)
            if digits.count(separator) > 1 or len(tail) == 3:
                return float(digits.replace(separator, ""))
            return float(f"{head}.{tail}")
    return float(digits)


def extract_amounts(text: str) -> list[float]:
    """Money amounts in the order they appear: ``€150``, ``1.200,50 €``, ``R$ 300``, ``200k``, ``2 triệu``.

    A number only counts with a currency (symbol, code or word) or a money multiplier (``k``, ``triệu``);
    plain years, counts and digits inside a reference (letter-prefixed ids such as ``AB-1042``, ``#1042``,
    ``1042/7``) are ignored.
    """
    amounts: list[float] = []
    for match in _AMOUNT.finditer(text[:MAX_SCAN_CHARS]):
        raw = match.group("n1") or match.group("n2") or match.group("n3") or ""
        multiplier = match.group("m1") or match.group("m2") or match.group("m3")
        value = parse_number(raw)
        if multiplier:
            value *= _MULTIPLIERS.get(multiplier.casefold(), 1.0)
        post = match.group("post")
        if post and _CENTS.fullmatch(post):
            value /= 100
        amounts.append(round(value, 2))
    return amounts
