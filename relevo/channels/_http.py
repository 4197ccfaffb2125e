"""One outbound provider call and the classification of how it failed.

4xx: the provider refused (``ChannelRejectedError``; fix the request), except 408/429 which, like 5xx, timeouts and
network failures, mean "try later" (``ChannelUnavailableError``). Messages carry the provider's error code and
text with phone numbers redacted, never the request, the token or the recipient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import httpx

from relevo.channels._errors import ChannelRejectedError, ChannelUnavailableError, redact_numbers

__all__ = ["ProviderError", "post", "response_json"]

ProviderError = Callable[[httpx.Response], tuple[str | None, str]]
"""Reads ``(code, message)`` out of a provider's error response."""


def post(
    client: httpx.Client,
    channel: str,
    url: str,
    *,
    read_error: ProviderError,
    hints: Mapping[int, str],
    json: object | None = None,
    data: Mapping[str, str] | None = None,
) -> httpx.Response:
    """POST and return the 2xx response; raise the classified :class:`ChannelError` otherwise.

    Args:
        hints: what to check for a given HTTP status (``{401: "check RELEVO_..._TOKEN"}``).
    """
    try:
        response = client.post(url, json=json, data=data)
    except httpx.TimeoutException as exc:
        raise ChannelUnavailableError(channel, f"the provider did not answer in time ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise ChannelUnavailableError(channel, f"the provider could not be reached ({type(exc).__name__})") from exc
    if response.is_success:
        return response
    code, message = read_error(response)
    status = response.status_code
    reason = f"HTTP {status}" + (f", code {code}" if code else "") + f": {redact_numbers(message)}"
    if status in hints:
        reason += f" ({hints[status]})"
    if status >= 500 or status in (408, 429):
        raise ChannelUnavailableError(channel, reason, status=status, code=code)
    raise ChannelRejectedError(channel, reason, status=status, code=code)


def response_json(response: httpx.Response) -> dict[str, object]:
    """The response body as a JSON object ({} when it is not one)."""
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]
