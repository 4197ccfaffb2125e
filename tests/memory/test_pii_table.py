"""PII as people type it: every valid value in the table is redacted over exactly its span, every lookalike is left
alone, and IBANs of every SEPA country are found grouped or not, with their official lengths."""

from __future__ import annotations

import random
import re

import pytest
from pii_table import LOOKALIKES, VALID
from stdnum import iban, numdb

from relevo.memory import find_pii, redact_pii
from relevo.memory._pii_iban import IBAN_LENGTHS

# The SEPA countries and territories with their official IBAN lengths (SWIFT's IBAN registry).
SEPA_LENGTHS = {
    "AD": 24, "AL": 28, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20,
    "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MT": 31, "NL": 18, "NO": 15,
    "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}  # fmt: skip


def test_the_table_covers_every_language_and_kind() -> None:
    assert len(VALID) >= 40
    assert {kind for _, _, kind in VALID} >= {"CARD", "IBAN", "PHONE", "EMAIL", "ID_ES", "ID_PT", "ID_BR", "ID_VN"}


@pytest.mark.parametrize(("sentence", "value", "kind"), VALID, ids=[v for _, v, _ in VALID])
def test_valid_personal_data_is_redacted_over_exactly_its_span(sentence: str, value: str, kind: str) -> None:
    assert value in sentence
    assert redact_pii(sentence).text == sentence.replace(value, f"[{kind}_1]")


@pytest.mark.parametrize("sentence", LOOKALIKES)
def test_lookalikes_are_left_alone(sentence: str) -> None:
    assert find_pii(sentence) == []
    assert redact_pii(sentence).text == sentence


def test_the_issue_sentences_keep_everything_but_the_numbers() -> None:
    first = redact_pii("Please refund ORD-1042 to my account IBAN: PT50 0002 0123 1234 5678 9015 4 BIC: BCOMPTPL")
    second = redact_pii("or charge the card 4111 1111 1111 1111 12/27 cvc 123")
    assert first.text == "Please refund ORD-1042 to my account IBAN: [IBAN_1] BIC: BCOMPTPL"
    assert second.text == "or charge the card [CARD_1] 12/27 cvc 123"


def test_the_registry_has_the_official_length_of_every_sepa_country() -> None:
    assert {country: IBAN_LENGTHS.get(country) for country in SEPA_LENGTHS} == SEPA_LENGTHS


_ALPHABETS = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def _valid_iban(country: str, seed: int) -> str:
    """A valid IBAN for ``country`` built from the registry's structure (national check digits included)."""
    rng = random.Random(seed)
    structure = str(numdb.get("iban").info(country)[0][1]["bban"])  # SWIFT's notation, e.g. 4!a6!n8!n
    parts = [(int(count), _ALPHABETS[kind]) for count, kind in re.findall(r"(\d+)!([nac])", structure)]
    for _ in range(20_000):
        bban = "".join(rng.choice(alphabet) for count, alphabet in parts for _ in range(count))
        number = country + iban.calc_check_digits(country + "00" + bban) + bban
        if iban.is_valid(number):
            return number
    raise AssertionError(f"no valid IBAN found for {country}")


@pytest.mark.parametrize("country", sorted(SEPA_LENGTHS))
def test_an_iban_of_every_sepa_country_is_found_grouped_or_not(country: str) -> None:
    number = _valid_iban(country, seed=len(country) + ord(country[0]) * 31 + ord(country[1]))
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    for written in (number, grouped, number.lower()):
        sentence = f"IBAN: {written} BIC: BANKXXPP 1234"
        assert redact_pii(sentence).text == "IBAN: [IBAN_1] BIC: BANKXXPP 1234", written
    broken = number[:2] + f"{(int(number[2:4]) + 1) % 100:02d}" + number[4:]  # other check digits
    assert find_pii(f"IBAN {broken} thanks") == []
