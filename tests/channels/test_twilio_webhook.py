"""Twilio webhooks over real HTTP, and the parsing of Twilio's form fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import pytest
from channel_harness import RecordingInbox, serving

from relevo import BadInputError
from relevo.channels import (
    TWILIO_MESSAGES_PATH,
    TWILIO_STATUS_PATH,
    StatusUpdate,
    TwilioSettings,
    parse_twilio_message,
    parse_twilio_status,
    twilio_router,
)
from relevo.testing import twilio_message_params, twilio_signature, twilio_status_params, twilio_webhook_request

TOKEN = "twilio-auth-token-for-tests"
NOW = datetime(2030, 5, 1, 9, 30, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


@pytest.fixture
def inbox() -> RecordingInbox:
    return RecordingInbox()


@pytest.fixture
def base(inbox: RecordingInbox) -> Iterator[str]:
    settings = TwilioSettings(auth_token=TOKEN)
    with serving(twilio_router(settings, inbox.accept, inbox.on_status, clock=_clock)) as url:
        yield url


def test_a_signed_sms_is_queued_and_answered_with_empty_twiml(base: str, inbox: RecordingInbox) -> None:
    url = base + TWILIO_MESSAGES_PATH
    params = twilio_message_params("+15551230001", "Is my order shipped?", message_sid="SM" + "a" * 32)
    body, headers = twilio_webhook_request(url, params, TOKEN)
    response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    [inbound] = inbox.accepted
    assert (inbound.channel, inbound.message_id, inbound.handle, inbound.text, inbound.received_at) == (
        "sms",
        "SM" + "a" * 32,
        "+15551230001",
        "Is my order shipped?",
        NOW,
    )


def test_whatsapp_through_twilio_keeps_the_prefix_in_the_handle(base: str, inbox: RecordingInbox) -> None:
    url = base + TWILIO_MESSAGES_PATH
    body, headers = twilio_webhook_request(url, twilio_message_params("whatsapp:+351912345678", "olá"), TOKEN)
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    [inbound] = inbox.accepted
    assert (inbound.channel, inbound.handle, inbound.text) == ("whatsapp", "whatsapp:+351912345678", "olá")


def test_a_redelivered_message_is_acknowledged_and_reported(base: str, inbox: RecordingInbox) -> None:
    url = base + TWILIO_MESSAGES_PATH
    body, headers = twilio_webhook_request(url, twilio_message_params("+15551230001", "hi"), TOKEN)
    first = httpx.post(url, content=body, headers=headers)
    second = httpx.post(url, content=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert (first.headers["x-relevo-duplicate"], second.headers["x-relevo-duplicate"]) == ("0", "1")
    assert len(inbox.calls) == 2 and len(inbox.accepted) == 1


@pytest.mark.parametrize("path", [TWILIO_MESSAGES_PATH, TWILIO_STATUS_PATH])
def test_unsigned_and_wrongly_signed_webhooks_are_refused(base: str, inbox: RecordingInbox, path: str) -> None:
    url = base + path
    params = twilio_message_params("+15551230001", "hi") | {"MessageStatus": "delivered"}
    body = urlencode(params).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    unsigned = httpx.post(url, content=body, headers=form)
    wrong_token = httpx.post(
        url, content=body, headers=form | {"X-Twilio-Signature": twilio_signature(url, params, "x")}
    )
    other_url = twilio_signature(base + "/elsewhere", params, TOKEN)
    wrong_url = httpx.post(url, content=body, headers=form | {"X-Twilio-Signature": other_url})
    _, headers = twilio_webhook_request(url, params, TOKEN)
    tampered = httpx.post(url, content=body.replace(b"Body=hi", b"Body=ho"), headers=headers)
    assert [r.status_code for r in (unsigned, wrong_token, wrong_url, tampered)] == [401, 401, 401, 401]
    assert unsigned.json() == {"detail": "missing X-Twilio-Signature"}
    assert wrong_token.json() == {"detail": "invalid X-Twilio-Signature"}
    assert inbox.calls == [] and inbox.status_calls == []


def test_the_signature_is_checked_against_the_configured_public_url(inbox: RecordingInbox) -> None:
    public = "https://relevo.example.com/support"
    settings = TwilioSettings(auth_token=TOKEN, public_base_url=public + "/")
    with serving(twilio_router(settings, inbox.accept, inbox.on_status)) as base:
        url = base + TWILIO_MESSAGES_PATH + "?tenant=lumen"
        params = twilio_message_params("+15551230001", "behind a proxy")
        signed_for_public, headers = twilio_webhook_request(
            public + TWILIO_MESSAGES_PATH + "?tenant=lumen", params, TOKEN
        )
        accepted = httpx.post(url, content=signed_for_public, headers=headers)
        _, local_headers = twilio_webhook_request(url, params, TOKEN)
        refused = httpx.post(url, content=signed_for_public, headers=local_headers)
    assert accepted.status_code == 200
    assert refused.status_code == 401
    assert [m.text for m in inbox.accepted] == ["behind a proxy"]


def test_status_callbacks_are_forwarded_and_never_move_backwards(base: str, inbox: RecordingInbox) -> None:
    url = base + TWILIO_STATUS_PATH
    advanced: list[str] = []
    for status in ("queued", "sent", "delivered", "sent", "receiving"):
        body, headers = twilio_webhook_request(url, twilio_status_params("SM" + "b" * 32, status), TOKEN)
        response = httpx.post(url, content=body, headers=headers)
        assert response.status_code == 204
        advanced.append(response.headers.get("x-relevo-status-advanced", "ignored"))
    assert advanced == ["1", "1", "1", "0", "ignored"]
    assert [c[1] for c in inbox.status_calls] == ["queued", "sent", "delivered", "sent"]
    assert all(c[2] == NOW for c in inbox.status_calls)
    assert inbox.statuses["SM" + "b" * 32] == "delivered"


def test_a_signed_form_without_message_sid_is_a_400(base: str, inbox: RecordingInbox) -> None:
    url = base + TWILIO_MESSAGES_PATH
    body, headers = twilio_webhook_request(url, {"From": "+15551230001", "Body": "hi"}, TOKEN)
    response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["detail"] == "Twilio message webhook without MessageSid"


def test_an_unconfigured_channel_answers_503(inbox: RecordingInbox) -> None:
    with serving(twilio_router(TwilioSettings(), inbox.accept, inbox.on_status)) as base:
        url = base + TWILIO_MESSAGES_PATH
        body, headers = twilio_webhook_request(url, twilio_message_params("+15551230001", "hi"), "")
        response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 503
    assert response.json()["detail"] == "the Twilio channel is not configured: set RELEVO_TWILIO_AUTH_TOKEN"
    assert inbox.calls == []


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        ({"NumMedia": "1", "MediaContentType0": "image/jpeg", "Body": "broken box"}, "[image] broken box"),
        (
            {"NumMedia": "2", "MediaContentType0": "audio/ogg", "MediaContentType1": "application/pdf", "Body": ""},
            "[audio] [file]",
        ),
        ({"NumMedia": "1", "MediaContentType0": "text/vcard", "Body": ""}, "[contact card]"),
        ({"NumMedia": "1", "MediaContentType0": "video/mp4", "Body": ""}, "[video]"),
        (
            {"Latitude": "38.71", "Longitude": "-9.13", "Address": "Rua Augusta 1", "Body": ""},
            "[location: Rua Augusta 1]",
        ),
        ({"Latitude": "38.71", "Longitude": "-9.13", "Body": ""}, "[location: 38.71, -9.13]"),
        ({"Body": "", "ButtonText": "Talk to an agent"}, "Talk to an agent"),
        ({"Body": "  "}, "[empty message]"),
        ({"NumMedia": "many", "Body": "x"}, "x"),
    ],
)
def test_media_and_locations_become_placeholders(extra: dict[str, str], text: str) -> None:
    params = twilio_message_params("whatsapp:+351912345678", "ignored") | extra
    assert parse_twilio_message(params, received_at=NOW).text == text


def test_parse_twilio_status_maps_twilio_statuses() -> None:
    mapped = {
        raw: (update.status if (update := parse_twilio_status(twilio_status_params("SMx", raw), at=NOW)) else None)
        for raw in ("accepted", "queued", "sending", "sent", "delivered", "read", "undelivered", "failed", "received")
    }
    assert mapped == {
        "accepted": "queued",
        "queued": "queued",
        "sending": "queued",
        "sent": "sent",
        "delivered": "delivered",
        "read": "read",
        "undelivered": "failed",
        "failed": "failed",
        "received": None,
    }
    assert parse_twilio_status(twilio_status_params("SMx", "failed"), at=NOW) == StatusUpdate(
        "SMx", "failed", NOW, "Twilio error 30003"
    )
    with pytest.raises(BadInputError, match="without MessageSid or MessageStatus"):
        parse_twilio_status({"MessageSid": "SMx"}, at=NOW)
