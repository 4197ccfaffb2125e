"""The compiled phone check gives phonenumbers' own answers: on thousands of numbers near each region's examples
(valid ones and their one-digit-off neighbours, with and without trunk prefix and country code) the fast check and
``phonenumbers.is_valid_number(phonenumbers.parse(...))`` agree on every one."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from relevo.memory._pii_phones import NATIONAL_REGIONS, _valid_international, _valid_national

_TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.UAN,
]


def _library(number: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


def _examples(region: str) -> list[str]:
    found: list[str] = []
    for kind in _TYPES:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is not None:
            national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
            found.append("".join(c for c in national if c.isdigit()))
    return found


def _near(examples: list[str], rng: random.Random, code: str) -> str:
    seed = rng.choice(examples)
    keep = rng.randint(0, len(seed))
    tail = "".join(rng.choice("0123456789") for _ in range(len(seed) - keep + rng.choice([-1, 0, 0, 0, 1])))
    number = seed[:keep] + tail
    if rng.random() < 0.2:
        number = "0" + number
    if rng.random() < 0.1:
        number = code + number
    return number


@pytest.mark.parametrize("region", NATIONAL_REGIONS)
def test_national_numbers_get_the_libraries_answer(region: str) -> None:
    rng = random.Random(region)
    examples = _examples(region)
    code = str(phonenumbers.country_code_for_region(region))
    numbers = {_near(examples, rng, code) for _ in range(3000)}
    # A leading "00" (or a country code then "00") is an international call prefix: find_phones reads those as
    # international numbers, tested below.
    numbers = {n for n in numbers if n and not n.startswith("00") and not n.removeprefix(code).startswith("00")}
    answers = {n: _library(n, region) for n in numbers}
    assert 0.2 < sum(answers.values()) / len(answers) < 0.8, "the sample mixes valid and invalid numbers"
    assert [n for n, valid in answers.items() if _valid_national(n, region) != valid] == []


def test_international_numbers_get_the_libraries_answer() -> None:
    rng = random.Random(13)
    regions = [*NATIONAL_REGIONS, "GB", "FR", "DE", "IT", "CA", "MX", "AR", "CN", "IN", "AU", "RU", "JP"]
    numbers: set[str] = set()
    for region in regions:
        code = str(phonenumbers.country_code_for_region(region))
        examples = [e.lstrip("0") for e in _examples(region)]
        numbers |= {code + _near(examples, rng, "") for _ in range(300)}
    answers = {n: _library("+" + n, None) for n in numbers}
    assert 0.2 < sum(answers.values()) / len(answers) < 0.8
    assert [n for n, valid in answers.items() if _valid_international(n) != valid] == []
