"""Phone numbers in text: international (``+``/``00``) or as written nationally in the regions customers write from.

Validity is Google's numbering plans (the ``phonenumbers`` metadata), compiled once per region into the checks
``phonenumbers.is_valid_number`` makes: strip the national prefix (and carrier code) the way its parser does, then
match the number-type patterns. Decided by compiled patterns, a candidate costs about a microsecond instead of the
15 µs of a full parse, so no text can buy much work with digits; a test holds the two to the same answers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from relevo.memory._pii_numbers import Run, scan

__all__ = ["NATIONAL_REGIONS", "find_phones", "is_phone_number"]

NATIONAL_REGIONS = ("US", "ES", "PT", "BR", "VN")
"""Regions whose phone numbers are recognised as written nationally (without a country code)."""

_DIGITS = (8, 17)  # E.164 allows 15 digits; "00" and a national trunk prefix add two
_UNITS = 6  # "+55 (11) 9 1234 5678" has five
_NATIONAL_MIN_DIGITS = 9  # shorter local numbers are indistinguishable from dates and amounts
_TRUNK_WRITTEN = {"VN": "0"}
"""Regions whose numbers are always written with their trunk prefix: "2026000123" is an order id, not a number in
Hanoi (written 024 ...)."""
_NANP_GROUPS = frozenset({(10,), (11,), (3, 3, 4), (3, 7), (1, 3, 3, 4), (1, 10), (1, 3, 7)})

_DIGIT_GROUPS = re.compile(r"\d+")
_CURRENCY_AFTER = re.compile(
    r"\s?(?:[€$£₫]|đ(?!\w)|(?:eur|euros?|usd|brl|vnd|reais|real|d[oó]lar(?:es)?|dollars?|đồng|dong)(?!\w))",
    re.IGNORECASE,
)
_CURRENCY_BEFORE = re.compile(r"(?:[€$£₫]|\b(?:eur|usd|brl|vnd))\s?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Desc:
    pattern: re.Pattern[str]
    lengths: frozenset[int]  # empty: any length the general description allows

    def matches(self, number: str) -> bool:
        return (not self.lengths or len(number) in self.lengths) and self.pattern.fullmatch(number) is not None


@dataclass(frozen=True, slots=True)
class _Plan:
    """One region's numbering plan, compiled."""

    general: _Desc
    local_lengths: frozenset[int]
    types: tuple[_Desc, ...]
    any_type: re.Pattern[str]  # the types' patterns in one: a single test rules most candidates out
    leading: re.Pattern[str] | None  # the leading digits that pick this region among those sharing its code
    prefix: re.Pattern[str] | None
    transform: str | None

    def viable(self, number: str) -> bool:
        return self.general.pattern.fullmatch(number) is not None

    def _strippable(self, number: str) -> bool:
        """Whether the parser keeps a number this long after stripping (possible or too long, not too short)."""
        lengths = self.general.lengths
        if not lengths:
            return True
        if -1 in lengths or len(number) in self.local_lengths:
            return False
        return len(number) in lengths or len(number) > max(lengths)

    def too_long(self, number: str) -> bool:
        lengths = self.general.lengths
        return bool(lengths) and len(number) > max(lengths)

    def national_number(self, number: str) -> str:
        """``number`` without its national prefix and carrier code, when the parser would strip them."""
        if self.prefix is None or not number:
            return number
        match = self.prefix.match(number)
        if match is None:
            return number
        groups = match.groups()
        if not self.transform or not groups or groups[-1] is None:
            stripped = number[match.end() :]
        else:
            stripped = self.prefix.sub(self.transform, number, count=1)
        if self.viable(number) and not self.viable(stripped):
            return number
        return stripped if self._strippable(stripped) else number

    def typed(self, national: str) -> bool:
        """Whether ``national`` (a significant number) is of some type of this region: fixed line, mobile..."""
        return (
            self.any_type.fullmatch(national) is not None
            and self.general.matches(national)
            and any(desc.matches(national) for desc in self.types)
        )


def _desc(desc: phonenumbers.PhoneNumberDesc | None) -> _Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return _Desc(re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ()))


@functools.cache
def _plan(region: str) -> _Plan | None:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None
    general = _desc(metadata.general_desc)
    if general is None:
        return None
    kinds = (
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
        metadata.mobile,
    )
    types = tuple(d for d in map(_desc, kinds) if d is not None)
    prefix = metadata.national_prefix_for_parsing
    return _Plan(
        general=general,
        local_lengths=frozenset(metadata.general_desc.possible_length_local_only or ()),
        types=types,
        any_type=re.compile("|".join(f"(?:{d.pattern.pattern})" for d in types) or "(?!)"),
        leading=re.compile(metadata.leading_digits) if metadata.leading_digits else None,
        prefix=re.compile(prefix) if prefix else None,
        transform=metadata.national_prefix_transform_rule or None,
    )


def _valid_in_country(country_code: int, national: str) -> bool:
    """``phonenumbers.is_valid_number`` for a parsed number: the region is picked among those sharing the country
    code (by leading digits, else by a matching type), then the number must be of a type there."""
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        plan = _plan(region)
        if plan is None:
            continue
        if plan.leading is not None:
            if plan.leading.match(national):
                return plan.typed(national)
        elif plan.typed(national):
            return True
    return False


def _valid_national(digits: str, region: str) -> bool:
    """Whether ``digits``, written in ``region`` without "+", parse as a valid number (with the parser's rule for a
    country code written without "+": dropped when the rest is a viable number and the whole is not)."""
    plan = _plan(region)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if plan is None or metadata is None or metadata.country_code is None:
        return False
    code = str(metadata.country_code)
    national = digits
    if digits.startswith(code) and len(digits) > len(code):
        rest = plan.national_number(digits[len(code) :])
        if (not plan.viable(digits) and plan.viable(rest)) or plan.too_long(digits):
            national = rest
    return _valid_in_country(metadata.country_code, plan.national_number(national))


def _valid_international(digits: str) -> bool:
    """Whether ``digits`` (after "+") are a country code and a valid number there."""
    for size in (1, 2, 3):
        if len(digits) <= size:
            return False
        country_code = int(digits[:size])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:  # codes are prefix-free: the first one found
            main = phonenumbers.region_code_for_country_code(country_code)
            plan = _plan(main)
            national = digits[size:] if plan is None else plan.national_number(digits[size:])
            return _valid_in_country(country_code, national)
    return False


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


def _nanp_grouped(written: str) -> bool:
    """Whether digits are grouped the North American way (3-3-4, optionally after a 1, or not at all).

    Almost any ten digits are a valid NANP number, so "2026-000123" (an order id) would otherwise read as one.
    """
    return tuple(len(group) for group in _DIGIT_GROUPS.findall(written)) in _NANP_GROUPS


def is_phone_number(written: str, *, international: bool) -> bool:
    """Whether the digits of ``written`` are a valid phone number: with a country code when ``international``,
    else as written in one of :data:`NATIONAL_REGIONS`."""
    digits = "".join(_DIGIT_GROUPS.findall(written))
    if international:
        return 8 <= len(digits) <= 15 and _valid_international(digits)
    if digits.startswith("00"):
        return 8 <= len(digits) - 2 <= 15 and _valid_international(digits[2:])
    return any(
        len(digits) in _LENGTHS[region]
        and digits.startswith(_TRUNK_WRITTEN.get(region, ""))
        and (region != "US" or _nanp_grouped(written))
        and _valid_national(digits, region)
        for region in NATIONAL_REGIONS
    )


def _outside_blocks_of_four(run: Run, i: int, j: int) -> bool:
    """Whether units ``i..j`` hold at most three groups of four digits and touch none around them.

    Cards and IBANs are printed in blocks of four; a phone number never sits inside a row of them.
    """
    inside = sum(len(run.digits[u]) == 4 for u in range(i, j + 1))
    touching = (i > 0 and len(run.digits[i - 1]) == 4) or (j + 1 < len(run.digits) and len(run.digits[j + 1]) == 4)
    return inside <= 3 and not (inside and touching)


def _check(text: str, start: int, end: int, _digits: str) -> bool:
    if _CURRENCY_BEFORE.search(text, max(0, start - 5), start) or _CURRENCY_AFTER.match(text, end):
        return False  # an amount, not a number to call
    lead = text[max(0, start - 2) : start]
    international = "+" in lead and lead.strip("(+ ") == ""
    return is_phone_number(text[start:end], international=international)


def find_phones(text: str) -> Iterator[tuple[int, int]]:
    """Spans of phone numbers in ``text``, in order, never overlapping.

    A span includes a leading ``+`` or ``(`` and a closing ``)`` that belong to the number.
    """
    for start, end in scan(text, *_DIGITS, _UNITS, _check, windows=False, fits=_outside_blocks_of_four):
        for _ in range(2):
            if start > 0 and text[start - 1] in "+(":
                start -= 1
        if end < len(text) and text[end] == ")" and text.count("(", start, end) > text.count(")", start, end):
            end += 1
        yield start, end
