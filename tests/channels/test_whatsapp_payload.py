"""Parsing the Cloud API webhook payload: every message type becomes text, statuses map, bad items are skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from relevo import BadInputError
from relevo.channels import StatusUpdate, parse_whatsapp_payload

T0 = 1_718_000_000
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _body(*values: dict[str, Any], field: str = "messages") -> bytes:
    entry = [{"id": "102290129340398", "changes": [{"field": field, "value": value}]} for value in values]
    return json.dumps({"object": "whatsapp_business_account", "entry": entry}).encode()


def _message(kind: str, part: dict[str, Any] | list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"from": "351912345678", "id": f"wamid.{kind}", "timestamp": str(T0), "type": kind}
    if part is not None:
        message[kind] = part
    message.update(extra)
    return message


def _one(message: dict[str, Any]) -> str:
    delivery = parse_whatsapp_payload(_body({"messages": [message]}), clock=_clock)
    assert len(delivery.messages) == 1, delivery
    return delivery.messages[0].text


def test_a_text_message_becomes_an_inbound_with_the_wamid_sender_and_time() -> None:
    delivery = parse_whatsapp_payload(
        _body(
            {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550001234", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": "Maria Silva"}, "wa_id": "351912345678"}],
                "messages": [_message("text", {"body": "where is my order?"})],
            }
        ),
        clock=_clock,
    )
    [inbound] = delivery.messages
    assert inbound.channel == "whatsapp"
    assert inbound.message_id == "wamid.text"
    assert inbound.handle == "351912345678"
    assert inbound.text == "where is my order?"
    assert inbound.received_at == datetime.fromtimestamp(T0, UTC)
    assert inbound.customer_id is None
    assert delivery.names == {"351912345678": "Maria Silva"}
    assert delivery.statuses == [] and delivery.skipped == 0


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (
            _message("interactive", {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes, please"}}),
            "Yes, please",
        ),
        (
            _message(
                "interactive",
                {"type": "list_reply", "list_reply": {"id": "o2", "title": "Track my order", "description": "x"}},
            ),
            "Track my order",
        ),
        (
            _message("interactive", {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent"}}),
            "[form reply] Sent",
        ),
        (_message("button", {"text": "Talk to an agent", "payload": "AGENT"}), "Talk to an agent"),
        (
            _message("image", {"caption": "the box arrived like this", "mime_type": "image/jpeg", "id": "1"}),
            "[image] the box arrived like this",
        ),
        (_message("image", {"mime_type": "image/jpeg", "id": "1"}), "[image]"),
        (_message("audio", {"mime_type": "audio/ogg; codecs=opus", "id": "2", "voice": True}), "[voice message]"),
        (_message("audio", {"mime_type": "audio/mpeg", "id": "2"}), "[audio]"),
        (_message("video", {"mime_type": "video/mp4", "id": "3"}), "[video]"),
        (
            _message("document", {"filename": "invoice.pdf", "caption": "my invoice", "id": "4"}),
            "[document: invoice.pdf] my invoice",
        ),
        (_message("sticker", {"mime_type": "image/webp", "id": "5", "animated": False}), "[sticker]"),
        (
            _message(
                "location",
                {"latitude": 38.7103, "longitude": -9.1366, "name": "Lumen Store", "address": "Rua Augusta 1, Lisboa"},
            ),
            "[location: Lumen Store, Rua Augusta 1, Lisboa]",
        ),
        (_message("location", {"latitude": 38.7103, "longitude": -9.1366}), "[location: 38.71030, -9.13660]"),
        (
            _message("contacts", [{"name": {"formatted_name": "Ana Costa", "first_name": "Ana"}, "phones": []}]),
            "[contact card: Ana Costa]",
        ),
        (_message("reaction", {"message_id": "wamid.out", "emoji": "👍"}), "[reaction 👍]"),
        (_message("reaction", {"message_id": "wamid.out", "emoji": ""}), "[reaction removed]"),
        (
            _message("order", {"catalog_id": "c", "product_items": [{"quantity": 2}, {"quantity": 1}], "text": "gift"}),
            "[order: 3 items] gift",
        ),
        (
            _message("unsupported", None, errors=[{"code": 131051, "title": "Message type unknown"}]),
            "[unsupported message]",
        ),
        (_message("poll"), "[poll message]"),
        (_message("text", {"body": ""}), "[empty message]"),
    ],
)
def test_every_message_type_becomes_words(message: dict[str, Any], text: str) -> None:
    assert _one(message) == text


def test_statuses_map_to_delivery_statuses_with_their_time_and_error() -> None:
    statuses = [
        {"id": "wamid.a", "status": "sent", "timestamp": str(T0), "recipient_id": "351912345678"},
        {"id": "wamid.a", "status": "delivered", "timestamp": str(T0 + 1), "recipient_id": "351912345678"},
        {"id": "wamid.a", "status": "read", "timestamp": str(T0 + 2), "recipient_id": "351912345678"},
        {
            "id": "wamid.b",
            "status": "failed",
            "timestamp": str(T0 + 3),
            "recipient_id": "351912345678",
            "errors": [{"code": 131047, "title": "Re-engagement message"}],
        },
        {"id": "wamid.c", "status": "deleted", "timestamp": str(T0), "recipient_id": "351912345678"},
    ]
    delivery = parse_whatsapp_payload(_body({"statuses": statuses}), clock=_clock)
    at = [datetime.fromtimestamp(T0 + i, UTC) for i in range(4)]
    assert delivery.statuses == [
        StatusUpdate("wamid.a", "sent", at[0]),
        StatusUpdate("wamid.a", "delivered", at[1]),
        StatusUpdate("wamid.a", "read", at[2]),
        StatusUpdate("wamid.b", "failed", at[3], "131047: Re-engagement message"),
    ]
    assert delivery.skipped == 1  # "deleted" is not a status relevo tracks
    assert delivery.messages == []


def test_multiple_entries_and_changes_keep_payload_order() -> None:
    body = _body(
        {
            "messages": [
                _message("text", {"body": "one"}, id="wamid.1"),
                _message("text", {"body": "two"}, id="wamid.2"),
            ]
        },
        {
            "messages": [_message("text", {"body": "three"}, id="wamid.3", **{"from": "5511987654321"})],
            "statuses": [{"id": "wamid.out", "status": "delivered", "timestamp": str(T0)}],
        },
    )
    delivery = parse_whatsapp_payload(body, clock=_clock)
    assert [(m.message_id, m.handle, m.text) for m in delivery.messages] == [
        ("wamid.1", "351912345678", "one"),
        ("wamid.2", "351912345678", "two"),
        ("wamid.3", "5511987654321", "three"),
    ]
    assert [s.provider_message_id for s in delivery.statuses] == ["wamid.out"]


def test_a_malformed_item_is_skipped_without_costing_its_siblings() -> None:
    broken = {"from": "351912345678", "type": "text", "text": {"body": "no id"}}
    body = _body({"messages": [broken, _message("text", {"body": "fine"}), "not an object"]})
    delivery = parse_whatsapp_payload(body, clock=_clock)
    assert [m.text for m in delivery.messages] == ["fine"]
    assert delivery.skipped == 2


def test_a_missing_or_bad_timestamp_falls_back_to_the_clock() -> None:
    message = _message("text", {"body": "hi"}, timestamp="soon")
    delivery = parse_whatsapp_payload(_body({"messages": [message]}), clock=_clock)
    assert delivery.messages[0].received_at == NOW


def test_other_webhook_fields_and_objects_are_ignored() -> None:
    template_update = {"event": "APPROVED", "message_template_id": 1, "message_template_name": "human_reply"}
    assert parse_whatsapp_payload(_body(template_update, field="message_template_status_update")).messages == []
    page = json.dumps(
        {
            "object": "page",
            "entry": [{"changes": [{"field": "messages", "value": {"messages": [_message("text", {"body": "x"})]}}]}],
        }
    )
    assert parse_whatsapp_payload(page.encode()).messages == []


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "unexpected shape"),
        (b'{"object": "whatsapp_business_account", "entry": "nope"}', "unexpected shape: entry"),
    ],
)
def test_an_unparseable_body_is_bad_input(body: bytes, match: str) -> None:
    with pytest.raises(BadInputError, match=match):
        parse_whatsapp_payload(body)
