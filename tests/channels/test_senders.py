"""Outbound replies against loopback stand-ins for the Graph API and Twilio REST, which record what was sent."""

from __future__ import annotations

import base64
import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from relevo import ConfigurationError
from relevo.channels import (
    ChannelRejectedError,
    ChannelUnavailableError,
    TwilioSender,
    TwilioSettings,
    WhatsAppCloudSender,
    WhatsAppSettings,
    in_service_window,
)
from relevo.testing import FakeGraphAPI, FakeTwilioAPI, fake_graph_api, fake_twilio_api

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
RECENT = NOW - timedelta(hours=23, minutes=59)
STALE = NOW - timedelta(hours=24)
CUSTOMER = "351912345678"


def _clock() -> datetime:
    return NOW


@pytest.fixture
def graph() -> Iterator[FakeGraphAPI]:
    with fake_graph_api(access_token="EAAG-test-token", phone_number_id="106540352242922") as fake:
        yield fake


def _whatsapp(graph: FakeGraphAPI, **overrides: object) -> WhatsAppCloudSender:
    settings = WhatsAppSettings.model_validate(
        {
            "access_token": "EAAG-test-token",
            "phone_number_id": "106540352242922",
            "graph_base_url": graph.base_url,
            "template_name": "agent_reply",
            "template_language": "pt_PT",
        }
        | overrides
    )
    return WhatsAppCloudSender(settings, clock=_clock)


def test_the_window_is_24_hours_from_the_customers_last_message() -> None:
    assert in_service_window(RECENT, NOW)
    assert not in_service_window(STALE, NOW)
    assert not in_service_window(None, NOW)


def test_a_reply_inside_the_window_is_a_text_message(graph: FakeGraphAPI) -> None:
    with _whatsapp(graph) as sender:
        wamid = sender.send(CUSTOMER, "Your order ships today.", from_human=False, last_customer_at=RECENT)
    [request] = graph.requests
    assert request.path == "/v23.0/106540352242922/messages"
    assert request.headers["authorization"] == "Bearer EAAG-test-token"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"preview_url": False, "body": "Your order ships today."},
    }
    assert wamid == graph.sent_ids[0] and wamid.startswith("wamid.")


def test_a_human_reply_outside_the_window_goes_out_as_the_template(graph: FakeGraphAPI) -> None:
    with _whatsapp(graph) as sender:
        wamid = sender.send(CUSTOMER, "Hi Maria,\n\nthe refund is done.\tAna", from_human=True, last_customer_at=STALE)
    [body] = graph.messages
    assert body["type"] == "template"
    assert body["to"] == CUSTOMER
    assert body["template"] == {
        "name": "agent_reply",
        "language": {"code": "pt_PT"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Hi Maria, the refund is done. Ana"}]}],
    }
    assert wamid == graph.sent_ids[0]


def test_a_reply_to_a_customer_who_never_wrote_is_a_template(graph: FakeGraphAPI) -> None:
    with _whatsapp(graph) as sender:
        sender.send(CUSTOMER, "Following up on your case", from_human=True, last_customer_at=None)
    assert graph.messages[0]["type"] == "template"


def test_outside_the_window_without_a_template_nothing_is_sent(graph: FakeGraphAPI) -> None:
    with (
        _whatsapp(graph, template_name="") as sender,
        pytest.raises(ChannelRejectedError, match=r"window is closed.*RELEVO_WHATSAPP_TEMPLATE_NAME") as caught,
    ):
        sender.send(CUSTOMER, "late reply", from_human=True, last_customer_at=STALE)
    assert caught.value.code == "window_closed" and not caught.value.retryable
    assert graph.requests == []


@pytest.mark.parametrize(
    ("status", "code", "message", "error", "match"),
    [
        (
            400,
            131047,
            "(#131047) Re-engagement message",
            ChannelRejectedError,
            r"HTTP 400, code 131047: \(#131047\) Re-engagement",
        ),
        (400, 100, "(#100) Invalid parameter", ChannelRejectedError, "HTTP 400, code 100"),
        (429, 130429, "Rate limit hit", ChannelUnavailableError, "HTTP 429, code 130429: Rate limit hit"),
        (500, 131000, "Something went wrong", ChannelUnavailableError, "HTTP 500, code 131000"),
        (503, 2, "Service temporarily unavailable", ChannelUnavailableError, "HTTP 503"),
    ],
)
def test_graph_errors_are_classified(
    graph: FakeGraphAPI, status: int, code: int, message: str, error: type[Exception], match: str
) -> None:
    graph.fail_next(status, code=code, message=message)
    with _whatsapp(graph) as sender, pytest.raises(error, match=match) as caught:
        sender.send(CUSTOMER, "hello", from_human=False, last_customer_at=RECENT)
    assert isinstance(caught.value, ChannelRejectedError | ChannelUnavailableError)
    assert caught.value.status == status and caught.value.code == str(code)
    assert caught.value.retryable is (error is ChannelUnavailableError)
    assert len(graph.requests) == 1  # never retried behind the caller's back


def test_a_wrong_token_is_rejected_with_a_hint(graph: FakeGraphAPI) -> None:
    with (
        _whatsapp(graph, access_token="expired") as sender,
        pytest.raises(
            ChannelRejectedError, match=r"HTTP 401, code 190: Invalid OAuth.*check RELEVO_WHATSAPP_ACCESS_TOKEN"
        ) as caught,
    ):
        sender.send(CUSTOMER, "hello", from_human=False, last_customer_at=RECENT)
    assert "expired" not in str(caught.value)


def test_a_wrong_phone_number_id_is_rejected_with_a_hint(graph: FakeGraphAPI) -> None:
    with (
        _whatsapp(graph, phone_number_id="999") as sender,
        pytest.raises(ChannelRejectedError, match=r"HTTP 404.*check RELEVO_WHATSAPP_PHONE_NUMBER_ID"),
    ):
        sender.send(CUSTOMER, "hello", from_human=False, last_customer_at=RECENT)


def test_a_timeout_and_an_unreachable_provider_are_unavailable(graph: FakeGraphAPI) -> None:
    graph.hang_next()
    with (
        _whatsapp(graph, timeout_s=0.3) as sender,
        pytest.raises(ChannelUnavailableError, match="did not answer in time"),
    ):
        sender.send(CUSTOMER, "hello", from_human=False, last_customer_at=RECENT)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with (
        _whatsapp(graph, graph_base_url=dead) as sender,
        pytest.raises(ChannelUnavailableError, match="could not be reached"),
    ):
        sender.send(CUSTOMER, "hello", from_human=False, last_customer_at=RECENT)


def test_an_empty_reply_is_refused_before_sending(graph: FakeGraphAPI) -> None:
    with _whatsapp(graph) as sender, pytest.raises(ChannelRejectedError, match="empty message"):
        sender.send(CUSTOMER, "  \n", from_human=True, last_customer_at=RECENT)
    assert graph.requests == []


def test_a_sender_needs_its_credentials() -> None:
    with pytest.raises(ConfigurationError, match="RELEVO_WHATSAPP_ACCESS_TOKEN, RELEVO_WHATSAPP_PHONE_NUMBER_ID"):
        WhatsAppCloudSender(WhatsAppSettings())
    with pytest.raises(ConfigurationError, match="RELEVO_TWILIO_AUTH_TOKEN, RELEVO_TWILIO_ACCOUNT_SID"):
        TwilioSender(TwilioSettings(from_number="+15005550006"))


# -- Twilio -------------------------------------------------------------------------------------------------------

SID = "AC" + "1234567890abcdef" * 2


@pytest.fixture
def twilio() -> Iterator[FakeTwilioAPI]:
    with fake_twilio_api(account_sid=SID, auth_token="twilio-token") as fake:
        yield fake


def _twilio(twilio: FakeTwilioAPI, **overrides: object) -> TwilioSender:
    settings = TwilioSettings.model_validate(
        {
            "account_sid": SID,
            "auth_token": "twilio-token",
            "from_number": "+15005550006",
            "api_base_url": twilio.base_url,
            "public_base_url": "https://relevo.example.com",
        }
        | overrides
    )
    return TwilioSender(settings, clock=_clock)


def test_an_sms_reply_goes_through_the_messages_resource(twilio: FakeTwilioAPI) -> None:
    with _twilio(twilio) as sender:
        sid = sender.send("+15551230001", "Your refund is on its way.", from_human=True, last_customer_at=None)
    [request] = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(f"{SID}:twilio-token".encode()).decode()
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form() == {
        "To": "+15551230001",
        "From": "+15005550006",
        "Body": "Your refund is on its way.",
        "StatusCallback": "https://relevo.example.com/webhooks/twilio/status",
    }
    assert sid == twilio.sent_ids[0] and sid.startswith("SM")


def test_a_whatsapp_reply_through_twilio_goes_from_the_whatsapp_sender(twilio: FakeTwilioAPI) -> None:
    with _twilio(twilio, public_base_url="") as sender:
        sender.send("whatsapp:+351912345678", "Olá!", from_human=False, last_customer_at=RECENT)
    assert twilio.messages == [{"To": "whatsapp:+351912345678", "From": "whatsapp:+15005550006", "Body": "Olá!"}]


def test_a_whatsapp_reply_through_twilio_outside_the_window_uses_the_content_template(twilio: FakeTwilioAPI) -> None:
    with _twilio(twilio, whatsapp_content_sid="HX" + "f" * 32, whatsapp_from="+14155238886") as sender:
        sender.send("whatsapp:+351912345678", "Line one\nline two", from_human=True, last_customer_at=STALE)
    [form] = twilio.messages
    assert form["From"] == "whatsapp:+14155238886"
    assert form["ContentSid"] == "HX" + "f" * 32
    assert json.loads(form["ContentVariables"]) == {"1": "Line one\nline two"}
    assert "Body" not in form


def test_a_whatsapp_reply_through_twilio_outside_the_window_without_template_is_refused(twilio: FakeTwilioAPI) -> None:
    with _twilio(twilio) as sender, pytest.raises(ChannelRejectedError, match="RELEVO_TWILIO_WHATSAPP_CONTENT_SID"):
        sender.send("whatsapp:+351912345678", "late", from_human=True, last_customer_at=STALE)
    assert twilio.requests == []


def test_sms_has_no_window(twilio: FakeTwilioAPI) -> None:
    with _twilio(twilio) as sender:
        sender.send("+15551230001", "a week later", from_human=True, last_customer_at=NOW - timedelta(days=7))
    assert twilio.messages[0]["Body"] == "a week later"


def test_a_messaging_service_replaces_the_from_number(twilio: FakeTwilioAPI) -> None:
    with _twilio(twilio, from_number="MG" + "2" * 32, public_base_url="") as sender:
        sender.send("+15551230001", "hi", from_human=False, last_customer_at=None)
        sender.send("whatsapp:+351912345678", "hi", from_human=False, last_customer_at=RECENT)
    assert [m.get("MessagingServiceSid") for m in twilio.messages] == ["MG" + "2" * 32] * 2
    assert all("From" not in m for m in twilio.messages)


@pytest.mark.parametrize(
    ("status", "code", "message", "error", "match"),
    [
        (
            400,
            21211,
            "The 'To' number +15005550001 is not a valid phone number.",
            ChannelRejectedError,
            r"HTTP 400, code 21211: The 'To' number \[number\] is not a valid",
        ),
        (429, 20429, "Too Many Requests", ChannelUnavailableError, "HTTP 429"),
        (500, 20500, "Internal Server Error", ChannelUnavailableError, "HTTP 500, code 20500"),
    ],
)
def test_twilio_errors_are_classified_and_numbers_redacted(
    twilio: FakeTwilioAPI, status: int, code: int, message: str, error: type[Exception], match: str
) -> None:
    twilio.fail_next(status, code=code, message=message)
    with _twilio(twilio) as sender, pytest.raises(error, match=match) as caught:
        sender.send("+15551230001", "hello", from_human=False, last_customer_at=None)
    assert "+15005550001" not in str(caught.value)
    assert len(twilio.requests) == 1


def test_wrong_twilio_credentials_are_rejected_with_a_hint(twilio: FakeTwilioAPI) -> None:
    with (
        _twilio(twilio, auth_token="stale-token") as sender,
        pytest.raises(
            ChannelRejectedError, match=r"HTTP 401, code 20003: Authenticate.*check RELEVO_TWILIO_ACCOUNT_SID"
        ) as caught,
    ):
        sender.send("+15551230001", "hello", from_human=False, last_customer_at=None)
    assert "stale-token" not in str(caught.value)


def test_sending_logs_no_token_number_or_text(
    graph: FakeGraphAPI, twilio: FakeTwilioAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with _whatsapp(graph) as whatsapp, _twilio(twilio) as sms:
        whatsapp.send(CUSTOMER, "secret plan", from_human=True, last_customer_at=RECENT)
        sms.send("+15551230001", "secret plan", from_human=True, last_customer_at=None)
        twilio.fail_next(400, code=21211, message="The 'To' number +15551230001 is not a valid phone number.")
        with pytest.raises(ChannelRejectedError):
            sms.send("+15551230001", "secret plan", from_human=True, last_customer_at=None)
    lines = "\n".join(r.getMessage() for r in caplog.records)
    assert graph.sent_ids[0] in lines and twilio.sent_ids[0] in lines
    for private in ("EAAG-test-token", "twilio-token", CUSTOMER, "+15551230001", "secret plan"):
        assert private not in lines
