"""The WhatsApp Cloud API webhook: ``GET /webhooks/whatsapp`` (verification) and ``POST /webhooks/whatsapp``.

A POST is verified (``X-Hub-Signature-256`` over the raw body), parsed, its messages queued through ``accept`` and
its statuses recorded through ``on_status``, and acknowledged at once: turns run later in the server's workers,
so Meta never waits for an answer to be composed. A redelivery is acknowledged like the first delivery (Meta
retries anything but a 2xx) and reported as a duplicate. When queueing fails the answer is 503, so Meta retries.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from relevo._errors import BadInputError, RelevoError
from relevo.channels._delivery import AcceptInbound, Clock, RecordStatus, utc_now
from relevo.channels._openapi import webhook_responses
from relevo.channels._settings import WhatsAppSettings
from relevo.channels._signatures import verify_whatsapp_signature
from relevo.channels._whatsapp_payload import WhatsAppDelivery, parse_whatsapp_payload

__all__ = ["WHATSAPP_WEBHOOK_PATH", "whatsapp_router"]

WHATSAPP_WEBHOOK_PATH = "/webhooks/whatsapp"

_log = logging.getLogger("relevo.channels.whatsapp")

_COUNTS: dict[str, object] = {
    "description": "Queued: how many messages were new or redeliveries, statuses recorded or stale, items skipped.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    name: {"type": "integer"}
                    for name in ("accepted", "duplicates", "statuses", "stale_statuses", "skipped")
                },
                "required": ["accepted", "duplicates", "statuses", "stale_statuses", "skipped"],
            }
        }
    },
}


def whatsapp_router(
    settings: WhatsAppSettings,
    accept: AcceptInbound,
    on_status: RecordStatus,
    *,
    clock: Clock = utc_now,
) -> APIRouter:
    """The WhatsApp webhook endpoints, to ``app.include_router(...)``.

    Args:
        settings: ``verify_token`` answers the GET challenge, ``app_secret`` checks POST signatures. Without
            them the endpoints answer 503 naming the variable to set.
        accept: queues one inbound message; False for a message id seen before. Called from a worker thread.
        on_status: ``(wamid, status, at)`` for every status in the delivery; the store keeps statuses from moving
            backwards. Called from a worker thread.
        clock: fallback time for items without a usable timestamp.
    """
    router = APIRouter(tags=["channels"])

    @router.get(
        WHATSAPP_WEBHOOK_PATH,
        response_class=PlainTextResponse,
        summary="WhatsApp webhook verification",
        responses=webhook_responses(403, 503, ok={200: {"description": "The challenge, echoed."}}),
    )
    async def verify_whatsapp_webhook(request: Request) -> Response:
        """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` matches."""
        if settings.missing_to_verify or settings.verify_token is None:
            return _not_configured(settings.missing_to_verify)
        query = request.query_params
        token = query.get("hub.verify_token", "")
        expected = settings.verify_token.get_secret_value()
        token_ok = hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8"))
        if query.get("hub.mode") != "subscribe" or not token_ok:
            _log.warning("refused a WhatsApp verification request (wrong mode or verify token)")
            return PlainTextResponse("verification failed", status_code=403)
        return PlainTextResponse(query.get("hub.challenge", ""))

    @router.post(
        WHATSAPP_WEBHOOK_PATH,
        summary="WhatsApp webhook deliveries (messages and statuses)",
        response_class=JSONResponse,
        responses=webhook_responses(400, 401, 413, 503, ok={200: _COUNTS}),
    )
    async def receive_whatsapp_webhook(request: Request) -> Response:
        """Verify, parse and queue one delivery; 200 with counts, 401 unsigned, 400 unparseable, 503 not ready."""
        if settings.missing_to_receive or settings.app_secret is None:
            return _not_configured(settings.missing_to_receive)
        body = await request.body()
        signature = request.headers.get("x-hub-signature-256")
        if not verify_whatsapp_signature(body, signature, settings.app_secret.get_secret_value()):
            reason = "missing X-Hub-Signature-256" if not signature else "invalid X-Hub-Signature-256"
            _log.warning("refused a WhatsApp delivery: %s", reason)
            return JSONResponse({"detail": reason}, status_code=401)
        try:
            # Parsing (at most the server's body cap) and queueing run off the event loop.
            counts = await run_in_threadpool(_receive, body, clock, accept, on_status)
        except BadInputError as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        except RelevoError as exc:
            _log.error("could not queue a WhatsApp delivery (%s); Meta will retry", type(exc).__name__)
            return JSONResponse({"detail": "could not queue the delivery; retry later"}, status_code=503)
        return JSONResponse(counts)

    return router


def _receive(body: bytes, clock: Clock, accept: AcceptInbound, on_status: RecordStatus) -> dict[str, int]:
    return _hand_over(parse_whatsapp_payload(body, clock=clock), accept, on_status)


def _hand_over(delivery: WhatsAppDelivery, accept: AcceptInbound, on_status: RecordStatus) -> dict[str, int]:
    accepted = duplicates = advanced = stale = 0
    for message in delivery.messages:
        if accept(message):
            accepted += 1
        else:
            duplicates += 1
    for update in delivery.statuses:
        if on_status(update.provider_message_id, update.status, update.at):
            advanced += 1
        else:
            stale += 1
        if update.status == "failed":
            _log.warning("WhatsApp reports message %s failed: %s", update.provider_message_id, update.error)
    if duplicates:
        _log.info("WhatsApp redelivered %d message(s) already queued", duplicates)
    return {
        "accepted": accepted,
        "duplicates": duplicates,
        "statuses": advanced,
        "stale_statuses": stale,
        "skipped": delivery.skipped,
    }


def _not_configured(missing: list[str]) -> Response:
    detail = f"the WhatsApp channel is not configured: set {', '.join(missing)}"
    return JSONResponse({"detail": detail}, status_code=503)
