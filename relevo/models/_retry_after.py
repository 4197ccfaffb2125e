"""The ``Retry-After`` header (RFC 9110 §10.2.3): how long a provider asks us to wait before trying again."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_retry_after"]

# delay-seconds is 1*DIGIT; a few servers send a decimal ("1.5"), which is taken as meant.
_DELAY = re.compile(r"\d+(?:\.\d+)?")


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait, from a ``Retry-After`` value: delay-seconds (``"30"``) or an HTTP-date
    (``"Wed, 21 Oct 2026 07:28:00 GMT"``, also the obsolete RFC 850 and asctime forms).

    Args:
        value: the header's value, or ``None`` when the header is absent.
        now: the current time (aware; default: the system clock, UTC) that an HTTP-date is measured from.

    Returns:
        Seconds (≥ 0; a date in the past means "now": 0.0), or ``None`` when the header is absent or is
        neither form (garbage is ignored, never guessed at).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELAY.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or an asctime date: HTTP-dates are always UTC
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())
