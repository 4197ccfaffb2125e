"""Webhook signatures: WhatsApp's X-Hub-Signature-256 and Twilio's X-Twilio-Signature."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from relevo.channels import (
    twilio_signature,
    verify_twilio_signature,
    verify_whatsapp_signature,
    whatsapp_signature,
)

SECRET = "6f1c0f0e4a2b4c9d"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'

# Twilio's worked example ("Webhooks security" guide, and twilio-python's validation docs).
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
TWILIO_TOKEN = "12345"
TWILIO_EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_whatsapp_signature_is_hex_hmac_sha256_of_the_raw_body() -> None:
    expected = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert whatsapp_signature(BODY, SECRET) == expected
    assert verify_whatsapp_signature(BODY, expected, SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha1=" + hashlib.sha1(BODY).hexdigest(),
        whatsapp_signature(BODY, SECRET).removeprefix("sha256="),  # no prefix
        whatsapp_signature(BODY, "another-secret"),
        whatsapp_signature(BODY, SECRET)[:-1],  # one hex digit short
        "sha256=" + "é" * 64,  # non-ASCII must not raise
    ],
)
def test_whatsapp_signature_refuses_missing_malformed_and_wrong(header: str | None) -> None:
    assert not verify_whatsapp_signature(BODY, header, SECRET)


def test_whatsapp_signature_covers_every_byte_of_the_body() -> None:
    signature = whatsapp_signature(BODY, SECRET)
    assert not verify_whatsapp_signature(BODY + b" ", signature, SECRET)
    assert not verify_whatsapp_signature(BODY.replace(b"[]", b"[{}]"), signature, SECRET)


def test_whatsapp_signature_accepts_uppercase_hex() -> None:
    signature = whatsapp_signature(BODY, SECRET)
    assert verify_whatsapp_signature(BODY, "sha256=" + signature.removeprefix("sha256=").upper(), SECRET)


def test_twilio_signature_matches_twilios_documented_example() -> None:
    assert twilio_signature(TWILIO_URL, TWILIO_PARAMS, TWILIO_TOKEN) == TWILIO_EXPECTED
    assert verify_twilio_signature(TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED, TWILIO_TOKEN)


def test_twilio_signature_matches_twilios_older_published_example() -> None:
    # twilio-php's validation guide: the same request with Caller/From +14158675309.
    params = {**TWILIO_PARAMS, "Caller": "+14158675309", "From": "+14158675309"}
    assert twilio_signature(TWILIO_URL, params, TWILIO_TOKEN) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_signature_sorts_parameters_whatever_their_order() -> None:
    shuffled = list(reversed(list(TWILIO_PARAMS.items())))
    assert twilio_signature(TWILIO_URL, shuffled, TWILIO_TOKEN) == TWILIO_EXPECTED


@pytest.mark.parametrize(
    ("url", "params", "header", "token"),
    [
        (TWILIO_URL, {**TWILIO_PARAMS, "Digits": "9999"}, TWILIO_EXPECTED, TWILIO_TOKEN),
        (TWILIO_URL, {**TWILIO_PARAMS, "Extra": ""}, TWILIO_EXPECTED, TWILIO_TOKEN),
        ("https://mycompany.com/myapp.php?foo=1&bar=3", TWILIO_PARAMS, TWILIO_EXPECTED, TWILIO_TOKEN),
        ("http://mycompany.com/myapp.php?foo=1&bar=2", TWILIO_PARAMS, TWILIO_EXPECTED, TWILIO_TOKEN),
        (TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED, "54321"),
        (TWILIO_URL, TWILIO_PARAMS, None, TWILIO_TOKEN),
        (TWILIO_URL, TWILIO_PARAMS, "", TWILIO_TOKEN),
        (TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED[:-2], TWILIO_TOKEN),
    ],
)
def test_twilio_signature_refuses_tampering(url: str, params: dict[str, str], header: str | None, token: str) -> None:
    assert not verify_twilio_signature(url, params, header, token)


def test_twilio_signature_accepts_the_url_with_or_without_the_default_port() -> None:
    with_port = twilio_signature("https://mycompany.com:443/myapp.php?foo=1&bar=2", TWILIO_PARAMS, TWILIO_TOKEN)
    assert verify_twilio_signature(TWILIO_URL, TWILIO_PARAMS, with_port, TWILIO_TOKEN)
    assert verify_twilio_signature(
        "https://mycompany.com:443/myapp.php?foo=1&bar=2", TWILIO_PARAMS, TWILIO_EXPECTED, TWILIO_TOKEN
    )
    other_port = twilio_signature("https://mycompany.com:8443/myapp.php?foo=1&bar=2", TWILIO_PARAMS, TWILIO_TOKEN)
    assert not verify_twilio_signature(TWILIO_URL, TWILIO_PARAMS, other_port, TWILIO_TOKEN)


def test_both_verifications_compare_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    whatsapp = whatsapp_signature(BODY, SECRET)
    assert verify_whatsapp_signature(BODY, whatsapp, SECRET)
    assert not verify_whatsapp_signature(BODY, whatsapp_signature(BODY, "x"), SECRET)
    assert verify_twilio_signature(TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED, TWILIO_TOKEN)
    assert [given for _, given in compared[:2]] == [whatsapp.encode(), whatsapp_signature(BODY, "x").encode()]
    assert (TWILIO_EXPECTED.encode(), TWILIO_EXPECTED.encode()) in compared[2:]
