"""The outbound port: how the server sends a reply to a customer through a channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

__all__ = ["SERVICE_WINDOW", "Outbound", "in_service_window"]

SERVICE_WINDOW = timedelta(hours=24)
"""WhatsApp's customer-service window: free-form messages only within 24 hours of the customer's last message."""


class Outbound(Protocol):
    """Sends text to one customer address on one channel."""

    def send(self, handle: str, text: str, *, from_human: bool, last_customer_at: datetime | None) -> str | None:
        """Send ``text`` to ``handle``; the provider's message id (for status callbacks), None if it gives none.

        Args:
            handle: the customer's address as the channel delivered it (``Inbound.handle``).
            text: the reply.
            from_human: a human agent wrote it (else the AI).
            last_customer_at: when the customer last wrote (None: never), for the 24-hour window.

        Raises:
            ChannelRejectedError: the provider refused the message, or it cannot be sent as configured.
            ChannelUnavailableError: the provider failed or was unreachable; the message may be retried.
        """
        ...


def in_service_window(last_customer_at: datetime | None, now: datetime, window: timedelta = SERVICE_WINDOW) -> bool:
    """Whether a free-form message may still be sent: the customer wrote less than ``window`` ago."""
    return last_customer_at is not None and now - last_customer_at < window
