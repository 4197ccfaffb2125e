"""PII redaction: find personal data in text, replace it with vault tokens such as ``[EMAIL_1]``.

Every detector that has a check digit verifies it (Luhn for cards, mod-97 for IBANs, the national check
letters and digits), so order numbers and amounts are not mistaken for personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["PiiKind", "Redaction", "TokenSink", "find_pii", "redact_pii"]

PiiKind = Literal["EMAIL", "PHONE", "CARD", "IBAN", "ID_ES", "ID_PT", "ID_BR", "ID_MX", "ID_VN", "ID_US"]

TokenSink = Callable[["PiiKind", str], str]
"""Called with a kind and a raw value; returns the token that replaces it (a vault stores the value)."""

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _luhn(number: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(number)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card(match: str) -> bool:
    digits = _digits(match)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _iban(match: str) -> bool:
    compact = re.sub(r"\s", "", match).upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    numeric = "".join(str(int(c, 36)) for c in moved)
    return int(numeric) % 97 == 1


def _dni_nie(match: str) -> bool:
    value = match.upper()
    body = value[:-1]
    if body[0] in "XYZ":
        body = str("XYZ".index(body[0])) + body[1:]
    return body.isdigit() and _DNI_LETTERS[int(body) % 23] == value[-1]


def _nif_pt(match: str) -> bool:
    if match[0] not in "12356789":
        return False
    total = sum(int(d) * (9 - i) for i, d in enumerate(match[:8]))
    check = 11 - total % 11
    return (0 if check >= 10 else check) == int(match[8])


def _cpf(match: str) -> bool:
    digits = [int(d) for d in _digits(match)]
    if len(set(digits)) == 1:
        return False
    for n in (9, 10):
        total = sum(d * (n + 1 - i) for i, d in enumerate(digits[:n]))
        if (total * 10 % 11) % 10 != digits[n]:
            return False
    return True


def _ssn(match: str) -> bool:
    area, group, serial = match.split("-")
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _cccd(match: str) -> bool:
    return 1 <= int(match[:3]) <= 96


def _phone(match: str) -> bool:
    return 8 <= len(_digits(match)) <= 15


def _always(_: str) -> bool:
    return True


# Order matters where patterns overlap: the earlier detector wins a tie on the same span.
_DETECTORS: list[tuple[PiiKind, re.Pattern[str], Callable[[str], bool]]] = [
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), _always),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b"), _iban),
    ("CARD", re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])"), _card),
    ("ID_MX", re.compile(r"\b[A-Z]{4}\d{6}[HM][A-Z]{5}[A-Z0-9]\d\b"), _always),
    ("ID_BR", re.compile(r"(?<![\d.])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d.])|(?<!\d)\d{11}(?!\d)"), _cpf),
    ("ID_US", re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])"), _ssn),
    ("ID_ES", re.compile(r"\b(?:\d{8}|[XYZ]\d{7})[A-Za-z]\b"), _dni_nie),
    ("ID_VN", re.compile(r"(?<!\d)\d{12}(?!\d)"), _cccd),
    ("PHONE", re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?!\d)"), _phone),
    ("PHONE", re.compile(r"(?<!\d)\(\d{3}\)[ ]?\d{3}-\d{4}(?!\d)"), _always),
    ("ID_PT", re.compile(r"(?<!\d)\d{9}(?!\d)"), _nif_pt),
]


@dataclass(frozen=True)
class Redaction:
    """Redacted text and what was found in it (kinds only: the values went to the sink)."""

    text: str
    found: list[PiiKind] = field(default_factory=list["PiiKind"])


def find_pii(text: str) -> list[tuple[int, int, PiiKind]]:
    """Spans of personal data in ``text``, sorted, never overlapping."""
    spans: list[tuple[int, int, PiiKind]] = []
    for kind, pattern, valid in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e, _ in spans):
                continue
            if valid(match.group()):
                spans.append((start, end, kind))
    return sorted(spans)


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
