"""IBANs in text, for every country in SWIFT's IBAN registry, written grouped or not.

Each country's IBAN has one fixed length and one BBAN structure (SWIFT's registry, as shipped by python-stdnum).
The scan therefore reads exactly that many characters after the country code and check digits, skipping the
separators people type between them, and never runs on into the next word ("... 9015 4 BIC: BCOMPTPL"). The
candidate then passes python-stdnum's full check: mod-97 and, where one exists, the national check digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import iban, numdb

__all__ = ["IBAN_LENGTHS", "find_ibans"]

_STRUCTURE = re.compile(r"(\d+)!([nac])")
_CLASSES = {"n": "[0-9]", "a": "[A-Za-z]", "c": "[A-Za-z0-9]"}
_SEPARATOR = "[ \u00a0.\\-]?"
"""At most one separator between two characters: a space (also no-break), a dot or a dash."""


def _registry() -> dict[str, str]:
    """Country code -> BBAN structure such as ``4!n4!n11!n2!n`` (SWIFT's notation)."""
    structures: dict[str, str] = {}
    for _length, low, _high, props, _children in numdb.get("iban").prefixes:
        bban = props.get("bban")
        if isinstance(bban, str) and len(low) == 2:
            structures[low] = bban
    return structures


def _bban_pattern(structure: str) -> re.Pattern[str]:
    parts: list[str] = []
    for count, kind in _STRUCTURE.findall(structure):
        parts.append(f"(?:{_SEPARATOR}{_CLASSES[kind]}){{{count}}}")
    return re.compile("".join(parts))


_STRUCTURES = _registry()
_BBANS = {country: _bban_pattern(structure) for country, structure in _STRUCTURES.items()}
IBAN_LENGTHS: dict[str, int] = {
    country: 4 + sum(int(count) for count, _ in _STRUCTURE.findall(structure))
    for country, structure in _STRUCTURES.items()
}
"""Country code -> the length of its IBANs (SWIFT's IBAN registry): ``IBAN_LENGTHS["PT"] == 25``."""

# Where an IBAN may start: a country code and check digits, not glued to a preceding letter or digit.
_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2})")
_SEPARATORS = re.compile(r"[ \u00a0.\-]")


def find_ibans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of valid IBANs in ``text``, in order, never overlapping.

    Work per candidate start is bounded by the longest IBAN (34 characters and their separators).
    """
    position = 0
    for start in _START.finditer(text):
        if start.start() < position:
            continue
        country = start.group(1).upper()
        bban = _BBANS.get(country)
        if bban is None:
            continue
        rest = bban.match(text, start.end())
        if rest is None:
            continue
        compact = country + start.group(2) + _SEPARATORS.sub("", rest.group()).upper()
        if iban.is_valid(compact):
            position = rest.end()
            yield start.start(), rest.end()
