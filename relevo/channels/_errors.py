"""What can go wrong when relevo sends through a channel, split by whether trying again can help."""

from __future__ import annotations

import re

from relevo._errors import RelevoError

__all__ = ["ChannelError", "ChannelRejectedError", "ChannelUnavailableError", "redact_numbers"]

# Provider error texts quote the numbers involved ("The 'To' number +15005550001 is not valid"); phone numbers
# are personal data and must not reach logs or error reports. Eight or more digits (with separators) is a number.
_NUMBER = re.compile(r"\+?\d[\d ().-]{6,}\d")


def redact_numbers(text: str) -> str:
    """``text`` with every phone-number-like run of digits replaced by ``[number]``."""
    return _NUMBER.sub("[number]", text)


class ChannelError(RelevoError):
    """A channel provider did not take a message relevo sent.

    Attributes:
        channel: ``"whatsapp"`` or ``"twilio"``.
        status: the provider's HTTP status, or None when no response came (or relevo refused before sending).
        code: the provider's own error code when it gave one (Graph API ``error.code``, Twilio ``code``).
        retryable: True when the same request may succeed later (5xx, 429, network failure).
    """

    retryable: bool = False

    def __init__(self, channel: str, reason: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason
        self.status = status
        self.code = code


class ChannelRejectedError(ChannelError):
    """The provider refused the message (HTTP 4xx), or relevo knows it would: fix the request or configuration."""

    retryable = False


class ChannelUnavailableError(ChannelError):
    """The provider failed or could not be reached (HTTP 5xx, 429, timeout, network): try again later.

    The message may or may not have been sent, so relevo never retries on its own (that could send it twice).
    """

    retryable = True
