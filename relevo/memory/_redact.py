"""PII redaction: find personal data in text, replace it with vault tokens such as ``[EMAIL_1]``.

Every detector that has a check digit verifies it (Luhn for cards, mod-97 and national checks for IBANs, the
national check letters and digits of ids, the numbering plans of phones), so order numbers, dates and amounts are
not mistaken for personal data. Checks come from python-stdnum and phonenumbers. Numbers written next to other
tokens are found too: detectors try the shorter candidates inside a longer run (see ``_pii_numbers``) or read an
IBAN's exact length for its country (see ``_pii_iban``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from stdnum.br import cpf
from stdnum.es import dni, nie
from stdnum.mx import curp
from stdnum.pt import nif
from stdnum.us import ssn

from relevo.memory._pii_iban import find_ibans
from relevo.memory._pii_numbers import find_cards
from relevo.memory._pii_phones import find_phones

__all__ = ["PiiKind", "Redaction", "TokenSink", "find_pii", "redact_pii"]

PiiKind = Literal["EMAIL", "PHONE", "CARD", "IBAN", "ID_ES", "ID_PT", "ID_BR", "ID_MX", "ID_VN", "ID_US"]

TokenSink = Callable[["PiiKind", str], str]
"""Called with a kind and a raw value; returns the token that replaces it (a vault stores the value)."""

Span = tuple[int, int]
Detector = Callable[[str], Iterable[Span]]


def _matches(pattern: re.Pattern[str], valid: Callable[[str], bool]) -> Detector:
    """A detector from a bounded pattern (every quantifier capped, so a scan is linear) and its check."""

    def detect(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            if valid(match.group()):
                yield match.span()

    return detect


def _compact(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def _cccd(value: str) -> bool:
    # Vietnam's citizen id: the first three digits are a province code, 001-096.
    return 1 <= int(value[:3]) <= 96


def _ssn(value: str) -> bool:
    return ssn.is_valid(value)


_SEPARATORS = re.compile(r"[ .\-]")

# The local part may not continue a longer word to its left: without that anchor a long run of word characters
# is re-scanned from every position (quadratic). Every quantifier is capped at what RFC 5321 allows.
_EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_CURP = re.compile(r"(?<![A-Za-z0-9])[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d(?![A-Za-z0-9])")
_CPF = re.compile(r"(?<![\d.])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d.])|(?<!\d)\d{11}(?!\d)")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_DNI = re.compile(r"(?<![\d.])(?:\d{8}|\d{2}\.\d{3}\.\d{3})-?[A-Za-z](?![A-Za-z0-9])")
_NIE = re.compile(r"(?<![A-Za-z0-9])[XYZxyz]-?\d{7}-?[A-Za-z](?![A-Za-z0-9])")
_CCCD = re.compile(r"(?<!\d)\d{12}(?!\d)")
_NIF_PT = re.compile(r"(?<!\d)\d{9}(?!\d)")

# Order matters where detectors overlap: an earlier detector's span wins over a later one's.
_DETECTORS: tuple[tuple[PiiKind, Detector], ...] = (
    ("EMAIL", _matches(_EMAIL, lambda _: True)),
    ("IBAN", find_ibans),
    ("CARD", find_cards),
    ("ID_MX", _matches(_CURP, curp.is_valid)),
    ("ID_BR", _matches(_CPF, cpf.is_valid)),
    ("ID_US", _matches(_SSN, _ssn)),
    ("ID_ES", _matches(_DNI, lambda value: dni.is_valid(_compact(value)))),
    ("ID_ES", _matches(_NIE, lambda value: nie.is_valid(_compact(value)))),
    ("ID_VN", _matches(_CCCD, _cccd)),
    ("PHONE", find_phones),
    ("ID_PT", _matches(_NIF_PT, nif.is_valid)),
)


def _claim(
    claimed: list[tuple[int, int, PiiKind]], kind: PiiKind, spans: Iterable[Span]
) -> list[tuple[int, int, PiiKind]]:
    """``claimed`` plus those of ``spans`` (in text order) that overlap nothing claimed; one linear merge."""
    added: list[tuple[int, int, PiiKind]] = []
    k = 0
    for start, end in spans:
        while k < len(claimed) and claimed[k][1] <= start:
            k += 1
        if k < len(claimed) and claimed[k][0] < end:
            continue
        if added and added[-1][1] > start:
            continue
        added.append((start, end, kind))
    return sorted(claimed + added) if added else claimed


@dataclass(frozen=True)
class Redaction:
    """Redacted text and what was found in it (kinds only: the values went to the sink)."""

    text: str
    found: list[PiiKind] = field(default_factory=list["PiiKind"])


def find_pii(text: str) -> list[tuple[int, int, PiiKind]]:
    """Spans ``(start, end, kind)`` of personal data in ``text``, sorted, never overlapping.

    Linear in ``len(text)``: every detector tokenises first or caps its quantifiers (about 1 s per MB of the
    worst input on one core; message text is capped at 16,000 characters before it is redacted).
    """
    claimed: list[tuple[int, int, PiiKind]] = []
    for kind, detect in _DETECTORS:
        claimed = _claim(claimed, kind, detect(text))
    return claimed


def redact_pii(text: str, sink: TokenSink | None = None) -> Redaction:
    """Replace personal data in ``text`` with tokens; ``sink`` (a vault) decides each token and keeps the value.

    Without a sink the tokens are numbered within this text and the values are dropped (irreversible).
    """
    spans = find_pii(text)
    if not spans:
        return Redaction(text=text)
    local: dict[tuple[PiiKind, str], str] = {}
    counts: dict[PiiKind, int] = {}

    def token(kind: PiiKind, value: str) -> str:
        if (kind, value) not in local:
            if sink is not None:
                local[(kind, value)] = sink(kind, value)
            else:
                counts[kind] = counts.get(kind, 0) + 1
                local[(kind, value)] = f"[{kind}_{counts[kind]}]"
        return local[(kind, value)]

    parts: list[str] = []
    last = 0
    for start, end, kind in spans:
        parts.append(text[last:start])
        parts.append(token(kind, text[start:end]))
        last = end
    parts.append(text[last:])
    return Redaction(text="".join(parts), found=[kind for _, _, kind in spans])
