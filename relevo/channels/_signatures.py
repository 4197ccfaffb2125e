"""Webhook signatures: WhatsApp's ``X-Hub-Signature-256`` and Twilio's ``X-Twilio-Signature``.

Both compare in constant time (:func:`hmac.compare_digest`), so response timing tells an attacker nothing about
how much of a forged signature was right.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "twilio_signature",
    "verify_twilio_signature",
    "verify_whatsapp_signature",
    "whatsapp_signature",
]

_WHATSAPP_PREFIX = "sha256="


def whatsapp_signature(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``: ``sha256=`` + hex HMAC-SHA256 of the raw body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _WHATSAPP_PREFIX + digest


def verify_whatsapp_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` is the signature of exactly these raw bytes (missing or malformed: False)."""
    if not header or not header.startswith(_WHATSAPP_PREFIX):
        return False
    expected = whatsapp_signature(body, app_secret).encode("ascii")
    given = header.strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def twilio_signature(url: str, params: Mapping[str, str] | list[tuple[str, str]], auth_token: str) -> str:
    """The ``X-Twilio-Signature`` Twilio sends for a POST of ``params`` to ``url``.

    Base64 of HMAC-SHA1 (key: the auth token) over the full URL (with its query string) followed by every POST
    parameter name and value, sorted by name (and, for a repeated name, by value), as Twilio's libraries do.
    """
    values: dict[str, set[str]] = {}
    for name, value in _pairs(params):
        values.setdefault(name, set()).add(value)
    data = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio_signature(
    url: str, params: Mapping[str, str] | list[tuple[str, str]], header: str | None, auth_token: str
) -> bool:
    """Whether ``header`` signs this POST to ``url``.

    Twilio may sign the URL with or without the default port (``:443``/``:80``), so both spellings are tried, as
    Twilio's own validators do.
    """
    if not header:
        return False
    pairs = _pairs(params)
    given = header.strip().encode("utf-8", "replace")
    matched = False
    for candidate in _port_variants(url):
        expected = twilio_signature(candidate, pairs, auth_token).encode("ascii")
        # no short-circuit: every variant is compared, whatever matched first
        matched = hmac.compare_digest(expected, given) or matched
    return matched


def _pairs(params: Mapping[str, str] | list[tuple[str, str]]) -> list[tuple[str, str]]:
    return list(params) if isinstance(params, list) else list(params.items())


def _port_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if default is None or parts.hostname is None:
        return [url]
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    userinfo = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    try:
        port = parts.port
    except ValueError:
        return [url]
    if port is None:
        other = urlunsplit(parts._replace(netloc=f"{userinfo}{host}:{default}"))
    elif port == default:
        other = urlunsplit(parts._replace(netloc=f"{userinfo}{host}"))
    else:
        return [url]
    return [url, other]
