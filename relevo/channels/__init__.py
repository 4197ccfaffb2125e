"""Channels: the WhatsApp Cloud API and Twilio Messaging (SMS and WhatsApp through Twilio).

In: FastAPI routers that verify webhook signatures, parse deliveries and hand messages to the server's inbox.
Out: senders behind the :class:`Outbound` port. :class:`ChannelGateway` bundles both from the environment.
"""

from relevo.channels._delivery import AcceptInbound, RecordStatus, StatusUpdate
from relevo.channels._errors import ChannelError, ChannelRejectedError, ChannelUnavailableError
from relevo.channels._gateway import ChannelGateway
from relevo.channels._graph import WhatsAppCloudSender
from relevo.channels._outbound import SERVICE_WINDOW, Outbound, in_service_window
from relevo.channels._settings import TwilioSettings, WhatsAppSettings
from relevo.channels._signatures import (
    twilio_signature,
    verify_twilio_signature,
    verify_whatsapp_signature,
    whatsapp_signature,
)
from relevo.channels._twilio import (
    TWILIO_MESSAGES_PATH,
    TWILIO_STATUS_PATH,
    parse_twilio_message,
    parse_twilio_status,
    twilio_router,
)
from relevo.channels._twilio_rest import TwilioSender
from relevo.channels._whatsapp import WHATSAPP_WEBHOOK_PATH, whatsapp_router
from relevo.channels._whatsapp_payload import WhatsAppDelivery, parse_whatsapp_payload

__all__ = [
    "SERVICE_WINDOW",
    "TWILIO_MESSAGES_PATH",
    "TWILIO_STATUS_PATH",
    "WHATSAPP_WEBHOOK_PATH",
    "AcceptInbound",
    "ChannelError",
    "ChannelGateway",
    "ChannelRejectedError",
    "ChannelUnavailableError",
    "Outbound",
    "RecordStatus",
    "StatusUpdate",
    "TwilioSender",
    "TwilioSettings",
    "WhatsAppCloudSender",
    "WhatsAppDelivery",
    "WhatsAppSettings",
    "in_service_window",
    "parse_twilio_message",
    "parse_twilio_status",
    "parse_whatsapp_payload",
    "twilio_router",
    "twilio_signature",
    "verify_twilio_signature",
    "verify_whatsapp_signature",
    "whatsapp_router",
    "whatsapp_signature",
]
