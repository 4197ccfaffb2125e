"""``relevo serve``: the HTTP API, the web chat page, the agent console and the channel webhooks.

The embedded default needs nothing running: conversations in SQLite (LangGraph's checkpointer), the server's
inbox, locks and board in ``serve.sqlite``, memory in an embedded Chroma. ``RELEVO_DATABASE_URL`` and
``RELEVO_CHROMA_URL`` switch to PostgreSQL and a Chroma server so several processes share the work.
"""

from relevo.server._agents import DEFAULT_AGENTS, AgentAccount, AgentDirectory, hash_password, verify_password
from relevo.server._app import create_app
from relevo.server._board import Kpis, choose_agent, compute_kpis, queue_for
from relevo.server._ports import BoardRow, Claim, DeadLetter, DeliveryStatus, Inbound, ServeStore
from relevo.server._run import serve
from relevo.server._runtime import ServerRuntime, open_runtime, open_serve_store, serve_config
from relevo.server._service import AccessError, SenderLookup, ServeService
from relevo.server._settings import ServeSettings
from relevo.server._sqlite_store import SqliteServeStore
from relevo.server._tokens import TokenSigner

__all__ = [
    "DEFAULT_AGENTS",
    "AccessError",
    "AgentAccount",
    "AgentDirectory",
    "BoardRow",
    "Claim",
    "DeadLetter",
    "DeliveryStatus",
    "Inbound",
    "Kpis",
    "SenderLookup",
    "ServeService",
    "ServeSettings",
    "ServeStore",
    "ServerRuntime",
    "SqliteServeStore",
    "TokenSigner",
    "choose_agent",
    "compute_kpis",
    "create_app",
    "hash_password",
    "open_runtime",
    "open_serve_store",
    "queue_for",
    "serve",
    "serve_config",
    "verify_password",
]
