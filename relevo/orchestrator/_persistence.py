"""Conversation persistence: LangGraph checkpointers that revive relevo's typed state."""

from __future__ import annotations

import inspect
import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel

import relevo.contracts as contracts
from relevo._errors import StorageError
from relevo.orchestrator._sqlite_saver import BlobSqliteSaver

if TYPE_CHECKING:
    from langgraph.checkpoint.postgres import PostgresSaver

__all__ = ["describe_database_url", "open_postgres_checkpointer", "open_sqlite_checkpointer", "relevo_serializer"]

# Two processes starting together must not both run the checkpointer's migrations (CREATE TABLE IF NOT EXISTS
# races on Postgres' catalog): setup runs under this session-level advisory lock.
_SETUP_LOCK = 0x72656C65766F01  # "relevo" + 1


def relevo_serializer() -> JsonPlusSerializer:
    """A serializer that revives relevo's contract types, and only those, from checkpoints."""
    allowed = [
        (obj.__module__, obj.__name__)
        for _, obj in inspect.getmembers(contracts, inspect.isclass)
        if issubclass(obj, BaseModel)
    ]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


def open_sqlite_checkpointer(path: Path) -> SqliteSaver:
    """A SQLite checkpointer at ``path`` (created if missing), in WAL mode so readers never block the writer, with
    ``secure_delete`` on (an erased conversation's pages are overwritten, not just unlinked).

    Raises:
        StorageError: the file cannot be opened or is not a database.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA secure_delete=ON")
        saver = BlobSqliteSaver(conn, serde=relevo_serializer())
        saver.setup()
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open the conversation store {path}: {exc}") from exc
    return saver


def describe_database_url(url: str) -> str:
    """``url`` fit for an error message or a log line: the password is masked."""
    if "://" not in url:  # a libpq key=value string
        return re.sub(r"(password\s*=\s*)(\S+)", r"\1***", url)
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def open_postgres_checkpointer(url: str, *, max_connections: int = 10, timeout_s: float = 10.0) -> PostgresSaver:
    """LangGraph's Postgres checkpointer on a connection pool to ``url`` (``postgresql://user:pw@host/db``).

    The tables are created (or migrated) on first use; several processes may open the same database at once.
    Close it with ``saver.conn.close()`` (the pool).

    Raises:
        StorageError: the database is unreachable, refuses the login, or the tables cannot be created.
    """
    import psycopg  # scale-out only: the embedded default never loads the Postgres driver
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import DictRow, dict_row
    from psycopg_pool import ConnectionPool, PoolTimeout

    where = describe_database_url(url)
    # What LangGraph's saver requires of every connection: autocommit (it manages its own transactions),
    # no server-side prepared statements (they break behind pgbouncer), rows as dicts.
    options: dict[str, Any] = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    try:
        with psycopg.Connection[DictRow].connect(
            url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=max(1, round(timeout_s))
        ) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
            try:
                PostgresSaver(conn, serde=relevo_serializer()).setup()
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))
    except psycopg.Error as exc:
        raise StorageError(f"cannot open the conversation database {where}: {_first_line(exc)}") from exc
    pool = ConnectionPool[psycopg.Connection[DictRow]](
        url,
        min_size=1,
        max_size=max_connections,
        kwargs=options,
        open=False,
        name="relevo-checkpoints",
    )
    try:
        pool.open(wait=True, timeout=timeout_s)
    except PoolTimeout as exc:
        pool.close()
        raise StorageError(f"cannot open the conversation database {where}: no connection in {timeout_s:g}s") from exc
    return PostgresSaver(pool, serde=relevo_serializer())


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
