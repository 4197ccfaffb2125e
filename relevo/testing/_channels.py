"""Loopback stand-ins for the channel providers, and signed webhook requests, for tests and benchmarks.

:class:`FakeGraphAPI` and :class:`FakeTwilioAPI` are real HTTP servers on 127.0.0.1 (a free port) that take the
calls relevo makes, check their credentials and shape the way the providers do, answer with realistic bodies
(``wamid.…``, ``SM…``), and record every request, so a test can assert exactly what relevo sent and how often.
Queue a failure (:meth:`fail_next`) or a hang (:meth:`hang_next`) to test error handling.

The webhook helpers build what Meta and Twilio would POST to relevo, signed with the given secret.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode

from relevo.channels import twilio_signature, whatsapp_signature

__all__ = [
    "FakeGraphAPI",
    "FakeTwilioAPI",
    "RecordedRequest",
    "fake_graph_api",
    "fake_twilio_api",
    "sign_whatsapp",
    "twilio_message_params",
    "twilio_signature",
    "twilio_status_params",
    "twilio_webhook_request",
    "whatsapp_status_payload",
    "whatsapp_text_payload",
    "whatsapp_webhook_request",
]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes

    def json(self) -> dict[str, Any]:
        """The body as a JSON object."""
        value = json.loads(self.body)
        if not isinstance(value, dict):
            raise ValueError("the request body is not a JSON object")
        return value  # pyright: ignore[reportUnknownVariableType]

    def form(self) -> dict[str, str]:
        """The body as form fields (the last value of a repeated name)."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass(frozen=True)
class _Failure:
    status: int
    body: dict[str, Any] = field(default_factory=dict[str, Any])
    hang: bool = False


class _LoopbackProvider(ABC):
    """Thread, recording and failure queue shared by the fakes; subclasses answer in :meth:`_answer`."""

    name = "fake-provider"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # a short poll interval: stop() waits for the serve loop to notice, and tests start and stop many fakes
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, to configure as the provider's base URL."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def hang_next(self) -> None:
        """The next request gets no answer until the fake stops (for timeout tests)."""
        self._queue(_Failure(0, hang=True))

    def _queue(self, failure: _Failure) -> None:
        with self._lock:
            self._failures.append(failure)

    @abstractmethod
    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        """The provider's normal answer to ``request``: (HTTP status, JSON body)."""

    def _handle(self, request: RecordedRequest) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            self.requests.append(request)
            failure = self._failures.pop(0) if self._failures else None
        if failure is None:
            return self._answer(request)
        if failure.hang:
            self._release.wait()
            return None
        return failure.status, failure.body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                answer = fake._handle(RecordedRequest(method, self.path, headers, body))
                if answer is None:
                    self.close_connection = True
                    return
                status, payload = answer
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        return Handler


class FakeGraphAPI(_LoopbackProvider):
    """The WhatsApp Cloud API messages endpoint: ``POST /{version}/{phone_number_id}/messages``.

    Checks the bearer token (401, code 190), the path (404, code 100), and the body (400, code 100): the
    ``whatsapp`` messaging product, a recipient, and a non-empty ``text.body`` or a ``template`` with name and
    language. Answers like Meta: ``{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}``.
    """

    name = "fake-graph-api"

    def __init__(self, access_token: str = "test-access-token", phone_number_id: str = "106540352242922") -> None:
        super().__init__()
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.sent_ids: list[str] = []
        """The wamids answered, in order."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The JSON bodies of every request received (also the refused ones), in order."""
        return [request.json() for request in self.requests]

    def fail_next(self, status: int, *, code: int = 131000, message: str = "Something went wrong") -> None:
        """The next request is answered with a Graph API error (``{"error": {...}}``)."""
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEfGhIjK"}
        self._queue(_Failure(status, {"error": error}))

    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return _graph_error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        parts = request.path.strip("/").split("/")
        if request.method != "POST" or len(parts) != 3 or parts[1:] != [self.phone_number_id, "messages"]:
            return _graph_error(404, 100, f"Unsupported {request.method.lower()} request.")
        try:
            body = request.json()
        except ValueError:
            return _graph_error(400, 100, "(#100) The parameter messaging_product is required.")
        problem = _graph_body_problem(body)
        if problem:
            return _graph_error(400, 100, f"(#100) {problem}")
        wamid = "wamid." + base64.b64encode(uuid.uuid4().bytes + b"\x15\x02").decode().rstrip("=")
        with self._lock:
            self.sent_ids.append(wamid)
        recipient = str(body["to"])
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": recipient, "wa_id": recipient.lstrip("+")}],
            "messages": [{"id": wamid}],
        }


def _graph_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}}


def _graph_body_problem(body: dict[str, Any]) -> str:
    if body.get("messaging_product") != "whatsapp":
        return "The parameter messaging_product is required."
    if not body.get("to"):
        return "The parameter to is required."
    kind = body.get("type", "text")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not text.get("body"):
            return "The parameter text['body'] is required."
        return ""
    if kind == "template":
        template = body.get("template")
        if not isinstance(template, dict) or not template.get("name"):
            return "The parameter template['name'] is required."
        language = template.get("language")
        if not isinstance(language, dict) or not language.get("code"):
            return "The parameter template['language']['code'] is required."
        return ""
    return f"Param type must be one of text, template (this fake knows no {kind!r})."


class FakeTwilioAPI(_LoopbackProvider):
    """Twilio's Messages resource: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``.

    Checks HTTP basic auth with the account SID and auth token (401, code 20003), the account in the path (404,
    code 20404), and the form (400): ``To``, ``From`` or ``MessagingServiceSid``, and ``Body`` or ``ContentSid``.
    Answers 201 with a message resource (``sid`` ``SM…``, ``status`` ``queued``).
    """

    name = "fake-twilio-api"

    def __init__(self, account_sid: str = "AC" + "0" * 31 + "1", auth_token: str = "test-auth-token") -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sent_ids: list[str] = []
        """The message SIDs answered, in order."""

    @property
    def messages(self) -> list[dict[str, str]]:
        """The form fields of every request received (also the refused ones), in order."""
        return [request.form() for request in self.requests]

    def fail_next(self, status: int, *, code: int = 20500, message: str = "Internal Server Error") -> None:
        """The next request is answered with a Twilio error (``{"code", "message", "more_info", "status"}``)."""
        self._queue(_Failure(status, _twilio_error_body(status, code, message)))

    def _answer(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return 401, _twilio_error_body(401, 20003, "Authenticate")
        if request.method != "POST" or request.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, _twilio_error_body(404, 20404, "The requested resource was not found")
        form = request.form()
        if not form.get("To"):
            return 400, _twilio_error_body(400, 21604, "A 'To' phone number is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return 400, _twilio_error_body(400, 21603, "A 'From' phone number is required.")
        if not form.get("Body") and not form.get("ContentSid"):
            return 400, _twilio_error_body(400, 21602, "Message body is required.")
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self.sent_ids.append(sid)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body", ""),
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }


def _twilio_error_body(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@contextmanager
def fake_graph_api(
    access_token: str = "test-access-token", phone_number_id: str = "106540352242922"
) -> Generator[FakeGraphAPI]:
    """A started :class:`FakeGraphAPI`, stopped on exit."""
    fake = FakeGraphAPI(access_token, phone_number_id).start()
    try:
        yield fake
    finally:
        fake.stop()


@contextmanager
def fake_twilio_api(
    account_sid: str = "AC" + "0" * 31 + "1", auth_token: str = "test-auth-token"
) -> Generator[FakeTwilioAPI]:
    """A started :class:`FakeTwilioAPI`, stopped on exit."""
    fake = FakeTwilioAPI(account_sid, auth_token).start()
    try:
        yield fake
    finally:
        fake.stop()


# -- webhooks into relevo ------------------------------------------------------------------------------------------


def sign_whatsapp(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` header value for ``body`` (``sha256=<hex>``)."""
    return whatsapp_signature(body, secret)


def whatsapp_text_payload(
    handle: str,
    text: str,
    *,
    message_id: str | None = None,
    timestamp: datetime | None = None,
    name: str = "Test Customer",
    phone_number_id: str = "106540352242922",
) -> dict[str, Any]:
    """A Cloud API webhook payload carrying one text message from ``handle`` (a WhatsApp id, digits only)."""
    at = timestamp or datetime.now(UTC)
    message = {
        "from": handle,
        "id": message_id or "wamid." + base64.b64encode(uuid.uuid4().bytes).decode().rstrip("="),
        "timestamp": str(int(at.timestamp())),
        "type": "text",
        "text": {"body": text},
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": name}, "wa_id": handle}],
        "messages": [message],
    }
    return _whatsapp_envelope(value)


def whatsapp_status_payload(
    message_id: str,
    status: str,
    *,
    recipient: str,
    timestamp: datetime | None = None,
    phone_number_id: str = "106540352242922",
) -> dict[str, Any]:
    """A Cloud API webhook payload carrying one status (``sent``/``delivered``/``read``/``failed``)."""
    at = timestamp or datetime.now(UTC)
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(at.timestamp())),
        "recipient_id": recipient,
    }
    if status == "failed":
        item["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": phone_number_id},
        "statuses": [item],
    }
    return _whatsapp_envelope(value)


def _whatsapp_envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def whatsapp_webhook_request(payload: Mapping[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a signed WhatsApp webhook POST of ``payload``."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": sign_whatsapp(body, app_secret)}


def twilio_message_params(
    handle: str,
    text: str,
    *,
    message_sid: str | None = None,
    to: str = "+15005550006",
    account_sid: str = "AC" + "0" * 31 + "1",
) -> dict[str, str]:
    """The form Twilio posts for an inbound message from ``handle`` (``+1555…`` or ``whatsapp:+1555…``)."""
    sid = message_sid or "SM" + secrets.token_hex(16)
    whatsapp = handle.startswith("whatsapp:")
    params = {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": text,
        "To": f"whatsapp:{to}" if whatsapp and not to.startswith("whatsapp:") else to,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": handle,
        "ApiVersion": "2010-04-01",
    }
    if whatsapp:
        params["WaId"] = handle.removeprefix("whatsapp:").lstrip("+")
        params["ProfileName"] = "Test Customer"
    return params


def twilio_status_params(
    message_sid: str, status: str, *, to: str = "+15551230000", account_sid: str = "AC" + "0" * 31 + "1"
) -> dict[str, str]:
    """The form of a Twilio status callback for ``message_sid``."""
    params = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": to,
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
    }
    if status in ("failed", "undelivered"):
        params["ErrorCode"] = "30003"
    return params


def twilio_webhook_request(url: str, params: Mapping[str, str], auth_token: str) -> tuple[bytes, dict[str, str]]:
    """The form-encoded body and headers of a signed Twilio webhook POST to ``url`` (the URL Twilio calls)."""
    body = urlencode(list(params.items())).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(url, dict(params), auth_token),
    }
    return body, headers
