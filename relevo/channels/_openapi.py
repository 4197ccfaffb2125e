"""What the webhook routes document in the OpenAPI schema: every status they answer and its body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["webhook_responses"]

_ERROR: dict[str, Any] = {
    "application/json": {
        "schema": {
            "title": "ErrorMessage",
            "type": "object",
            "properties": {"detail": {"title": "Detail", "type": "string"}},
            "required": ["detail"],
        }
    }
}
_TEXT: dict[str, Any] = {"text/plain": {"schema": {"type": "string"}}}

_DESCRIPTIONS: Mapping[int, str] = {
    400: "Signed, but not a body the provider sends (not JSON or form data, or nested too deeply).",
    401: "Missing or invalid signature.",
    403: "Wrong verify token or mode.",
    413: "The body is larger than the server's cap (RELEVO_MAX_BODY_BYTES).",
    503: "The channel is not configured (the detail names the variables), or queueing failed: retry later.",
}


def webhook_responses(
    *codes: int, ok: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a webhook: error ``codes`` as ``{"detail": ...}`` JSON (403: plain text, 413: JSON
    or Starlette's plain text), and ``ok`` merged in for the success status (``{200: {...}}``)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        content = _TEXT if code == 403 else {**_ERROR, **_TEXT} if code == 413 else _ERROR
        out[code] = {"description": _DESCRIPTIONS[code], "content": content}
    out.update({code: dict(entry) for code, entry in (ok or {}).items()})
    return out
