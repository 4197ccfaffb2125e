"""Payment cards and phone numbers in text: found inside runs of digits, checked by their own rules.

A *run* is a stretch of digit groups joined by what people type inside numbers: spaces, dots, dashes, brackets
("+55 (11) 91234-5678", "4111 1111 1111 1111 12"). A card or a phone number is often only part of a run
("4111 1111 1111 1111 12/27 cvc 123", "call 612 345 678 2 times"), so every stretch of whole groups of a
plausible length is a candidate, not just the whole run; a group too long to be one number on its own
("41111111111111111227") is also tried by its leading and trailing digits. Of the valid candidates the longest
win. A candidate spans at most a few groups, so the work per group is bounded and a scan is linear in the text.

Cards pass an issuer-prefix check and Luhn (python-stdnum). Phones are checked with Google's numbering plans
(``phonenumbers``): with a ``+`` or ``00`` prefix as international numbers, otherwise as written nationally in
each of :data:`NATIONAL_REGIONS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import phonenumbers
from stdnum import luhn

__all__ = ["NATIONAL_REGIONS", "find_cards", "find_phones"]

NATIONAL_REGIONS = ("US", "ES", "PT", "BR", "VN")
"""Regions whose phone numbers are recognised as written nationally (without a country code)."""

# Groups joined by 1-3 of: space (also no-break and narrow no-break), dot, dash, brackets. Classes are disjoint
# from digits, so the match never backtracks more than one separator.
_RUN = re.compile(r"\d+(?:[ \u00a0\u202f.\-()]{1,3}\d+)*")
_UNIT = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_NOT_DIGITS = re.compile(r"\D+")
_DIGIT_GROUPS = re.compile(r"\d+")

_CARD_DIGITS = (13, 19)
_CARD_UNITS = 5  # 4-4-4-4-3 is the most groups a card is written in
_PHONE_DIGITS = (8, 17)  # E.164 allows 15 digits; "00" and a national trunk prefix add two
_PHONE_UNITS = 6  # "+55 (11) 9 1234 5678" has five
_NATIONAL_MIN_DIGITS = 9  # shorter local numbers are indistinguishable from dates and amounts

_CURRENCY_AFTER = re.compile(
    r"\s?(?:[€$£₫]|đ(?!\w)|(?:eur|euros?|usd|brl|vnd|reais|real|d[oó]lar(?:es)?|dollars?|đồng|dong)(?!\w))",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:[€$£₫]|\b(?:eur|usd|brl|vnd))\s?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Run:
    """The units of one run (whitespace-separated pieces holding digits): character spans, digits, and
    cumulative digit counts (``counts[i]`` = digits in units ``[0, i)``)."""

    starts: list[int]
    ends: list[int]
    digits: list[str]
    counts: list[int]


def _runs(text: str, min_digits: int) -> Iterator[_Run]:
    """Runs with at least ``min_digits`` digits, except those glued to a word on their left: "ES91 2100...",
    "ORD4111...", "1Z999..." are identifiers (a broken IBAN, an order or tracking number), not cards or phones."""
    for run in _RUN.finditer(text):
        if run.end() - run.start() < min_digits or (run.start() > 0 and text[run.start() - 1].isalpha()):
            continue
        starts: list[int] = []
        ends: list[int] = []
        digits: list[str] = []
        counts = [0]
        for unit in _UNIT.finditer(text, run.start(), run.end()):
            found = _NOT_DIGITS.sub("", unit.group())
            if found:
                starts.append(unit.start())
                ends.append(unit.end())
                digits.append(found)
                counts.append(counts[-1] + len(found))
        if counts[-1] >= min_digits:
            yield _Run(starts, ends, digits, counts)


def _candidates(run: _Run, shortest: int, longest: int, most_units: int) -> Iterator[tuple[int, int]]:
    """``(first unit, last unit)`` of each stretch of whole units with ``shortest..longest`` digits."""
    n = len(run.digits)
    counts = run.counts
    for i in range(n):
        if counts[min(n, i + most_units)] - counts[i] < shortest:
            continue  # not enough digits within reach: the common case, decided in O(1)
        for j in range(i, min(n, i + most_units)):
            count = counts[j + 1] - counts[i]
            if count > longest:
                break
            if count >= shortest:
                yield i, j


def _best(found: list[tuple[int, int, int, int]], units: int) -> list[tuple[int, int]]:
    """The longest valid candidates that share no unit, in text order.

    ``found`` holds ``(first unit, last unit, start char, end char)``.
    """
    taken = bytearray(units)
    chosen: list[tuple[int, int]] = []
    for i, j, start, end in sorted(found, key=lambda c: (c[2] - c[3], c[2])):
        if not any(taken[i : j + 1]):
            taken[i : j + 1] = b"\x01" * (j + 1 - i)
            chosen.append((start, end))
    return sorted(chosen)


Check = Callable[[str, int, int, str], bool]
"""``check(text, start, end, digits)``: whether the candidate at ``text[start:end]`` is valid."""


def _scan(
    text: str,
    shortest: int,
    longest: int,
    most_units: int,
    check: Check,
    *,
    windows: bool,
    fits: Callable[[_Run, int, int], bool] | None = None,
) -> Iterator[tuple[int, int]]:
    """Spans of valid numbers in ``text``, in order, never overlapping.

    ``fits(run, first unit, last unit)``, when given, must accept a candidate's grouping before ``check`` runs.
    """
    for run in _runs(text, shortest):
        found: list[tuple[int, int, int, int]] = []
        for i, j in _candidates(run, shortest, longest, most_units):
            if fits is not None and not fits(run, i, j):
                continue
            start, end = run.starts[i], run.ends[j]
            if check(text, start, end, "".join(run.digits[i : j + 1])):
                found.append((i, j, start, end))
        if windows:
            for u, digits in enumerate(run.digits):
                if len(digits) > longest:
                    found.extend((u, u, start, end) for start, end in _windows(text, run, u, shortest, longest, check))
        yield from _best(found, len(run.digits))


def _windows(text: str, run: _Run, u: int, shortest: int, longest: int, check: Check) -> Iterator[tuple[int, int]]:
    """A unit with too many digits for one number, tried by its leading and by its trailing digits (longest first).

    The digits of a run are at most four characters apart, so both ends are read within a bounded slice.
    """
    start, end, digits = run.starts[u], run.ends[u], run.digits[u]
    reach = 4 * longest
    head = [m.start() for m in _DIGIT.finditer(text, start, min(end, start + reach))]
    tail = [m.start() for m in _DIGIT.finditer(text, max(start, end - reach), end)]
    for size in range(longest, shortest - 1, -1):
        if check(text, start, head[size - 1] + 1, digits[:size]):
            yield start, head[size - 1] + 1
            break
    for size in range(longest, shortest - 1, -1):
        if check(text, tail[-size], end, digits[-size:]):
            yield tail[-size], end
            break


# -- cards ---------------------------------------------------------------------------------------------------
def _card(_text: str, _start: int, _end: int, digits: str) -> bool:
    # Issuer prefixes: 2-6 cover Mastercard, Visa, Amex, Diners, Discover, JCB, UnionPay, Elo, Hipercard, Mir and
    # Maestro; 9704 is Vietnam's NAPAS. The prefix keeps Luhn's one-in-ten chance from catching barcodes.
    return (digits[0] in "23456" or digits.startswith("9704")) and luhn.is_valid(digits)


def find_cards(text: str) -> Iterator[tuple[int, int]]:
    """Spans of payment card numbers (13-19 digits, issuer prefix, Luhn) in ``text``, in order."""
    return _scan(text, *_CARD_DIGITS, _CARD_UNITS, _card, windows=True)


# -- phones --------------------------------------------------------------------------------------------------
def _national_lengths(region: str) -> frozenset[int]:
    """How many digits a valid number of ``region`` has as written there (with and without its trunk prefix)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return frozenset()
    lengths = set(metadata.general_desc.possible_length)
    prefix = len(metadata.national_prefix or "")
    extra = {length + prefix for length in lengths}
    if region == "BR":  # 0 + a two-digit carrier code before the area code
        extra |= {length + 3 for length in lengths}
    return frozenset(n for n in lengths | extra if n >= _NATIONAL_MIN_DIGITS)


_LENGTHS = {region: _national_lengths(region) for region in NATIONAL_REGIONS}
_TRUNK_WRITTEN = {"VN": "0"}
_NANP_GROUPS = frozenset({(10,), (11,), (3, 3, 4), (3, 7), (1, 3, 3, 4), (1, 10), (1, 3, 7)})


def _nanp_grouped(written: str) -> bool:
    """Whether digits are grouped the North American way (3-3-4, optionally after a 1, or not at all).

    Almost any ten digits are a valid NANP number, so "2026-000123" (an order id) would otherwise read as one.
    """
    return tuple(len(group) for group in _DIGIT_GROUPS.findall(written)) in _NANP_GROUPS


"""Regions whose numbers are always written with their trunk prefix: "2026000123" is an order id, not a number in
Hanoi (written 024 ...)."""


def _is_valid_phone(number: str, region: str | None) -> bool:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def _outside_blocks_of_four(run: _Run, i: int, j: int) -> bool:
    """Whether units ``i..j`` hold at most three groups of four digits and touch none around them.

    Cards and IBANs are printed in blocks of four; a phone number never sits inside a row of them.
    """
    inside = sum(len(run.digits[u]) == 4 for u in range(i, j + 1))
    touching = (i > 0 and len(run.digits[i - 1]) == 4) or (j + 1 < len(run.digits) and len(run.digits[j + 1]) == 4)
    return inside <= 3 and not (inside and touching)


class _PhoneCheck:
    """Validity of each candidate, remembered within one scan (a run offers the same digits many times)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str | None], bool] = {}

    def _valid(self, number: str, region: str | None) -> bool:
        key = (number, region)
        if key not in self._seen:
            self._seen[key] = _is_valid_phone(number, region)
        return self._seen[key]

    def __call__(self, text: str, start: int, end: int, digits: str) -> bool:
        lead = text[max(0, start - 2) : start]
        if _CURRENCY_BEFORE.search(text, max(0, start - 5), start) or _CURRENCY_AFTER.match(text, end):
            return False  # an amount, not a number to call
        if "+" in lead and lead.strip("(+ ") == "":
            return 8 <= len(digits) <= 15 and self._valid("+" + digits, None)
        if digits.startswith("00"):
            return 8 <= len(digits) - 2 <= 15 and self._valid("+" + digits[2:], None)
        return any(
            len(digits) in _LENGTHS[region]
            and digits.startswith(_TRUNK_WRITTEN.get(region, ""))
            and (region != "US" or _nanp_grouped(text[start:end]))
            and self._valid(digits, region)
            for region in NATIONAL_REGIONS
        )


def find_phones(text: str) -> Iterator[tuple[int, int]]:
    """Spans of phone numbers in ``text``, in order: international (``+``/``00``) or national in a known region.

    A span includes a leading ``+`` or ``(`` and a closing ``)`` that belong to the number.
    """
    check = _PhoneCheck()
    for start, end in _scan(text, *_PHONE_DIGITS, _PHONE_UNITS, check, windows=False, fits=_outside_blocks_of_four):
        for _ in range(2):
            if start > 0 and text[start - 1] in "+(":
                start -= 1
        if end < len(text) and text[end] == ")" and text.count("(", start, end) > text.count(")", start, end):
            end += 1
        yield start, end
