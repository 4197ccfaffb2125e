"""Numbers in text: runs of digit groups, the candidates inside them, and payment cards.

A *run* is a stretch of digit groups joined by what people type inside numbers: spaces, dots, dashes, brackets
("+55 (11) 91234-5678", "4111 1111 1111 1111 12"). A card or a phone number is often only part of a run
("4111 1111 1111 1111 12/27 cvc 123", "call 612 345 678 2 times"), so every stretch of whole groups of a
plausible length is a candidate, not just the whole run; a group too long to be one number on its own
("41111111111111111227") is also tried by its leading and trailing digits. Of the valid candidates the longest
win. A candidate spans at most a few groups, so the work per group is bounded and a scan is linear in the text.

Cards pass an issuer-prefix check and Luhn (python-stdnum); phones (``_pii_phones``) scan the same runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stdnum import luhn

__all__ = ["Check", "Run", "find_cards", "scan"]


# Groups joined by 1-3 of: space (also no-break and narrow no-break), dot, dash, brackets. Classes are disjoint
# from digits, so the match never backtracks more than one separator.
_RUN = re.compile(r"\d+(?:[ \u00a0\u202f.\-()]{1,3}\d+)*")
_UNIT = re.compile(r"\S+")
_DIGIT = re.compile(r"\d")
_NOT_DIGITS = re.compile(r"\D+")

_CARD_DIGITS = (13, 19)
_CARD_UNITS = 5  # 4-4-4-4-3 is the most groups a card is written in


@dataclass(frozen=True, slots=True)
class Run:
    """The units of one run (whitespace-separated pieces holding digits): character spans, digits, and
    cumulative digit counts (``counts[i]`` = digits in units ``[0, i)``)."""

    starts: list[int]
    ends: list[int]
    digits: list[str]
    counts: list[int]


def _runs(text: str, min_digits: int) -> Iterator[Run]:
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
            yield Run(starts, ends, digits, counts)


def _candidates(run: Run, shortest: int, longest: int, most_units: int) -> Iterator[tuple[int, int]]:
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


def scan(
    text: str,
    shortest: int,
    longest: int,
    most_units: int,
    check: Check,
    *,
    windows: bool,
    fits: Callable[[Run, int, int], bool] | None = None,
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


def _windows(text: str, run: Run, u: int, shortest: int, longest: int, check: Check) -> Iterator[tuple[int, int]]:
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
    return scan(text, *_CARD_DIGITS, _CARD_UNITS, _card, windows=True)
