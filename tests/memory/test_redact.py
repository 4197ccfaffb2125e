"""PII redaction: every detector, with its check digits, and what it must leave alone."""

from __future__ import annotations

import pytest

from relevo.memory import find_pii, redact_pii


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to maria.silva@example.com", "EMAIL"),
        ("call +34 612 345 678", "PHONE"),
        ("call +55 11 91234-5678", "PHONE"),
        ("call 0044 20 7946 0958", "PHONE"),
        ("call (415) 555-0132", "PHONE"),
        ("card 4111 1111 1111 1111", "CARD"),
        ("card 5500-0000-0000-0004", "CARD"),
        ("IBAN ES91 2100 0418 4502 0005 1332", "IBAN"),
        ("IBAN GB82WEST12345698765432", "IBAN"),
        ("DNI 12345678Z", "ID_ES"),
        ("NIE X1234567L", "ID_ES"),
        ("NIF 123456789", "ID_PT"),
        ("CPF 529.982.247-25", "ID_BR"),
        ("CURP GODE561231HDFRRN00", "ID_MX"),
        ("CCCD 001099012345", "ID_VN"),
        ("SSN 123-45-6789", "ID_US"),
    ],
)
def test_personal_data_is_found(text: str, kind: str) -> None:
    assert [k for _, _, k in find_pii(text)] == [kind]
    assert redact_pii(text).text.endswith(f"[{kind}_1]")


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # fails Luhn
        "IBAN ES91 2100 0418 4502 0005 1333",  # fails mod-97
        "DNI 12345678A",  # wrong check letter
        "NIF 123456788",  # wrong check digit
        "CPF 529.982.247-26",  # wrong check digits
        "SSN 000-45-6789",  # never issued
        "order ORD-1042 costs €19.35, arriving 2026-03-02",
    ],
)
def test_lookalikes_are_left_alone(text: str) -> None:
    assert find_pii(text) == []
    assert redact_pii(text).text == text


def test_the_same_value_keeps_its_token() -> None:
    redacted = redact_pii("a@b.co, again a@b.co, and c@d.co")
    assert redacted.text == "[EMAIL_1], again [EMAIL_1], and [EMAIL_2]"
