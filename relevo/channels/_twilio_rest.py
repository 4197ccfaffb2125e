"""Replies through Twilio's REST API: ``POST {api_base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json``."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from types import TracebackType

import httpx

from relevo._errors import ConfigurationError
from relevo.channels._delivery import Clock, utc_now
from relevo.channels._errors import ChannelRejectedError
from relevo.channels._http import post, response_json
from relevo.channels._outbound import in_service_window
from relevo.channels._settings import TwilioSettings
from relevo.channels._twilio import TWILIO_STATUS_PATH, WHATSAPP_PREFIX

__all__ = ["TwilioSender"]

_log = logging.getLogger("relevo.channels.twilio")

_HINTS = {
    401: "check RELEVO_TWILIO_ACCOUNT_SID and RELEVO_TWILIO_AUTH_TOKEN",
    404: "check RELEVO_TWILIO_ACCOUNT_SID and RELEVO_TWILIO_API_BASE_URL",
}


class TwilioSender:
    """Sends replies as SMS, or as WhatsApp messages to ``whatsapp:`` handles, through one Twilio account.

    WhatsApp through Twilio has the same 24-hour window as the Cloud API: outside it a reply goes out as the
    Content template ``whatsapp_content_sid`` with the reply as variable ``1``. SMS has no window. With
    ``public_base_url`` set, every reply asks for status callbacks at ``/webhooks/twilio/status``.
    """

    def __init__(self, settings: TwilioSettings, *, clock: Clock = utc_now) -> None:
        """Raises: ConfigurationError: the account SID, auth token or sender is missing."""
        if settings.missing_to_send or settings.auth_token is None:
            raise ConfigurationError(f"Twilio replies need {', '.join(settings.missing_to_send)}")
        self.settings = settings
        self._clock = clock
        self._url = f"{settings.api_base_url}/2010-04-01/Accounts/{settings.account_sid}/Messages.json"
        self._client = httpx.Client(
            timeout=settings.timeout_s,
            auth=httpx.BasicAuth(settings.account_sid, settings.auth_token.get_secret_value()),
        )

    def send(self, handle: str, text: str, *, from_human: bool, last_customer_at: datetime | None) -> str | None:
        """Send ``text`` to ``handle`` (``+15551234567`` or ``whatsapp:+15551234567``); the message SID.

        Raises:
            ChannelRejectedError: Twilio refused it (4xx), or a WhatsApp window is closed with no template set.
            ChannelUnavailableError: 5xx, 429, timeout or network failure.
        """
        if not text.strip():
            raise ChannelRejectedError("twilio", "refusing to send an empty message")
        form = self._form(handle, text, last_customer_at)
        response = post(self._client, "twilio", self._url, data=form, read_error=_twilio_error, hints=_HINTS)
        sid = response_json(response).get("sid")
        kind = "template" if "ContentSid" in form else "text"
        where = "WhatsApp" if handle.startswith(WHATSAPP_PREFIX) else "SMS"
        who = "human" if from_human else "AI"
        if not isinstance(sid, str) or not sid:
            _log.warning("Twilio accepted a %s %s reply by %s without returning a message SID", where, kind, who)
            return None
        _log.info("sent a %s %s reply by %s through Twilio: %s", where, kind, who, sid)
        return sid

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> TwilioSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _form(self, handle: str, text: str, last_customer_at: datetime | None) -> dict[str, str]:
        settings = self.settings
        form = {"To": handle}
        whatsapp = handle.startswith(WHATSAPP_PREFIX)
        sender = settings.whatsapp_sender if whatsapp else settings.from_number
        if sender.startswith("MG"):
            form["MessagingServiceSid"] = sender
        else:
            form["From"] = sender
        if not whatsapp or in_service_window(last_customer_at, self._clock()):
            form["Body"] = text
        elif settings.whatsapp_content_sid:
            form["ContentSid"] = settings.whatsapp_content_sid
            form["ContentVariables"] = json.dumps({"1": text})
        else:
            raise ChannelRejectedError(
                "twilio",
                "the WhatsApp 24-hour customer-service window is closed (the customer last wrote more than 24 "
                "hours ago) and WhatsApp only delivers templates then: set RELEVO_TWILIO_WHATSAPP_CONTENT_SID "
                "to an approved Content template with one variable",
                code="window_closed",
            )
        if settings.public_base_url:
            form["StatusCallback"] = settings.public_base_url + TWILIO_STATUS_PATH
        return form


def _twilio_error(response: httpx.Response) -> tuple[str | None, str]:
    """Twilio errors: ``{"code": 21211, "message": "...", "more_info": "...", "status": 400}``."""
    body = response_json(response)
    code = body.get("code")
    message = body.get("message")
    return (
        str(code) if code is not None else None,
        message if isinstance(message, str) and message else response.reason_phrase or "no error details",
    )
