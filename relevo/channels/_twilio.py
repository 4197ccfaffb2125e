"""Twilio Messaging webhooks: inbound SMS and WhatsApp-through-Twilio, and delivery status callbacks.

``POST /webhooks/twilio`` (the number's "A message comes in" URL) and ``POST /webhooks/twilio/status`` (the
``StatusCallback`` of replies). Both verify ``X-Twilio-Signature`` against the URL Twilio called
(``public_base_url`` + path when set: behind a proxy the server sees another URL) and answer at once; inbound
messages get empty TwiML (``<Response/>``), since replies go out later through the REST API.

Addresses: ``From: whatsapp:+15551234567`` is channel ``whatsapp``, anything else channel ``sms``. The handle
keeps Twilio's ``whatsapp:`` prefix, so a reply goes back the way the message came (through Twilio, not the
Cloud API) and the two WhatsApp routes never share an address.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from relevo._errors import BadInputError, RelevoError
from relevo.channels._delivery import AcceptInbound, Clock, RecordStatus, StatusUpdate, make_inbound, utc_now
from relevo.channels._openapi import webhook_responses
from relevo.channels._settings import TwilioSettings
from relevo.channels._signatures import verify_twilio_signature
from relevo.contracts import Channel

if TYPE_CHECKING:
    from relevo.server._ports import DeliveryStatus, Inbound

__all__ = [
    "TWILIO_MESSAGES_PATH",
    "TWILIO_STATUS_PATH",
    "parse_twilio_message",
    "parse_twilio_status",
    "twilio_router",
]

TWILIO_MESSAGES_PATH = "/webhooks/twilio"
TWILIO_STATUS_PATH = "/webhooks/twilio/status"
WHATSAPP_PREFIX = "whatsapp:"

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

_log = logging.getLogger("relevo.channels.twilio")

_STATUSES: dict[str, DeliveryStatus] = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}

_MEDIA_KINDS = {"image": "image", "audio": "audio", "video": "video"}
_MAX_MEDIA = 10  # Twilio's limit per message
_MAX_FIELDS = 200
"""Form fields per webhook at most (Twilio sends about 40); more is not Twilio, refused before the signature check
sorts and hashes them."""


def twilio_router(
    settings: TwilioSettings,
    accept: AcceptInbound,
    on_status: RecordStatus,
    *,
    clock: Clock = utc_now,
) -> APIRouter:
    """The Twilio webhook endpoints, to ``app.include_router(...)``.

    Args:
        settings: ``auth_token`` verifies signatures (without it both endpoints answer 503 naming the variable);
            ``public_base_url`` is the URL Twilio calls, up to the path.
        accept: queues one inbound message; False for a ``MessageSid`` seen before. Called from a worker thread.
        on_status: ``(MessageSid, status, at)`` per status callback. Called from a worker thread.
        clock: receive time (Twilio's form carries none).
    """
    router = APIRouter(tags=["channels"])

    @router.post(
        TWILIO_MESSAGES_PATH,
        summary="Twilio inbound messages (SMS and WhatsApp)",
        response_class=Response,
        responses=webhook_responses(
            400,
            401,
            413,
            503,
            ok={200: {"description": "Empty TwiML (replies go out later).", "content": {"text/xml": {}}}},
        ),
    )
    async def receive_twilio_message(request: Request) -> Response:
        """Verify and queue one inbound message; empty TwiML, 401 unsigned, 400 malformed, 503 not ready."""
        params = await _verified_params(request, settings)
        if isinstance(params, Response):
            return params
        try:
            inbound = parse_twilio_message(params, received_at=clock())
        except BadInputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        try:
            accepted = await run_in_threadpool(accept, inbound)
        except RelevoError as exc:
            _log.error("could not queue a Twilio message (%s); Twilio will retry", type(exc).__name__)
            return JSONResponse({"detail": "could not queue the message; retry later"}, status_code=503)
        if not accepted:
            _log.info("Twilio redelivered message %s, already queued", inbound.message_id)
        return Response(EMPTY_TWIML, media_type="text/xml", headers={"X-Relevo-Duplicate": str(int(not accepted))})

    @router.post(
        TWILIO_STATUS_PATH,
        summary="Twilio delivery status callbacks",
        status_code=204,
        response_class=Response,
        responses=webhook_responses(400, 401, 413, 503, ok={204: {"description": "Recorded (or ignored)."}}),
    )
    async def receive_twilio_status(request: Request) -> Response:
        """Verify and record one status callback; 204, 401 unsigned, 400 malformed, 503 not ready."""
        params = await _verified_params(request, settings)
        if isinstance(params, Response):
            return params
        try:
            update = parse_twilio_status(params, at=clock())
        except BadInputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        if update is None:
            return Response(status_code=204)
        try:
            advanced = await run_in_threadpool(on_status, update.provider_message_id, update.status, update.at)
        except RelevoError as exc:
            _log.error("could not record a Twilio status (%s); Twilio will retry", type(exc).__name__)
            return JSONResponse({"detail": "could not record the status; retry later"}, status_code=503)
        if update.status == "failed":
            _log.warning("Twilio reports message %s failed: %s", update.provider_message_id, update.error)
        return Response(status_code=204, headers={"X-Relevo-Status-Advanced": str(int(advanced))})

    return router


async def _verified_params(request: Request, settings: TwilioSettings) -> dict[str, str] | Response:
    if settings.missing_to_receive or settings.auth_token is None:
        detail = f"the Twilio channel is not configured: set {', '.join(settings.missing_to_receive)}"
        return JSONResponse({"detail": detail}, status_code=503)
    body = await request.body()  # at most the server's body cap (413 beyond it)
    signature = request.headers.get("x-twilio-signature")
    url = signed_url(request, settings)
    secret = settings.auth_token.get_secret_value()
    # Parsing and hashing a large form is CPU work: off the event loop.
    return await run_in_threadpool(_check_form, body, url, signature, secret)


def _check_form(body: bytes, url: str, signature: str | None, secret: str) -> dict[str, str] | Response:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except UnicodeDecodeError:
        pairs = None
    except ValueError:  # more than _MAX_FIELDS fields
        return JSONResponse({"detail": f"more than {_MAX_FIELDS} form fields"}, status_code=400)
    if pairs is None or not verify_twilio_signature(url, pairs, signature, secret):
        reason = "missing X-Twilio-Signature" if not signature else "invalid X-Twilio-Signature"
        _log.warning("refused a Twilio webhook: %s", reason)
        return JSONResponse({"detail": reason}, status_code=401)
    return dict(pairs)


def signed_url(request: Request, settings: TwilioSettings) -> str:
    """The URL Twilio signed: ``public_base_url`` + path + query when configured, else the request's URL."""
    if not settings.public_base_url:
        return str(request.url)
    query = request.url.query
    return settings.public_base_url + request.url.path + (f"?{query}" if query else "")


def parse_twilio_message(params: Mapping[str, str], *, received_at: datetime) -> Inbound:
    """An inbound message from Twilio's form fields (``MessageSid``, ``From``, ``Body``, ``NumMedia``, ...).

    Media become placeholders (``[image]``) ahead of the body (which is then the caption); a shared location
    becomes ``[location: ...]``. Nothing received is dropped.

    Raises:
        BadInputError: ``MessageSid`` or ``From`` is missing.
    """
    sid = params.get("MessageSid") or params.get("SmsMessageSid") or ""
    sender = params.get("From", "")
    if not sid or not sender:
        missing = " and ".join(name for name, value in (("MessageSid", sid), ("From", sender)) if not value)
        raise BadInputError(f"Twilio message webhook without {missing}")
    channel: Channel = "whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms"
    parts = [_media_label(params.get(f"MediaContentType{i}", "")) for i in range(_num_media(params))]
    location = _location(params)
    if location:
        parts.append(location)
    body = params.get("Body", "").strip() or params.get("ButtonText", "").strip()
    if body:
        parts.append(body)
    return make_inbound(channel, sid, sender, " ".join(parts) or "[empty message]", received_at)


def parse_twilio_status(params: Mapping[str, str], *, at: datetime) -> StatusUpdate | None:
    """A status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``); None for statuses relevo ignores.

    Raises:
        BadInputError: ``MessageSid`` or ``MessageStatus`` is missing.
    """
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    raw = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if not sid or not raw:
        raise BadInputError("Twilio status callback without MessageSid or MessageStatus")
    status = _STATUSES.get(raw)
    if status is None:
        _log.info("ignored Twilio status %r", raw)
        return None
    code = params.get("ErrorCode", "")
    return StatusUpdate(sid, status, at, f"Twilio error {code}" if code else None)


def _num_media(params: Mapping[str, str]) -> int:
    try:
        return max(0, min(int(params.get("NumMedia", "0") or 0), _MAX_MEDIA))
    except ValueError:
        return 0


def _media_label(content_type: str) -> str:
    major = content_type.split("/", 1)[0].lower()
    if content_type.lower() in ("text/vcard", "text/x-vcard"):
        return "[contact card]"
    return f"[{_MEDIA_KINDS.get(major, 'file')}]"


def _location(params: Mapping[str, str]) -> str:
    latitude, longitude = params.get("Latitude", ""), params.get("Longitude", "")
    if not latitude or not longitude:
        return ""
    words = ", ".join(part for part in (params.get("Label", ""), params.get("Address", "")) if part)
    return f"[location: {words or f'{latitude}, {longitude}'}]"
