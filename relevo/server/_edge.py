"""The HTTP edge of ``relevo serve``: strict JSON bodies, one error shape, and the error responses it documents.

Every request body is capped before it is read (``ServeSettings.max_body_bytes``, Starlette's body limit: 413 as
soon as the declared or received size passes the cap). API bodies must be JSON (415 otherwise) and are parsed by
pydantic-core's parser, which refuses what Python's ``json`` lets through into a 500 further on: ``NaN`` and
``Infinity``, unpaired UTF-16 surrogate escapes (``"\\ud800"``: not text, cannot be stored), invalid UTF-8 and
nesting deeper than 200 levels. Those are 422 ``json_invalid``.

Error bodies have two shapes, both in the OpenAPI document: 422 is always ``{"detail": [{"loc", "msg", "type"}]}``
(FastAPI's validation shape, also for the server's own checks), every other error ``{"detail": "<message>"}``.
A 422 never echoes the input: it may be personal data, and it may not even be encodable as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from pydantic_core import from_json

from relevo._json_escapes import replace_lone_surrogate_escapes

__all__ = [
    "ErrorMessage",
    "StrictJsonRoute",
    "error_responses",
    "install_validation_handler",
    "problems",
    "unprocessable",
]

_MAX_LOC_CHARS = 80


class ErrorMessage(BaseModel):
    """Any error but 422: what went wrong, in words."""

    detail: str


_DESCRIPTIONS: Mapping[int, str] = {
    400: "Malformed request (not what the provider sends).",
    401: "Missing, invalid or expired token (or, on webhooks, signature).",
    403: "The token does not grant this.",
    404: "No such conversation or account.",
    409: "Not possible in the conversation's or account's current state.",
    413: "The request body is larger than the server's cap (RELEVO_MAX_BODY_BYTES).",
    415: "The body is not JSON (send Content-Type: application/json).",
    429: "Too many failed sign-ins; the Retry-After header says when to try again.",
    503: "A store or channel is unavailable or not configured; retry later.",
}


def error_responses(*codes: int, described: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, each an :class:`ErrorMessage` in JSON (``described``: a
    description of the endpoint's own instead of the generic one)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        description = (described or {}).get(code, _DESCRIPTIONS[code])
        entry: dict[str, Any] = {"model": ErrorMessage, "description": description}
        if code == 413:
            # Refused before the app reads anything (a declared Content-Length over the cap): Starlette's text.
            entry["content"] = {"text/plain": {"schema": {"type": "string"}}}
        if code == 429:
            entry["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
        out[code] = entry
    return out


def problems(msg: str, *loc: str | int, kind: str = "value_error") -> list[dict[str, Any]]:
    """A 422 ``detail`` with one entry."""
    return [{"loc": list(loc), "msg": msg, "type": kind}]


def unprocessable(msg: str, *loc: str | int) -> HTTPException:
    """A 422 in the validation shape (``loc`` as in FastAPI's: ``"body", "customer_id"``)."""
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems(msg, *loc))


def install_validation_handler(app: FastAPI) -> None:
    """Render request validation errors as ``{"detail": [{"loc", "msg", "type"}]}``, without the input."""

    async def handler(request: Request, exc: Exception) -> Response:
        errors: Sequence[Any] = exc.errors() if isinstance(exc, RequestValidationError) else []
        return JSONResponse({"detail": [_problem(e) for e in errors]}, status_code=422)

    app.add_exception_handler(RequestValidationError, handler)


def _problem(error: Mapping[str, Any]) -> dict[str, Any]:
    msg = str(error.get("msg", "invalid"))
    ctx = error.get("ctx")
    if error.get("type") == "json_invalid" and isinstance(ctx, Mapping) and ctx.get("error"):  # pyright: ignore[reportUnknownMemberType]
        msg = f"{msg}: {ctx['error']}"
    return {"loc": [_loc(p) for p in error.get("loc", ())], "msg": _text(msg), "type": str(error.get("type", ""))}


def _loc(part: object) -> str | int:
    # A location can be a key the client sent (an unexpected field): bounded and made encodable.
    return part if isinstance(part, int) else _text(str(part))[:_MAX_LOC_CHARS]


def _text(value: str) -> str:
    return value.encode("utf-8", errors="replace").decode("utf-8")


# -- strict JSON bodies ---------------------------------------------------------------------------------------
class StrictJsonRequest(Request):
    """A request whose ``json()`` is pydantic-core's strict parser (see the module docstring)."""

    async def json(self) -> Any:
        if not hasattr(self, "_strict_json"):
            body = await self.body()
            try:
                self._strict_json: Any = from_json(body, allow_inf_nan=False)
            except ValueError as exc:
                # FastAPI turns a JSONDecodeError into a 422 json_invalid; the document is not kept (personal data).
                raise json.JSONDecodeError(_why_not_json(body, exc), "", 0) from None
        return self._strict_json


def _why_not_json(body: bytes, exc: ValueError) -> str:
    if replace_lone_surrogate_escapes(body) is not body:
        return "a string holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff), which is not text"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    reason = str(exc)
    if reason.startswith("recursion limit exceeded"):
        return f"nested more than 200 levels deep ({reason})"
    try:
        from_json(body, allow_inf_nan=True)
    except ValueError:
        return reason
    return "NaN and Infinity are not JSON numbers"


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


class StrictJsonRoute(APIRoute):
    """An API route whose JSON body is parsed strictly, and whose body must be JSON (415 otherwise); a route with
    a body documents 413 and 415."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self.body_field is not None:
            self.responses = {**error_responses(413, 415), **self.responses}

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None

        async def strict(request: Request) -> Response:
            headers = request.headers
            has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
            if takes_body and has_body and not _is_json(headers.get("content-type")):
                raise HTTPException(
                    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "send the body as JSON (Content-Type: application/json)"
                )
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
