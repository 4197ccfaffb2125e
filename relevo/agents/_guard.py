"""The grounding guard: every claim in a model-written reply must be in the turn's evidence, or it is not sent.

A reply is read for claims a customer would act on — links, e-mail addresses, ids (reference, tracking or
ticket numbers, model codes), money amounts and their currency, percentages, dates, durations — and each is
looked up in the evidence: tool results, knowledge-base passages found this turn, facts with provenance, what a
human wrote or noted at hand-back. Promises ("I'll make sure…", "le reembolsaremos…") are allowed only when the
commitment ledger backs one (a tool result or a human); memory of earlier conversations never does. Replies that
are empty, raw JSON or in another language than the customer's fail too.

Domain-neutral: ids are found by shape (letters and digits, long digit runs, ``#123``) plus the desk's own
patterns, never by a business prefix. The language data (promise phrases, units, months) is a data file,
``texts/guard.yaml``.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml

from relevo._errors import ConfigurationError
from relevo.models.offline import detect_language, extract_amounts
from relevo.models.offline._cues import parse_number

__all__ = ["Claim", "ClaimKind", "Evidence", "GroundingGuard", "GuardCheck"]

ClaimKind = Literal[
    "url",
    "email",
    "id",
    "amount",
    "currency",
    "percent",
    "date",
    "duration",
    "promise",
    "format",
    "language",
    "superseded",
]
"""``superseded``: a value a human agent replaced at hand-back, restated (see ``relevo.agents.restated_values``)."""

_DATA = Path(__file__).parent / "texts" / "guard.yaml"
_MAX_REPLY = 4_000  # replies are short (the resolver asks for ~300 tokens); longer text is cut before scanning

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"'\[\]{}]{1,300}", re.IGNORECASE)
# Bounded parts keep the pattern linear (no backtracking explosion on long runs of word characters).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}")
_IDS = (
    # letters then digits, with or without a separator: AB-1042, TCK_7781, X12345, WH-1000XM4
    re.compile(r"(?<![\w\[])[A-Za-z]{1,8}[-_/]?\d{2,}[A-Za-z0-9-]{0,20}(?![\w\]])"),
    # digits then letters or a dash and more: 1Z999AA1, 12-4477-A
    re.compile(r"(?<![\w\[])\d{1,10}[A-Za-z]{1,4}\d[A-Za-z0-9]{0,24}(?![\w\]])"),
    re.compile(r"(?<![\w\[])\d{2,10}-\d{2,10}(?:-[A-Za-z0-9]{1,10})*(?![\w\]])"),
    # long digit runs (tracking, ticket or account numbers) and #-numbers
    re.compile(r"(?<![\w.,#])\d{6,30}(?![\w.,])"),
    re.compile(r"#\s?\d{2,20}\b"),
)
_NUMBER = re.compile(r"\d{1,15}(?:[.,]\d{1,15}){0,4}")
_PERCENT = re.compile(
    r"(\d{1,6}(?:[.,]\d{1,4})?)\s?(?:%|percent\b|per cent\b|por ciento\b|por cento\b|phần trăm)", re.IGNORECASE
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})")
_SLASH_DATE = re.compile(r"(?<![\d/])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?(?![\d/])")
_VI_DATE = re.compile(r"(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})", re.IGNORECASE)
_CURRENCIES: dict[str, tuple[str, ...]] = {
    "EUR": ("€", "eur", "euro", "euros"),
    "USD": ("us$", "usd", "dollar", "dollars", "dólar", "dólares"),
    "BRL": ("r$", "brl", "real", "reais"),
    "GBP": ("£", "gbp", "pound", "pounds", "libra", "libras"),
    "VND": ("₫", "vnd", "đồng", "dong"),
    "MXN": ("mxn", "peso", "pesos"),
}


@dataclass(frozen=True)
class Claim:
    """One checkable statement found in a reply."""

    kind: ClaimKind
    text: str
    why: str = ""
    """Empty when grounded; otherwise what is wrong, in words (shown to the model when it regenerates)."""

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}" + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True)
class Evidence:
    """What a reply may rest on this turn.

    ``texts`` back every kind of claim; ``customer_texts`` (what the customer wrote) back only links,
    addresses and ids they gave themselves (never an amount, a date or a promise); ``commitments`` are the
    ledger's promises (tool results or humans) and allow promise wording.
    """

    texts: Sequence[str] = ()
    customer_texts: Sequence[str] = ()
    commitments: Sequence[str] = ()
    allowed: Sequence[str] = ()
    """The desk's allow-list: URL prefixes, domains or e-mail addresses the AI may always give."""


@dataclass(frozen=True)
class GuardCheck:
    """The result of checking one reply: every claim found, and the ones not grounded."""

    claims: list[Claim] = field(default_factory=list[Claim])

    @property
    def violations(self) -> list[Claim]:
        return [c for c in self.claims if c.why]

    @property
    def passed(self) -> bool:
        return not self.violations


@functools.cache
def _data() -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, int]]:
    try:
        raw = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
        phrases = {str(lang): tuple(str(p) for p in items) for lang, items in raw["promise_phrases"].items()}
        units = {str(u).casefold(): str(canon) for canon, names in raw["duration_units"].items() for u in names}
        months = {str(name).casefold(): i + 1 for i, names in enumerate(raw["months"]) for name in names}
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"cannot read the guard's data file {_DATA}: {exc}") from exc
    return phrases, units, months


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Promise, duration and word-date patterns built from the data file (longest alternatives first)."""
    phrases, units, months = _data()
    every = sorted({p.casefold() for ps in phrases.values() for p in ps}, key=len, reverse=True)
    promise = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in every) + r")(?!\w)", re.IGNORECASE)
    unit_alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    duration = re.compile(r"(?<![\w.,])(\d{1,4})\s?(" + unit_alt + r")(?!\w)", re.IGNORECASE)
    month_alt = "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True))
    day_month = re.compile(
        r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|º|°)?\s+(?:de\s+|of\s+)?(" + month_alt + r")\b\.?", re.IGNORECASE
    )
    month_day = re.compile(r"\b(" + month_alt + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?!\d)", re.IGNORECASE)
    return promise, duration, day_month, month_day


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _alnum(text: str) -> str:
    return "".join(ch for ch in _fold(text) if ch.isalnum())


def _number(raw: str) -> float | None:
    try:
        return parse_number(raw)
    except ValueError:
        return None


def _numbers(text: str) -> set[float]:
    out: set[float] = set()
    for match in _NUMBER.finditer(text):
        value = _number(match.group())
        if value is not None:
            out.add(round(value, 2))
            # "1.200" read as 1.2 by JSON, 1200 by a European writer: keep both readings
            plain = match.group().replace(",", "").replace(".", "")
            if plain.isdigit():
                out.add(float(plain))
    return out


def _dates(text: str) -> tuple[list[tuple[str, set[tuple[int, int]]]], str]:
    """Dates in ``text`` as (as written, possible (month, day) readings), and the text with them blanked."""
    _, _, day_month, month_day = _patterns()
    _, _, months = _data()
    found: list[tuple[str, set[tuple[int, int]]]] = []
    spans: list[tuple[int, int]] = []

    def take(match: re.Match[str], readings: set[tuple[int, int]]) -> None:
        valid = {(m, d) for m, d in readings if 1 <= m <= 12 and 1 <= d <= 31}
        if valid and not any(s < match.end() and match.start() < e for s, e in spans):
            found.append((match.group().strip(), valid))
            spans.append(match.span())

    for m in _ISO_DATE.finditer(text):
        take(m, {(int(m.group(2)), int(m.group(3)))})
    for m in _VI_DATE.finditer(text):
        take(m, {(int(m.group(2)), int(m.group(1)))})
    for m in day_month.finditer(text):
        take(m, {(months[_fold(m.group(2))], int(m.group(1)))})
    for m in month_day.finditer(text):
        take(m, {(months[_fold(m.group(1))], int(m.group(2)))})
    for m in _SLASH_DATE.finditer(text):
        a, b = int(m.group(1)), int(m.group(2))
        take(m, {(b, a), (a, b)})  # day/month or month/day: either reading may be the evidence's
    blanked = text
    for start, end in spans:
        blanked = blanked[:start] + " " * (end - start) + blanked[end:]
    return found, blanked


def _durations(text: str) -> list[tuple[str, int, str]]:
    _, duration, _, _ = _patterns()
    _, units, _ = _data()
    return [(m.group(), int(m.group(1)), units[_fold(m.group(2))]) for m in duration.finditer(text)]


def _currencies(text: str) -> set[str]:
    folded = _fold(text)
    out: set[str] = set()
    for code, marks in _CURRENCIES.items():
        for mark in marks:
            pattern = re.escape(mark) if not mark.isalpha() else r"(?<!\w)" + re.escape(mark) + r"(?!\w)"
            if re.search(pattern, folded):
                out.add(code)
                break
    if "$" in folded and not out & {"USD", "BRL"}:
        out.add("USD")
    return out


@dataclass
class _Corpus:
    """The evidence, indexed once per check."""

    text: str
    customer: str
    numbers: set[float]
    percents: set[float]
    dates: set[tuple[int, int]]
    durations: set[tuple[int, str]]
    currencies: set[str]
    tokens: set[str]

    @classmethod
    def of(cls, evidence: Evidence) -> _Corpus:
        text = "\n".join(evidence.texts)
        dates: set[tuple[int, int]] = set()
        found, blanked = _dates(text)
        for _, readings in found:
            dates |= readings
        durations = {(n, unit) for _, n, unit in _durations(blanked)}
        # Tool results are JSON: {"days_late": 6} backs "6 days"; {"eta": "2026-12-03"} backs "Dec 3".
        _, units, _ = _data()
        for key, value in re.findall(r'"(\w{1,60})":\s?(\d{1,6})\b', text):
            for part in re.split(r"_", key.casefold()):
                if part in units:
                    durations.add((int(value), units[part]))
        percents = {round(v, 2) for v in (_number(m.group(1)) for m in _PERCENT.finditer(text)) if v is not None}
        customer = "\n".join(evidence.customer_texts)
        tokens = {_alnum(t) for t in re.split(r"[\s\"',;:()\[\]{}<>]+", text + "\n" + customer) if t}
        return cls(
            text=_fold(text),
            customer=_fold(customer),
            numbers=_numbers(text),
            percents=percents,
            dates=dates,
            durations=durations,
            currencies=_currencies(text),
            tokens={t for t in tokens if t},
        )


class GroundingGuard:
    """Checks model-written replies against the turn's evidence (see the module docstring).

    Args:
        id_patterns: extra regular expressions for the desk's own ids.
        check_language: fail replies confidently written in another language than the customer's.
    """

    def __init__(self, *, id_patterns: Iterable[str] = (), check_language: bool = True) -> None:
        try:
            self._ids = (*_IDS, *(re.compile(p) for p in id_patterns))
        except re.error as exc:
            raise ConfigurationError(f"guard.id_patterns: invalid regular expression: {exc}") from exc
        self.check_language = check_language
        _patterns()  # fail at construction, not mid-conversation, when the data file is broken

    def check(self, reply: str, evidence: Evidence, *, language: str) -> GuardCheck:
        """Every claim of ``reply`` with why it is not grounded (empty ``why``: grounded)."""
        text = reply.strip()[:_MAX_REPLY]
        if not text:
            return GuardCheck([Claim("format", "(empty reply)", "the reply is empty")])
        if _looks_like_data(text):
            return GuardCheck([Claim("format", text[:80], "raw data instead of a reply to the customer")])
        corpus = _Corpus.of(evidence)
        claims: list[Claim] = []
        rest = text
        for match in _URL.finditer(text):
            url = match.group().rstrip(".,;:!?")
            claims.append(Claim("url", url, "" if _url_allowed(url, corpus, evidence.allowed) else "not in evidence"))
        rest = _URL.sub(" ", rest)
        for match in _EMAIL.finditer(rest):
            address = match.group().rstrip(".")
            ok = _fold(address) in corpus.text or _fold(address) in corpus.customer
            ok = ok or _address_allowed(address, evidence.allowed)
            claims.append(Claim("email", address, "" if ok else "not in evidence"))
        rest = _EMAIL.sub(" ", rest)
        dates, rest = _dates(rest)
        for written, readings in dates:
            claims.append(Claim("date", written, "" if readings & corpus.dates else "not in evidence"))
        for written, n, unit in _durations(rest):
            ok = (n, unit) in corpus.durations
            claims.append(Claim("duration", written, "" if ok else "not in evidence"))
        for match in _PERCENT.finditer(rest):
            value = _number(match.group(1))
            ok = value is not None and (round(value, 2) in corpus.percents or round(value, 2) in corpus.numbers)
            claims.append(Claim("percent", match.group(), "" if ok else "not in evidence"))
        for value in extract_amounts(rest):
            ok = round(value, 2) in corpus.numbers
            claims.append(Claim("amount", f"{value:g}", "" if ok else "not in evidence"))
        said = _currencies(rest) if extract_amounts(rest) else set()
        if said and corpus.currencies and not said <= corpus.currencies:
            other = ", ".join(sorted(said - corpus.currencies))
            claims.append(Claim("currency", other, "not the evidence's currency"))
        seen: set[str] = set()
        for pattern in self._ids:
            for match in pattern.finditer(rest):
                token = match.group().strip()
                key = _alnum(token)
                if key in seen or (key.isdigit() and len(key) < 3):
                    continue
                seen.add(key)
                ok = key in corpus.tokens or any(key in t for t in corpus.tokens if len(key) >= 4)
                claims.append(Claim("id", token, "" if ok else "not in evidence"))
        promise, _, _, _ = _patterns()
        for match in promise.finditer(text):
            phrase = match.group()
            backed = bool(evidence.commitments) or _fold(phrase) in corpus.text
            claims.append(Claim("promise", phrase, "" if backed else "no commitment in the ledger backs it"))
        if self.check_language and language not in ("", "und") and len(text.split()) >= 4:
            guess = detect_language(text, hint=language)
            if guess.language not in (language, "und") and guess.confidence >= 0.5:
                claims.append(Claim("language", guess.language, f"the customer writes {language}"))
        return GuardCheck(claims)


def _looks_like_data(text: str) -> bool:
    """A reply that is a JSON object/array or a tool call written out as text (small models do this)."""
    if text[0] in "{[":
        try:
            json.loads(text)
            return True
        except ValueError:
            return text.rstrip()[-1:] in "}]"
    return "<tool_call>" in text or '"tool_calls"' in text or '"function":' in text


def _url_allowed(url: str, corpus: _Corpus, allowed: Sequence[str]) -> bool:
    folded = _fold(url).rstrip("/")
    if folded in corpus.text or folded in corpus.customer:
        return True
    host = (urlsplit(folded if "://" in folded else "https://" + folded).hostname or "").removeprefix("www.")
    for entry in allowed:
        entry = _fold(entry).rstrip("/")
        if "://" in entry or "/" in entry:
            bare = entry.split("://", 1)[-1].removeprefix("www.")
            if folded.split("://", 1)[-1].removeprefix("www.").startswith(bare):
                return True
        elif "@" not in entry and (host == entry.removeprefix("www.") or host.endswith("." + entry)):
            return True
    return False


def _address_allowed(address: str, allowed: Sequence[str]) -> bool:
    folded = _fold(address)
    domain = folded.rsplit("@", 1)[-1]
    return any(_fold(e) == folded or ("@" not in e and "/" not in e and _fold(e) == domain) for e in allowed)
