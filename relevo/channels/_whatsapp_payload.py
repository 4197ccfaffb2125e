"""The WhatsApp Cloud API webhook payload, parsed into relevo's inbound messages and status updates.

Shape (``object: whatsapp_business_account``)::

    entry[].changes[] (field "messages") .value:
        metadata {phone_number_id, display_phone_number}
        contacts[] {wa_id, profile.name}
        messages[] {id (wamid), from, timestamp, type, <type>: {...}}
        statuses[] {id (wamid), status, timestamp, recipient_id, errors[]}

Every message type becomes text, so nothing a customer sent is lost: text as written, a button or list choice as
its title, anything else as a bracketed placeholder with what can be said in words (``[image] caption``,
``[location: Rua Augusta, Lisboa]``). A malformed item is skipped and counted; it never fails its siblings.

The body is parsed by pydantic-core's parser (no NaN, at most 200 levels of nesting, valid UTF-8): anything else
is refused whole (400), which Meta never sends. An unpaired surrogate escape (``"\ud800"``, half an emoji cut by
a client) is not refused: refusing would make Meta retry the whole delivery for days and hold back the other
messages in it, so it becomes U+FFFD and the message is queued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError
from pydantic_core import from_json

from relevo._errors import BadInputError
from relevo._json_escapes import replace_lone_surrogate_escapes
from relevo.channels._delivery import Clock, StatusUpdate, make_inbound, utc_now

if TYPE_CHECKING:
    from relevo.server._ports import DeliveryStatus, Inbound

__all__ = ["WhatsAppDelivery", "parse_whatsapp_payload"]

_log = logging.getLogger("relevo.channels.whatsapp")

_STATUSES: dict[str, DeliveryStatus] = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class _Text(_Part):
    body: str = ""


class _Choice(_Part):
    id: str = ""
    title: str = ""
    description: str = ""


class _FlowReply(_Part):
    name: str = ""
    body: str = ""


class _Interactive(_Part):
    type: str = ""
    button_reply: _Choice | None = None
    list_reply: _Choice | None = None
    nfm_reply: _FlowReply | None = None


class _Button(_Part):
    text: str = ""
    payload: str = ""


class _Media(_Part):
    caption: str = ""
    filename: str = ""
    mime_type: str = ""
    voice: bool = False


class _Location(_Part):
    latitude: float | None = None
    longitude: float | None = None
    name: str = ""
    address: str = ""


class _PersonName(_Part):
    formatted_name: str = ""


class _ContactCard(_Part):
    name: _PersonName = _PersonName()


class _Reaction(_Part):
    message_id: str = ""
    emoji: str = ""


class _OrderItem(_Part):
    quantity: int = 1


class _Order(_Part):
    product_items: list[_OrderItem] = Field(default_factory=list[_OrderItem])
    text: str = ""


class _System(_Part):
    body: str = ""


class _Message(_Part):
    id: str = Field(min_length=1)
    sender: str = Field(alias="from", min_length=1)
    timestamp: str = ""
    type: str = "unknown"
    text: _Text | None = None
    interactive: _Interactive | None = None
    button: _Button | None = None
    image: _Media | None = None
    video: _Media | None = None
    audio: _Media | None = None
    document: _Media | None = None
    sticker: _Media | None = None
    location: _Location | None = None
    contacts: list[_ContactCard] = Field(default_factory=list[_ContactCard])
    reaction: _Reaction | None = None
    order: _Order | None = None
    system: _System | None = None


class _StatusError(_Part):
    code: int | None = None
    title: str = ""


class _Status(_Part):
    id: str = Field(min_length=1)
    status: str
    timestamp: str = ""
    errors: list[_StatusError] = Field(default_factory=list[_StatusError])


class _Profile(_Part):
    name: str = ""


class _Contact(_Part):
    wa_id: str = ""
    profile: _Profile = _Profile()


class _Value(_Part):
    contacts: list[_Contact] = Field(default_factory=list[_Contact])
    # Items are validated one by one, so one malformed item cannot cost its siblings.
    messages: list[JsonValue] = Field(default_factory=list[JsonValue])
    statuses: list[JsonValue] = Field(default_factory=list[JsonValue])


class _Change(_Part):
    field: str = ""
    value: _Value = _Value()


class _Entry(_Part):
    id: str = ""
    changes: list[_Change] = Field(default_factory=list[_Change])


class _Payload(_Part):
    object: str = ""
    entry: list[_Entry] = Field(default_factory=list[_Entry])


@dataclass
class WhatsAppDelivery:
    """One webhook POST, parsed."""

    messages: list[Inbound] = field(default_factory=list["Inbound"])
    """Customer messages, in payload order."""
    statuses: list[StatusUpdate] = field(default_factory=list[StatusUpdate])
    names: dict[str, str] = field(default_factory=dict[str, str])
    """Profile names by WhatsApp id, from ``contacts[]``."""
    skipped: int = 0
    """Malformed items and statuses relevo does not track (logged without their content)."""


def parse_whatsapp_payload(body: bytes, *, clock: Clock = utc_now) -> WhatsAppDelivery:
    """Parse a Cloud API webhook body (already signature-checked).

    Raises:
        BadInputError: the body is not JSON (or nests deeper than 200 levels, or has NaN), or not a JSON object of
            the webhook's shape.
    """
    try:
        raw = from_json(replace_lone_surrogate_escapes(body), allow_inf_nan=False)
    except ValueError as exc:
        raise BadInputError(f"WhatsApp webhook body is not JSON ({exc})") from None
    try:
        payload = _Payload.model_validate(raw)
    except ValidationError as exc:
        raise BadInputError(f"WhatsApp webhook body has an unexpected shape: {_locations(exc)}") from exc
    delivery = WhatsAppDelivery()
    if payload.object and payload.object != "whatsapp_business_account":
        _log.info("ignored a webhook for object %r", payload.object)
        return delivery
    for entry in payload.entry:
        for change in entry.changes:
            if change.field != "messages":
                continue
            value = change.value
            for contact in value.contacts:
                if contact.wa_id and contact.profile.name:
                    delivery.names[contact.wa_id] = contact.profile.name
            for item in value.messages:
                inbound = _parse_message(item, clock)
                if inbound is None:
                    delivery.skipped += 1
                else:
                    delivery.messages.append(inbound)
            for item in value.statuses:
                update = _parse_status(item, clock)
                if update is None:
                    delivery.skipped += 1
                else:
                    delivery.statuses.append(update)
    return delivery


def _parse_message(item: JsonValue, clock: Clock) -> Inbound | None:
    try:
        message = _Message.model_validate(item)
    except ValidationError as exc:
        _log.warning("skipped a malformed WhatsApp message (%s)", _locations(exc))
        return None
    return make_inbound(
        "whatsapp", message.id, message.sender, _message_text(message), _timestamp(message.timestamp, clock)
    )


def _parse_status(item: JsonValue, clock: Clock) -> StatusUpdate | None:
    try:
        status = _Status.model_validate(item)
    except ValidationError as exc:
        _log.warning("skipped a malformed WhatsApp status (%s)", _locations(exc))
        return None
    mapped = _STATUSES.get(status.status)
    if mapped is None:
        _log.info("ignored WhatsApp status %r", status.status)
        return None
    error = None
    if status.errors:
        first = status.errors[0]
        error = f"{first.code}: {first.title}" if first.code is not None else first.title
    return StatusUpdate(status.id, mapped, _timestamp(status.timestamp, clock), error)


def _message_text(message: _Message) -> str:
    """The words relevo records for ``message``: its text, or a placeholder saying what it was."""
    kind = message.type
    if kind == "text" and message.text is not None:
        return message.text.body or "[empty message]"
    if kind == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is not None and reply.title:
            return reply.title
        flow = message.interactive.nfm_reply
        if flow is not None:
            return f"[form reply] {flow.body}".strip()
        return "[interactive reply]"
    if kind == "button" and message.button is not None:
        return message.button.text or message.button.payload or "[button]"
    media = {
        "image": message.image,
        "video": message.video,
        "audio": message.audio,
        "document": message.document,
        "sticker": message.sticker,
    }.get(kind)
    if media is not None:
        label = "voice message" if kind == "audio" and media.voice else kind
        if kind == "document" and media.filename:
            label = f"document: {media.filename}"
        return f"[{label}] {media.caption}".strip()
    if kind == "location" and message.location is not None:
        return _location_text(message.location)
    if kind == "contacts":
        names = ", ".join(card.name.formatted_name for card in message.contacts if card.name.formatted_name)
        return f"[contact card: {names}]" if names else "[contact card]"
    if kind == "reaction" and message.reaction is not None:
        return f"[reaction {message.reaction.emoji}]" if message.reaction.emoji else "[reaction removed]"
    if kind == "order" and message.order is not None:
        count = sum(item.quantity for item in message.order.product_items)
        return f"[order: {count} item{'s' if count != 1 else ''}] {message.order.text}".strip()
    if kind == "system" and message.system is not None:
        return f"[system] {message.system.body}".strip()
    return f"[{kind} message]" if kind and kind != "unsupported" else "[unsupported message]"


def _location_text(location: _Location) -> str:
    words = ", ".join(part for part in (location.name, location.address) if part)
    if not words and location.latitude is not None and location.longitude is not None:
        words = f"{location.latitude:.5f}, {location.longitude:.5f}"
    return f"[location: {words}]" if words else "[location]"


def _timestamp(value: str, clock: Clock) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (ValueError, OverflowError, OSError):
        return clock()


def _locations(exc: ValidationError) -> str:
    """Where validation failed, never what the values were (they can be personal data)."""
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    )
