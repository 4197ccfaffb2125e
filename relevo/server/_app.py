"""The FastAPI app of ``relevo serve``: web chat API, console API, admin API, pages, live streams, webhooks."""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoint annotations at run time.

import asyncio
import html
import importlib.util
import uuid
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response, status
from fastapi import Path as PathParam
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relevo._errors import (
    BadInputError,
    ConfigurationError,
    ModeError,
    RelevoError,
    StorageError,
    UnknownConversationError,
)
from relevo.agents import render_card
from relevo.server._agents import AgentAccount, LastAdminError
from relevo.server._api_models import (
    AgentProfile,
    AgentUpdate,
    Availability,
    CommandResult,
    ConversationDetail,
    CustomerTranscript,
    DemoCustomer,
    HandBackRequest,
    LoginRequest,
    LoginResponse,
    MessageAccepted,
    PostMessage,
    QueueView,
    ReplyRequest,
    SessionRequest,
    SessionResponse,
    profile_of,
    transcript,
)
from relevo.server._board import Kpis
from relevo.server._chat_page import chat_page_texts, negotiate_language, render_chat_page
from relevo.server._edge import (
    StrictJsonRoute,
    error_responses,
    install_validation_handler,
    problems,
    unprocessable,
)
from relevo.server._ports import BoardRow, Inbound
from relevo.server._runtime import ServerRuntime, open_runtime
from relevo.server._service import AccessError
from relevo.server._settings import ServeSettings
from relevo.server._streams import chat_events, console_events
from relevo.server._throttle import LoginThrottle
from relevo.server._tokens import AgentClaims, CustomerClaims

__all__ = ["create_app"]

_STATIC = Path(__file__).parent / "static"
_CUSTOMER_TOKEN_TTL = timedelta(days=30)
_MAX_KPI_HOURS = 24 * 366 * 10
_PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/auth/login or POST /api/chat/sessions.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

# Path parameters: bounded, and free of control characters (a NUL cannot even reach Postgres): 422 otherwise.
ConversationId = Annotated[
    str, PathParam(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$", description="A conversation id.")
]
Username = Annotated[str, PathParam(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$")]


# -- dependencies ---------------------------------------------------------------------------------------------
# Dependencies are ``async``: they only check a signature and read an account, and FastAPI would otherwise run
# each one on the thread pool, which is slow to get to while worker threads run turns.
async def _runtime(request: Request) -> ServerRuntime:
    runtime: ServerRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[ServerRuntime, Depends(_runtime)]


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def _current_agent(runtime: Runtime, credentials: Credentials) -> AgentAccount:
    claims = runtime.signer.read(credentials.credentials) if credentials is not None else None
    if not isinstance(claims, AgentClaims):
        raise _unauthorized("sign in as an agent (POST /api/auth/login) and send the token as a Bearer token")
    account = runtime.agents.get(claims.sub)
    if account is None:
        raise _unauthorized("this account no longer exists")
    if account.signed_in_before_change(claims.iat):
        raise _unauthorized("this account's password or role changed since you signed in: sign in again")
    return account


Agent = Annotated[AgentAccount, Depends(_current_agent)]


async def _current_admin(agent: Agent) -> AgentAccount:
    if agent.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs the admin role")
    return agent


Admin = Annotated[AgentAccount, Depends(_current_admin)]


async def _current_customer(
    conversation_id: ConversationId, runtime: Runtime, credentials: Credentials
) -> CustomerClaims:
    claims = runtime.signer.read(credentials.credentials) if credentials is not None else None
    if not isinstance(claims, CustomerClaims):
        raise _unauthorized("send the token from POST /api/chat/sessions as a Bearer token")
    if claims.conversation_id != conversation_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this token grants another conversation")
    return claims


Customer = Annotated[CustomerClaims, Depends(_current_customer)]


# -- web chat (customers) ---------------------------------------------------------------------------------------
chat = APIRouter(prefix="/api/chat", tags=["web chat"], route_class=StrictJsonRoute, responses=error_responses(503))


@chat.get("/customers", summary="Test customers the chat page can play", response_model=list[DemoCustomer])
def list_demo_customers(runtime: Runtime) -> list[DemoCustomer]:
    """The desk's test customers (empty when ``RELEVO_DEMO_CUSTOMERS`` is off or the desk does not allow it)."""
    if not runtime.customers_selectable:
        return []
    return [
        DemoCustomer(id=c.id, name=c.name or c.id, tier=c.tier or "", language=c.language or "")
        for c in runtime.desk.context.directory.customers()
    ]


@chat.post(
    "/sessions",
    summary="Start a web chat conversation",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionResponse,
    responses=error_responses(403, described={403: "Choosing a customer is off (RELEVO_DEMO_CUSTOMERS)."}),
)
def create_session(body: SessionRequest, runtime: Runtime) -> SessionResponse:
    """Opens a conversation and returns a customer token that grants this conversation only."""
    customer_id = body.customer_id
    if customer_id is not None:
        directory = runtime.desk.context.directory
        # Anyone may open a session: letting them name a real customer would hand them that customer's memory
        # and records. Only a desk's listed test customers can be played, where the desk allows it.
        forbidden = HTTPException(
            status.HTTP_403_FORBIDDEN,
            "choosing a customer is only for a desk's test customers (RELEVO_DEMO_CUSTOMERS, desk.toml "
            "[customers] selectable)",
        )
        if not runtime.customers_selectable:
            raise forbidden
        found = directory.customer(customer_id)
        if found is None:
            raise unprocessable(f"no customer {customer_id!r} in the desk", "body", "customer_id")
        if all(c.id != found.id for c in directory.customers()):
            raise forbidden
    conversation_id, handle = runtime.service.open_web_session(customer_id)
    token = runtime.signer.customer(conversation_id, handle, _CUSTOMER_TOKEN_TTL)
    return SessionResponse(
        conversation_id=conversation_id, token=token, customer=runtime.desk.state(conversation_id).customer
    )


@chat.post(
    "/conversations/{conversation_id}/messages",
    summary="Send a customer message",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=MessageAccepted,
    responses=error_responses(401, 403),
)
async def post_message(
    conversation_id: ConversationId, body: PostMessage, claims: Customer, runtime: Runtime
) -> MessageAccepted:
    """Queues the message (202) and returns at once; the reply arrives on the event stream."""
    if not body.text.strip():
        raise unprocessable("the message is empty", "body", "text")
    local_id = body.client_message_id or uuid.uuid4().hex
    now = runtime.service.now()
    inbound = Inbound(
        channel="web",
        # Client ids are only unique per session: the dedupe key carries the session.
        message_id=f"{claims.handle}:{local_id}",
        handle=claims.handle,
        text=body.text,
        received_at=now,
    )
    # Never on the event loop: queueing may redact the text and waits for the store, and the loop must stay free
    # for acks, /healthz and the live streams.
    queued = await run_in_threadpool(runtime.service.accept, inbound)
    return MessageAccepted(message_id=local_id, queued=queued, accepted_at=now.timestamp())


@chat.get(
    "/conversations/{conversation_id}",
    summary="The customer's transcript",
    response_model=CustomerTranscript,
    responses=error_responses(401, 403, 404),
)
def customer_transcript(conversation_id: ConversationId, claims: Customer, runtime: Runtime) -> CustomerTranscript:
    """Only what was said to or by the customer (no internal events, no handoff packet)."""
    state = runtime.desk.state(conversation_id)
    return CustomerTranscript(
        conversation_id=conversation_id,
        mode=state.mode,
        pending=runtime.store.pending("web", claims.handle),
        messages=transcript(state, for_customer=True),
    )


@chat.get(
    "/conversations/{conversation_id}/events",
    summary="Live events for the customer (SSE)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "message and status events"},
        **error_responses(401, 403),
    },
)
async def customer_events(
    conversation_id: ConversationId,
    claims: Customer,
    runtime: Runtime,
    request: Request,
    after: Annotated[int, Query(ge=0, le=1_000_000, description="Messages the client already has.")] = 0,
) -> StreamingResponse:
    """``message``: a new message for the customer; ``status``: mode, pending count, whether the AI is typing,
    the server time (messages accepted before it and no longer pending are delivered) and the conversation's
    language once known (``null`` before: the chat page speaks it)."""
    stream = chat_events(
        runtime.service,
        conversation_id,
        claims.handle,
        after=after,
        poll=runtime.settings.poll_seconds,
        disconnected=request.is_disconnected,
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=_SSE_HEADERS)


_SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


# -- agents ------------------------------------------------------------------------------------------------
auth = APIRouter(prefix="/api/auth", tags=["auth"], route_class=StrictJsonRoute, responses=error_responses(503))


@auth.post(
    "/login",
    summary="Sign in to the console",
    response_model=LoginResponse,
    responses=error_responses(401, 413, 415, 429),
)
def login(body: LoginRequest, runtime: Runtime, request: Request) -> LoginResponse:
    """Returns a bearer token for the console and admin APIs. Too many failed sign-ins to one account or from
    one address within a window answer 429 with ``Retry-After`` (the password is then not checked)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client is not None else None
    wait = throttle.retry_after(body.username, address)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed sign-ins: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    account = runtime.agents.authenticate(body.username, body.password)
    if account is None:
        throttle.failed(body.username, address)
        raise _unauthorized("wrong username or password")
    throttle.succeeded(body.username)
    ttl = timedelta(hours=runtime.settings.token_hours)
    return LoginResponse(
        token=runtime.signer.agent(account.username, ttl),
        expires_in=int(ttl.total_seconds()),
        agent=profile_of(account),
    )


@auth.get("/me", summary="The signed-in agent", response_model=AgentProfile, responses=error_responses(401))
def me(agent: Agent) -> AgentProfile:
    return profile_of(agent)


console = APIRouter(prefix="/api", tags=["console"], route_class=StrictJsonRoute, responses=error_responses(401, 503))


@console.put("/agents/me/availability", summary="Available for new handoffs, or away", response_model=AgentProfile)
def set_availability(body: Availability, agent: Agent, runtime: Runtime) -> AgentProfile:
    """Routing gives new handoffs only to available agents."""
    return profile_of(runtime.agents.set_available(agent.username, body.available))


@console.get("/queue", summary="Conversations waiting for me", response_model=QueueView)
def queue(agent: Agent, runtime: Runtime) -> QueueView:
    """Waiting for a human and matching my skills and languages (admins: all), urgent first then longest
    waiting; and the conversations I am working."""
    return QueueView(waiting=runtime.service.queue(agent), mine=runtime.service.mine(agent))


@console.get("/conversations", summary="Recent conversations", response_model=list[BoardRow])
def conversations(
    agent: Agent,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[BoardRow]:
    """The board rows of the most recently updated conversations."""
    rows = list(runtime.store.board_rows())
    return list(reversed(rows[-limit:]))


@console.get(
    "/conversations/{conversation_id}",
    summary="A conversation with its handoff card",
    response_model=ConversationDetail,
    responses=error_responses(404),
)
def conversation_detail(conversation_id: ConversationId, agent: Agent, runtime: Runtime) -> ConversationDetail:
    """Transcript (with internal events), the handoff packet and card, sentiment trend, facts, attempts,
    commitments and memory highlights. Any signed-in agent may read any conversation: skills route work and decide
    who may take over and reply, not who may look."""
    row = runtime.service.board(conversation_id)
    state = runtime.desk.state(conversation_id)
    return ConversationDetail(
        row=row,
        customer=state.customer,
        mode=state.mode,
        assigned_agent=state.assigned_agent,
        messages=transcript(state, for_customer=False),
        packet=state.packet,
        card=render_card(state.packet) if state.packet is not None else None,
        sentiment=[s.sentiment for s in state.signals],
        facts=state.facts,
        attempts=state.attempts,
        commitments=state.commitments,
        memory_highlights=state.memory_highlights,
        briefing=state.briefing,
        guard=state.guard_reports,
    )


def _command_result(runtime: ServerRuntime, conversation_id: str, reply: str | None) -> CommandResult:
    row = runtime.service.board(conversation_id)
    undelivered = runtime.service.take_undelivered(conversation_id)
    return CommandResult(conversation_id=conversation_id, mode=row.mode, reply=reply, row=row, undelivered=undelivered)


@console.post(
    "/conversations/{conversation_id}/takeover",
    summary="Take over",
    response_model=CommandResult,
    responses=error_responses(403, 404, 409, described={409: "Not waiting for a human or with the AI."}),
)
def takeover(conversation_id: ConversationId, agent: Agent, runtime: Runtime) -> CommandResult:
    """From now on the AI writes nothing to the customer; customer messages wait for you."""
    result = runtime.service.takeover(conversation_id, agent)
    return _command_result(runtime, conversation_id, result.reply)


@console.post(
    "/conversations/{conversation_id}/reply",
    summary="Reply to the customer",
    response_model=CommandResult,
    responses=error_responses(403, 404, 409, described={409: "You have not taken the conversation over."}),
)
def reply(conversation_id: ConversationId, body: ReplyRequest, agent: Agent, runtime: Runtime) -> CommandResult:
    """Delivered on the customer's channel (web chat, WhatsApp, SMS)."""
    result = runtime.service.human_reply(conversation_id, agent, body.text)
    return _command_result(runtime, conversation_id, result.reply)


@console.post(
    "/conversations/{conversation_id}/hand-back",
    summary="Hand over to AI",
    response_model=CommandResult,
    responses=error_responses(403, 404, 409, described={409: "You have not taken the conversation over."}),
)
def hand_back(conversation_id: ConversationId, body: HandBackRequest, agent: Agent, runtime: Runtime) -> CommandResult:
    """The AI continues from a briefing of your note and the conversation, and follows up with the customer.

    Facts you set outrank what a tool says about the same fact until a newer reading changes it; promises become
    commitments by a human; both, with what you did and decided, reach the packet of a later handoff."""
    result = runtime.service.hand_back(conversation_id, agent, body.event())
    return _command_result(runtime, conversation_id, result.reply)


@console.post(
    "/conversations/{conversation_id}/resolve",
    summary="Resolve",
    response_model=CommandResult,
    responses=error_responses(403, 404, 409, described={409: "Already closed."}),
)
def resolve(conversation_id: ConversationId, agent: Agent, runtime: Runtime) -> CommandResult:
    """Close the conversation."""
    result = runtime.service.resolve(conversation_id, agent)
    return _command_result(runtime, conversation_id, result.reply)


@console.get("/kpis", summary="Team KPIs", response_model=Kpis)
def kpis(
    agent: Agent,
    runtime: Runtime,
    hours: Annotated[
        float | None,
        Query(gt=0, le=_MAX_KPI_HOURS, description="Only conversations updated in the last N hours (up to ten years)."),
    ] = None,
) -> Kpis:
    """Containment and escalation rates, escalation reasons, time to human pickup, sentiment, queue now."""
    since = runtime.service.now() - timedelta(hours=hours) if hours is not None else None
    return runtime.service.kpis(since)


@console.get(
    "/console/events",
    summary="Live board updates for the console (SSE)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "ready and board events"}},
)
async def board_events(agent: Agent, runtime: Runtime, request: Request) -> StreamingResponse:
    """``board``: rows of conversations that changed (in any process)."""
    stream = console_events(
        runtime.service, agent, poll=runtime.settings.poll_seconds, disconnected=request.is_disconnected
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=_SSE_HEADERS)


# -- admin -------------------------------------------------------------------------------------------------
admin = APIRouter(
    prefix="/api/admin", tags=["admin"], route_class=StrictJsonRoute, responses=error_responses(401, 403, 503)
)


@admin.get("/agents", summary="Console accounts", response_model=list[AgentProfile])
def list_agents(_: Admin, runtime: Runtime) -> list[AgentProfile]:
    return [profile_of(a) for a in runtime.agents.all()]


@admin.put(
    "/agents/{username}",
    summary="Create or change an account",
    response_model=AgentProfile,
    responses=error_responses(409, described={409: "The account is the last admin: the role cannot change."}),
)
def save_agent(username: Username, body: AgentUpdate, _: Admin, runtime: Runtime) -> AgentProfile:
    """A new account needs a password; an existing one keeps its password unless one is given."""
    account = runtime.agents.save(
        username,
        name=body.name,
        role=body.role,
        skills=body.skills,
        languages=body.languages,
        available=body.available,
        password=body.password,
    )
    return profile_of(account)


@admin.delete(
    "/agents/{username}",
    summary="Delete an account",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 409, described={409: "Your own account, or the last admin."}),
)
def delete_agent(username: Username, current: Admin, runtime: Runtime) -> Response:
    """Its tokens stop working at once. You cannot delete yourself."""
    if username == current.username:
        raise HTTPException(status.HTTP_409_CONFLICT, "you cannot delete your own account")
    if not runtime.agents.delete(username):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent {username!r}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- pages and health ---------------------------------------------------------------------------------------
pages = APIRouter(include_in_schema=False)


def _branded_page(name: str, runtime: ServerRuntime) -> HTMLResponse:
    """A static page with the desk's name in its title and heading (``{{brand}}``, HTML-escaped)."""
    page = (_STATIC / name).read_text(encoding="utf-8").replace("{{brand}}", html.escape(runtime.brand))
    return HTMLResponse(page, headers={"Content-Security-Policy": _PAGE_CSP})


@pages.get("/")
def chat_page(runtime: Runtime, accept_language: Annotated[str | None, Header()] = None) -> HTMLResponse:
    """The customer's chat page in the browser's language among the desk's (else the desk's default); the
    page switches to the conversation's language once it is known."""
    profile = runtime.desk.context.profile
    language = negotiate_language(accept_language, profile.languages, profile.default_language)
    page = render_chat_page((_STATIC / "chat.html").read_text(encoding="utf-8"), profile, language)
    return HTMLResponse(
        page,
        headers={"Content-Security-Policy": _PAGE_CSP, "Content-Language": language, "Vary": "Accept-Language"},
    )


@pages.get("/console")
def console_page(runtime: Runtime) -> HTMLResponse:
    return _branded_page("console.html", runtime)


@pages.get("/docs")
def api_docs() -> HTMLResponse:
    # Swagger UI from the installed litellm package when present, else FastAPI's default CDN.
    local = _swagger_assets() is not None
    cdn = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="relevo API",
        swagger_js_url="/vendor/swagger-ui-bundle.js" if local else f"{cdn}/swagger-ui-bundle.js",
        swagger_css_url="/vendor/swagger-ui.css" if local else f"{cdn}/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@pages.get("/vendor/{name}")
def vendor_asset(name: str) -> FileResponse:
    """Swagger UI's files from the installed litellm package (no CDN: the server works offline)."""
    folder = _swagger_assets()
    if folder is None or name not in ("swagger-ui-bundle.js", "swagger-ui.css"):
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    return FileResponse(folder / name)


def _swagger_assets() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "proxy" / "swagger"
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


health = APIRouter(tags=["health"])


@health.get("/healthz", summary="Liveness")
async def healthz(runtime: Runtime) -> dict[str, object]:
    """``ok`` with whether this process's workers run."""
    return {"status": "ok", "workers": runtime.service.running}


# -- errors and headers --------------------------------------------------------------------------------------
def _status_for(exc: RelevoError) -> int:
    if isinstance(exc, LastAdminError):
        return status.HTTP_409_CONFLICT
    if isinstance(exc, UnknownConversationError):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, AccessError):
        return status.HTTP_403_FORBIDDEN
    if isinstance(exc, ModeError):
        return status.HTTP_409_CONFLICT
    if isinstance(exc, BadInputError):
        return status.HTTP_422_UNPROCESSABLE_CONTENT
    if isinstance(exc, StorageError):
        return status.HTTP_503_SERVICE_UNAVAILABLE
    if isinstance(exc, ConfigurationError):
        return status.HTTP_500_INTERNAL_SERVER_ERROR
    return status.HTTP_500_INTERNAL_SERVER_ERROR


async def _relevo_error(request: Request, exc: Exception) -> Response:
    code = _status_for(exc) if isinstance(exc, RelevoError) else status.HTTP_500_INTERNAL_SERVER_ERROR
    if code == status.HTTP_422_UNPROCESSABLE_CONTENT:  # one shape for every 422 (see relevo.server._edge)
        return JSONResponse({"detail": problems(str(exc), "body")}, status_code=code)
    return JSONResponse({"detail": str(exc)}, status_code=code)


_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _SecurityHeaders:
    """Adds the security headers to every HTTP response (a plain ASGI middleware: nothing buffered)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


# -- the app ---------------------------------------------------------------------------------------------------
def create_app(settings: ServeSettings | None = None, *, runtime: ServerRuntime | None = None) -> FastAPI:
    """The ``relevo serve`` app.

    Args:
        settings: server settings (default: ``RELEVO_*`` environment variables); ignored when ``runtime`` is given.
        runtime: an already-open runtime (tests share a fitted engine this way). The app then does not close it.

    The lifespan starts the worker threads and stops them at shutdown.

    Raises:
        ConfigurationError: the chat page's texts lack a key in a language (see ``texts/chat_page.toml``).
    """
    chat_page_texts()  # a language lacking one of the chat page's words stops the server here, not on a page
    owned = runtime is None
    rt = runtime if runtime is not None else open_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncGenerator[None]:
        rt.service.pulse.attach(asyncio.get_running_loop())
        rt.service.start()
        try:
            yield
        finally:
            await to_thread.run_sync(rt.service.stop)
            if owned:
                await to_thread.run_sync(rt.close)

    app = FastAPI(
        title="relevo",
        summary="Customer-support agent graphs with a human handoff: web chat, agent console, channel webhooks.",
        description=(
            "Customers write through the web chat API or channel webhooks; their messages are queued and answered "
            "one turn at a time per conversation. Agents sign in (`POST /api/auth/login`) and send the token as "
            "`Authorization: Bearer <token>`; a web chat customer uses the token from `POST /api/chat/sessions`, "
            "which grants their own conversation only."
        ),
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        max_body_size=rt.settings.max_body_bytes,
    )
    app.state.runtime = rt
    app.state.login_throttle = LoginThrottle(
        per_account=rt.settings.login_failures_per_account,
        per_address=rt.settings.login_failures_per_address,
        window_s=rt.settings.login_window_seconds,
    )
    app.add_exception_handler(RelevoError, _relevo_error)
    install_validation_handler(app)
    app.add_middleware(_SecurityHeaders)
    for router in (chat, auth, console, admin, health, pages):
        app.include_router(router)
    for router in rt.gateway.routers(rt.service.accept, rt.service.record_status):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app
