"""Every configured channel in one place: the webhook routers in, and the right sender out for an address."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter

from relevo.channels._delivery import AcceptInbound, Clock, RecordStatus, utc_now
from relevo.channels._graph import WhatsAppCloudSender
from relevo.channels._outbound import Outbound
from relevo.channels._settings import TwilioSettings, WhatsAppSettings
from relevo.channels._twilio import WHATSAPP_PREFIX, twilio_router
from relevo.channels._twilio_rest import TwilioSender
from relevo.channels._whatsapp import whatsapp_router
from relevo.contracts import Channel

__all__ = ["ChannelGateway"]


class ChannelGateway:
    """The WhatsApp Cloud API and Twilio channels of one server.

    Both webhook routers are always mounted: an unconfigured channel answers 503 naming what to set, so a
    misconfiguration shows instead of hiding behind a 404, and nothing unsigned is ever accepted. A sender exists
    only when its credentials are configured.
    """

    def __init__(
        self,
        whatsapp: WhatsAppSettings | None = None,
        twilio: TwilioSettings | None = None,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self.whatsapp = whatsapp or WhatsAppSettings()
        self.twilio = twilio or TwilioSettings()
        self._clock = clock
        self._whatsapp_sender = (
            WhatsAppCloudSender(self.whatsapp, clock=clock) if not self.whatsapp.missing_to_send else None
        )
        self._twilio_sender = TwilioSender(self.twilio, clock=clock) if not self.twilio.missing_to_send else None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, clock: Clock = utc_now) -> ChannelGateway:
        """Both channels from ``RELEVO_WHATSAPP_*`` and ``RELEVO_TWILIO_*`` (default: the process environment).

        Raises:
            ConfigurationError: an unknown ``RELEVO_WHATSAPP_*``/``RELEVO_TWILIO_*`` variable or a bad value.
        """
        return cls(WhatsAppSettings.from_env(environ), TwilioSettings.from_env(environ), clock=clock)

    def routers(self, accept: AcceptInbound, on_status: RecordStatus) -> list[APIRouter]:
        """The webhook routers (``/webhooks/whatsapp``, ``/webhooks/twilio``, ``/webhooks/twilio/status``)."""
        return [
            whatsapp_router(self.whatsapp, accept, on_status, clock=self._clock),
            twilio_router(self.twilio, accept, on_status, clock=self._clock),
        ]

    def sender(self, channel: Channel, handle: str) -> Outbound | None:
        """Who sends to this address: Twilio for ``sms`` and ``whatsapp:``-prefixed handles, the Cloud API for
        other ``whatsapp`` handles; None when that channel cannot send (not configured, or not a phone channel)."""
        if channel == "sms" or (channel == "whatsapp" and handle.startswith(WHATSAPP_PREFIX)):
            return self._twilio_sender
        if channel == "whatsapp":
            return self._whatsapp_sender
        return None

    def status(self) -> dict[str, list[str]]:
        """What each channel still needs, by capability (``whatsapp.receive``, ``twilio.send``, ...): for a
        startup log line. Variable names only, never values."""
        return {
            "whatsapp.verify": self.whatsapp.missing_to_verify,
            "whatsapp.receive": self.whatsapp.missing_to_receive,
            "whatsapp.send": self.whatsapp.missing_to_send,
            "twilio.receive": self.twilio.missing_to_receive,
            "twilio.send": self.twilio.missing_to_send,
        }

    def close(self) -> None:
        """Close the senders' connection pools."""
        for sender in (self._whatsapp_sender, self._twilio_sender):
            if sender is not None:
                sender.close()
