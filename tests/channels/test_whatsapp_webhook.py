"""The WhatsApp webhook over real HTTP: uvicorn on loopback, signed requests in, a recording inbox behind it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from channel_harness import RecordingInbox, serving

from relevo import StorageError
from relevo.channels import WHATSAPP_WEBHOOK_PATH, WhatsAppSettings, whatsapp_router
from relevo.server._ports import Inbound
from relevo.testing import sign_whatsapp, whatsapp_status_payload, whatsapp_text_payload, whatsapp_webhook_request

SECRET = "app-secret-for-tests"
VERIFY = "verify-me-7781"
SETTINGS = WhatsAppSettings(app_secret=SECRET, verify_token=VERIFY)


@pytest.fixture
def inbox() -> RecordingInbox:
    return RecordingInbox()


@pytest.fixture
def url(inbox: RecordingInbox) -> Iterator[str]:
    with serving(whatsapp_router(SETTINGS, inbox.accept, inbox.on_status)) as base:
        yield base + WHATSAPP_WEBHOOK_PATH


def test_the_verification_challenge_is_echoed_for_the_right_token(url: str) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    response = httpx.get(url, params=params)
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_the_verification_challenge_is_refused_otherwise(url: str, params: dict[str, str]) -> None:
    response = httpx.get(url, params=params)
    assert response.status_code == 403
    assert "1" not in response.text


def test_a_signed_delivery_is_queued_and_acknowledged(url: str, inbox: RecordingInbox) -> None:
    at = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    payload = whatsapp_text_payload(
        "351912345678", "my headphones haven't arrived", message_id="wamid.A1", timestamp=at
    )
    body, headers = whatsapp_webhook_request(payload, SECRET)
    response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "duplicates": 0, "statuses": 0, "stale_statuses": 0, "skipped": 0}
    assert inbox.accepted == [
        Inbound(
            channel="whatsapp",
            message_id="wamid.A1",
            handle="351912345678",
            text="my headphones haven't arrived",
            received_at=at,
        )
    ]


def test_a_redelivery_is_acknowledged_and_reported_as_a_duplicate(url: str, inbox: RecordingInbox) -> None:
    body, headers = whatsapp_webhook_request(whatsapp_text_payload("351912345678", "hi", message_id="wamid.D"), SECRET)
    first = httpx.post(url, content=body, headers=headers)
    second = httpx.post(url, content=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["accepted"] == 1
    assert second.json()["accepted"] == 0 and second.json()["duplicates"] == 1
    assert len(inbox.calls) == 2 and len(inbox.accepted) == 1


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({"Content-Type": "application/json"}, "missing X-Hub-Signature-256"),
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, "invalid X-Hub-Signature-256"),
        ({"X-Hub-Signature-256": "md5=abc"}, "invalid X-Hub-Signature-256"),
    ],
)
def test_unsigned_or_wrongly_signed_deliveries_are_refused(
    url: str, inbox: RecordingInbox, headers: dict[str, str], detail: str
) -> None:
    body = json.dumps(whatsapp_text_payload("351912345678", "forged")).encode()
    response = httpx.post(url, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert inbox.calls == []


def test_a_body_changed_after_signing_is_refused(url: str, inbox: RecordingInbox) -> None:
    body, headers = whatsapp_webhook_request(whatsapp_text_payload("351912345678", "refund 10"), SECRET)
    tampered = body.replace(b"refund 10", b"refund 99")
    assert httpx.post(url, content=tampered, headers=headers).status_code == 401
    # re-serialised JSON with the same meaning is different bytes: the signature covers the raw body
    reformatted = json.dumps(json.loads(body), indent=2).encode()
    assert httpx.post(url, content=reformatted, headers=headers).status_code == 401
    assert inbox.calls == []


def test_a_signed_but_unparseable_body_is_a_400(url: str, inbox: RecordingInbox) -> None:
    body = b"{not json"
    response = httpx.post(url, content=body, headers={"X-Hub-Signature-256": sign_whatsapp(body, SECRET)})
    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]
    assert inbox.calls == []


def test_statuses_are_forwarded_and_never_move_backwards(url: str, inbox: RecordingInbox) -> None:
    results: list[dict[str, int]] = []
    for status in ("sent", "read", "delivered"):  # "delivered" arrives late, after "read"
        payload = whatsapp_status_payload("wamid.OUT", status, recipient="351912345678")
        body, headers = whatsapp_webhook_request(payload, SECRET)
        response = httpx.post(url, content=body, headers=headers)
        assert response.status_code == 200
        results.append(response.json())
    assert [call[:2] for call in inbox.status_calls] == [
        ("wamid.OUT", "sent"),
        ("wamid.OUT", "read"),
        ("wamid.OUT", "delivered"),
    ]
    assert [(r["statuses"], r["stale_statuses"]) for r in results] == [(1, 0), (1, 0), (0, 1)]
    assert inbox.statuses["wamid.OUT"] == "read"


def test_a_storage_failure_answers_503_so_meta_retries() -> None:
    def broken(message: Inbound) -> bool:
        raise StorageError("database is locked")

    recorder = RecordingInbox()
    with serving(whatsapp_router(SETTINGS, broken, recorder.on_status)) as base:
        body, headers = whatsapp_webhook_request(whatsapp_text_payload("351912345678", "hi"), SECRET)
        response = httpx.post(base + WHATSAPP_WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 503
    assert "retry" in response.json()["detail"]


def test_an_unconfigured_channel_answers_503_naming_what_to_set(inbox: RecordingInbox) -> None:
    with serving(whatsapp_router(WhatsAppSettings(), inbox.accept, inbox.on_status)) as base:
        body, headers = whatsapp_webhook_request(whatsapp_text_payload("351912345678", "hi"), "")
        post = httpx.post(base + WHATSAPP_WEBHOOK_PATH, content=body, headers=headers)
        get = httpx.get(base + WHATSAPP_WEBHOOK_PATH, params={"hub.mode": "subscribe", "hub.verify_token": ""})
    assert post.status_code == 503
    assert post.json()["detail"] == "the WhatsApp channel is not configured: set RELEVO_WHATSAPP_APP_SECRET"
    assert get.status_code == 503
    assert "RELEVO_WHATSAPP_VERIFY_TOKEN" in get.json()["detail"]
    assert inbox.calls == []


def test_logs_carry_no_secret_and_no_phone_number(
    url: str, inbox: RecordingInbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    body, headers = whatsapp_webhook_request(whatsapp_text_payload("351912345678", "hello"), SECRET)
    httpx.post(url, content=body, headers=headers)
    httpx.post(url, content=body, headers=headers)  # duplicate
    httpx.post(url, content=body, headers={"X-Hub-Signature-256": sign_whatsapp(body, "wrong")})
    failed = whatsapp_status_payload("wamid.F", "failed", recipient="351912345678")
    body, headers = whatsapp_webhook_request(failed, SECRET)
    httpx.post(url, content=body, headers=headers)
    httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    relevo_lines = [r.getMessage() for r in caplog.records if r.name.startswith("relevo")]
    assert any("duplicate" in line or "redelivered" in line for line in relevo_lines)
    assert any("wamid.F failed" in line for line in relevo_lines)
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (SECRET, VERIFY, "351912345678", "hello"):
        assert secret not in everything
