"""Replies through the WhatsApp Cloud API: ``POST {graph_base_url}/{api_version}/{phone_number_id}/messages``."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from types import TracebackType

import httpx

from relevo._errors import ConfigurationError
from relevo.channels._delivery import Clock, utc_now
from relevo.channels._errors import ChannelRejectedError
from relevo.channels._http import post, response_json
from relevo.channels._outbound import in_service_window
from relevo.channels._settings import WhatsAppSettings

__all__ = ["WhatsAppCloudSender"]

_log = logging.getLogger("relevo.channels.whatsapp")

_HINTS = {
    401: "check RELEVO_WHATSAPP_ACCESS_TOKEN",
    403: "the access token lacks whatsapp_business_messaging permission for this number",
    404: "check RELEVO_WHATSAPP_PHONE_NUMBER_ID and RELEVO_WHATSAPP_API_VERSION",
}


class WhatsAppCloudSender:
    """Sends replies as WhatsApp text messages, or as the configured template outside the 24-hour window.

    The window runs from the customer's last message. Outside it Meta refuses free-form text (error 131047), so
    every reply then goes out as ``template_name`` with the reply as its body variable, whether a human or the AI
    wrote it (in practice the human: the AI answers customers who just wrote). Not thread-bound: one sender can
    serve every worker.
    """

    def __init__(self, settings: WhatsAppSettings, *, clock: Clock = utc_now) -> None:
        """Raises: ConfigurationError: the access token or phone number id is missing."""
        if settings.missing_to_send or settings.access_token is None:
            raise ConfigurationError(f"WhatsApp replies need {', '.join(settings.missing_to_send)}")
        self.settings = settings
        self._clock = clock
        self._url = f"{settings.graph_base_url}/{settings.api_version}/{settings.phone_number_id}/messages"
        self._client = httpx.Client(
            timeout=settings.timeout_s,
            headers={"Authorization": f"Bearer {settings.access_token.get_secret_value()}"},
        )

    def send(self, handle: str, text: str, *, from_human: bool, last_customer_at: datetime | None) -> str | None:
        """Send ``text`` to the WhatsApp id ``handle``; the ``wamid`` of the sent message.

        Raises:
            ChannelRejectedError: Meta refused it (4xx), or the window is closed and no template is configured.
            ChannelUnavailableError: 5xx, 429, timeout or network failure.
        """
        if not text.strip():
            raise ChannelRejectedError("whatsapp", "refusing to send an empty message")
        if in_service_window(last_customer_at, self._clock()):
            kind = "text"
            body = self._text(handle, text)
        else:
            kind = "template"
            body = self._template(handle, text)
        response = post(self._client, "whatsapp", self._url, json=body, read_error=_graph_error, hints=_HINTS)
        wamid = _wamid(response)
        who = "human" if from_human else "AI"
        if wamid is None:
            _log.warning("WhatsApp accepted a %s %s reply without returning a message id", kind, who)
        else:
            _log.info("sent a %s %s reply through WhatsApp: %s", kind, who, wamid)
        return wamid

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> WhatsAppCloudSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @staticmethod
    def _text(handle: str, text: str) -> dict[str, object]:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": handle,
            "type": "text",
            "text": {"preview_url": False, "body": text},
        }

    def _template(self, handle: str, text: str) -> dict[str, object]:
        if not self.settings.template_name:
            raise ChannelRejectedError(
                "whatsapp",
                "the 24-hour customer-service window is closed (the customer last wrote more than 24 hours ago) "
                "and WhatsApp only delivers templates then: set RELEVO_WHATSAPP_TEMPLATE_NAME to an approved "
                "template with one body variable",
                code="window_closed",
            )
        # Template variables may not hold line breaks, tabs or more than four spaces in a row (Meta error 132018).
        parameter = re.sub(r"\s+", " ", text).strip()
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": handle,
            "type": "template",
            "template": {
                "name": self.settings.template_name,
                "language": {"code": self.settings.template_language},
                "components": [{"type": "body", "parameters": [{"type": "text", "text": parameter}]}],
            },
        }


def _wamid(response: httpx.Response) -> str | None:
    messages = response_json(response).get("messages")
    if isinstance(messages, list) and messages:
        first: object = messages[0]
        if isinstance(first, dict):
            wamid = first.get("id")  # pyright: ignore[reportUnknownVariableType]
            if isinstance(wamid, str) and wamid:
                return wamid
    return None


def _graph_error(response: httpx.Response) -> tuple[str | None, str]:
    """Graph API errors: ``{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}``."""
    error = response_json(response).get("error")
    if not isinstance(error, dict):
        return None, response.reason_phrase or "no error details"
    code = error.get("code")  # pyright: ignore[reportUnknownVariableType]
    message = str(error.get("message") or "no error message")  # pyright: ignore[reportUnknownArgumentType]
    data = error.get("error_data")  # pyright: ignore[reportUnknownVariableType]
    if isinstance(data, dict) and isinstance(details := data.get("details"), str) and details:
        message += f" — {details}"
    return (str(code) if code is not None else None), message  # pyright: ignore[reportUnknownArgumentType]
