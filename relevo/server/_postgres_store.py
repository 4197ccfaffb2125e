"""The server's bookkeeping in PostgreSQL: several ``relevo serve`` processes share one inbox, lock and board.

Scale-out mode (``RELEVO_DATABASE_URL=postgresql://...``). Design:

* ``relevo_inbox`` holds every message ever delivered, unique on ``(channel, message_id)``: a repeated delivery
  hits the constraint (``ON CONFLICT DO NOTHING``) and is reported as seen. Once processed, a message keeps
  only its key (its text is cleared; the conversation's checkpoint has the redacted copy).
* ``relevo_addresses`` has one row per channel address with the sequence number of its oldest pending message
  and the lease on it. Claiming is the classic queue pattern: one ``UPDATE`` picking the oldest free address
  with ``FOR UPDATE SKIP LOCKED``, so two processes never lease the same address and never wait on each other.
* The conversation lock is a session-level ``pg_advisory_lock`` held on a connection of its own pool for the
  duration of the block; if the process dies, Postgres drops the session and the lock with it.
* Delivery statuses carry a rank; one ``UPDATE ... WHERE rank < new`` moves them forward only.

Every table is prefixed ``relevo_`` and created idempotently (under an advisory lock, so processes starting
together do not race on the catalog).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from relevo._errors import StorageError
from relevo._postgres import create_schema, first_line
from relevo.contracts import Channel, Mode
from relevo.orchestrator._persistence import describe_database_url
from relevo.server._ports import BoardRow, Claim, DeadLetter, DeliveryStatus, Inbound

__all__ = ["PostgresServeStore"]

_RANK: dict[DeliveryStatus, int] = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}
_SCHEMA_LOCK = 0x72656C65766F02  # "relevo" + 2 (the checkpointer's setup uses + 1)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS relevo_inbox (
    seq BIGSERIAL PRIMARY KEY,
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    text TEXT,
    received_at TIMESTAMPTZ NOT NULL,
    customer_id TEXT,
    processed_at TIMESTAMPTZ,
    error TEXT,
    CONSTRAINT relevo_inbox_once UNIQUE (channel, message_id)
);
ALTER TABLE relevo_inbox ADD COLUMN IF NOT EXISTS error TEXT;
CREATE INDEX IF NOT EXISTS relevo_inbox_pending ON relevo_inbox (channel, handle, seq) WHERE processed_at IS NULL;
CREATE TABLE IF NOT EXISTS relevo_addresses (
    channel TEXT NOT NULL,
    handle TEXT NOT NULL,
    oldest_pending BIGINT,
    worker TEXT,
    lease_until TIMESTAMPTZ,
    PRIMARY KEY (channel, handle)
);
CREATE INDEX IF NOT EXISTS relevo_addresses_ready ON relevo_addresses (oldest_pending)
    WHERE oldest_pending IS NOT NULL;
CREATE TABLE IF NOT EXISTS relevo_directory (
    channel TEXT NOT NULL,
    handle TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    PRIMARY KEY (channel, handle)
);
CREATE TABLE IF NOT EXISTS relevo_board (
    conversation_id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    row JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS relevo_board_by_mode ON relevo_board (mode, updated_at);
CREATE INDEX IF NOT EXISTS relevo_board_by_time ON relevo_board (updated_at);
CREATE TABLE IF NOT EXISTS relevo_outbound (
    provider_message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    rank SMALLINT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
"""

_CLAIM = """
UPDATE relevo_addresses AS a SET worker = %(worker)s, lease_until = %(until)s
FROM (
    SELECT channel, handle FROM relevo_addresses
    WHERE oldest_pending IS NOT NULL AND (lease_until IS NULL OR lease_until <= %(now)s)
    ORDER BY oldest_pending
    LIMIT 1
    FOR UPDATE SKIP LOCKED
) AS pick
WHERE a.channel = pick.channel AND a.handle = pick.handle
RETURNING a.channel, a.handle
"""

_PENDING = """
SELECT channel, message_id, handle, text, received_at, customer_id FROM relevo_inbox
WHERE channel = %s AND handle = %s AND processed_at IS NULL ORDER BY seq
"""


def _lock_key(conversation_id: str) -> int:
    """A signed 64-bit advisory-lock key for the conversation (a hash; collisions only serialise more)."""
    digest = hashlib.blake2b(f"relevo-conversation:{conversation_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresServeStore:
    """:class:`relevo.server.ServeStore` on PostgreSQL, shared by every process using the same database.

    Args:
        url: ``postgresql://user:password@host:port/database`` (or a libpq key=value string).
        clock: the time leases and board queries are measured against (injected in tests).
        max_connections: pool size for inbox, directory, board and status queries.
        lock_connections: pool size for conversation locks (each held lock keeps one connection).
        timeout_s: how long to wait for the server when opening and for a pooled connection.

    Raises:
        StorageError: the database is unreachable or the tables cannot be created.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], datetime] | None = None,
        max_connections: int = 10,
        lock_connections: int = 16,
        timeout_s: float = 10.0,
    ) -> None:
        self._where = describe_database_url(url)
        self._clock = clock or (lambda: datetime.now(UTC))
        create_schema(url, _SCHEMA, lock=_SCHEMA_LOCK, timeout_s=timeout_s, what="server store", where=self._where)
        options: dict[str, Any] = {"autocommit": True, "row_factory": dict_row}
        self._pool = ConnectionPool[psycopg.Connection[DictRow]](
            url, min_size=1, max_size=max_connections, kwargs=options, open=False, timeout=timeout_s, name="relevo"
        )
        # Lock holders wait for as long as the turn before them runs: a generous wait for a connection.
        self._locks = ConnectionPool[psycopg.Connection[DictRow]](
            url, min_size=0, max_size=lock_connections, kwargs=options, open=False, timeout=300, name="relevo-locks"
        )
        try:
            self._pool.open(wait=True, timeout=timeout_s)
            self._locks.open()
        except PoolTimeout as exc:
            self.close()
            raise StorageError(
                f"cannot open the server store in {self._where}: no connection in {timeout_s:g}s"
            ) from exc

    # -- inbox ------------------------------------------------------------------------------------
    def put(self, message: Inbound) -> bool:
        """Queue ``message``; False when ``(channel, message_id)`` was seen before (nothing is queued)."""
        with self._connection() as conn, conn.transaction():
            row = conn.execute(
                "INSERT INTO relevo_inbox (channel, message_id, handle, text, received_at, customer_id) "
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT ON CONSTRAINT relevo_inbox_once DO NOTHING RETURNING seq",
                (
                    message.channel,
                    message.message_id,
                    message.handle,
                    message.text,
                    message.received_at,
                    message.customer_id,
                ),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                "INSERT INTO relevo_addresses (channel, handle, oldest_pending) VALUES (%s, %s, %s) "
                "ON CONFLICT (channel, handle) DO UPDATE "
                "SET oldest_pending = COALESCE(relevo_addresses.oldest_pending, EXCLUDED.oldest_pending)",
                (message.channel, message.handle, row["seq"]),
            )
            return True

    def claim(self, worker: str, lease: timedelta) -> Claim | None:
        """Lease the oldest free address with pending messages, with all of them; None when idle."""
        now = self._clock()
        until = now + lease
        while True:
            with self._connection() as conn, conn.transaction():
                picked = conn.execute(_CLAIM, {"worker": worker, "until": until, "now": now}).fetchone()
                if picked is None:
                    return None
                channel, handle = picked["channel"], picked["handle"]
                rows = conn.execute(_PENDING, (channel, handle)).fetchall()
                if not rows:  # nothing left after all (cannot happen unless edited by hand): repair and go on
                    conn.execute(
                        "UPDATE relevo_addresses SET oldest_pending = NULL, worker = NULL, lease_until = NULL "
                        "WHERE channel = %s AND handle = %s",
                        (channel, handle),
                    )
                    continue
                return Claim(
                    channel=channel,
                    handle=handle,
                    worker=worker,
                    lease_until=until,
                    messages=[Inbound.model_validate(r) for r in rows],
                )

    def complete(self, claim: Claim, message_ids: list[str]) -> None:
        """Mark these messages processed (clearing their text) and release the claim's lease."""
        with self._connection() as conn, conn.transaction():
            # Lock the address row first, in its own statement: the oldest pending message is computed after
            # any concurrent put() of this address committed, so a message arriving now is never orphaned.
            conn.execute(
                "SELECT 1 FROM relevo_addresses WHERE channel = %s AND handle = %s FOR UPDATE",
                (claim.channel, claim.handle),
            )
            if message_ids:
                conn.execute(
                    "UPDATE relevo_inbox SET processed_at = %s, text = NULL "
                    "WHERE channel = %s AND handle = %s AND message_id = ANY(%s) AND processed_at IS NULL",
                    (self._clock(), claim.channel, claim.handle, message_ids),
                )
            conn.execute(
                "UPDATE relevo_addresses SET oldest_pending = ("
                "  SELECT min(seq) FROM relevo_inbox"
                "  WHERE channel = %(channel)s AND handle = %(handle)s AND processed_at IS NULL),"
                " worker = CASE WHEN worker = %(worker)s THEN NULL ELSE worker END,"
                " lease_until = CASE WHEN worker = %(worker)s THEN NULL ELSE lease_until END "
                "WHERE channel = %(channel)s AND handle = %(handle)s",
                {"channel": claim.channel, "handle": claim.handle, "worker": claim.worker},
            )

    def release(self, claim: Claim) -> None:
        """Give the lease back without processing (the messages stay pending, in order)."""
        with self._connection() as conn:
            conn.execute(
                "UPDATE relevo_addresses SET worker = NULL, lease_until = NULL "
                "WHERE channel = %s AND handle = %s AND worker = %s",
                (claim.channel, claim.handle, claim.worker),
            )

    def pending(self, channel: Channel, handle: str) -> int:
        """How many messages wait for this address."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT count(*) AS n FROM relevo_inbox WHERE channel = %s AND handle = %s AND processed_at IS NULL",
                (channel, handle),
            ).fetchone()
        return int(row["n"]) if row else 0

    # -- per-conversation lock --------------------------------------------------------------------
    @contextmanager
    def conversation_lock(self, conversation_id: str) -> Generator[None, None, None]:
        """Held around every graph invocation of the conversation; blocks until free, across processes."""
        key = _lock_key(conversation_id)
        try:
            conn = self._locks.getconn()
        except PoolTimeout as exc:
            raise StorageError(f"no free lock connection to {self._where}: {exc}") from exc
        try:
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            except psycopg.Error as exc:
                raise StorageError(f"cannot lock the conversation in {self._where}: {first_line(exc)}") from exc
            try:
                yield
            finally:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                except psycopg.Error:
                    # The session is broken: closing it is what releases the lock on the server.
                    conn.close()
        finally:
            self._locks.putconn(conn)

    # -- directory --------------------------------------------------------------------------------
    def current_conversation(self, channel: Channel, handle: str) -> str | None:
        """The open conversation this address writes to now, if any."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT conversation_id FROM relevo_directory WHERE channel = %s AND handle = %s", (channel, handle)
            ).fetchone()
        return None if row is None else str(row["conversation_id"])

    def bind(self, channel: Channel, handle: str, conversation_id: str) -> None:
        """From now on, this address writes to ``conversation_id``."""
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO relevo_directory (channel, handle, conversation_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (channel, handle) DO UPDATE SET conversation_id = EXCLUDED.conversation_id",
                (channel, handle, conversation_id),
            )

    # -- board ------------------------------------------------------------------------------------
    def upsert_board(self, row: BoardRow) -> None:
        """Write the conversation's console row (replacing the previous one)."""
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO relevo_board (conversation_id, mode, updated_at, row) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (conversation_id) DO UPDATE "
                "SET mode = EXCLUDED.mode, updated_at = EXCLUDED.updated_at, row = EXCLUDED.row",
                (row.conversation_id, row.mode, row.updated_at, Jsonb(row.model_dump(mode="json"))),
            )

    def board(self, conversation_id: str) -> BoardRow | None:
        """The conversation's console row, if it has one."""
        with self._connection() as conn:
            found = conn.execute(
                "SELECT row FROM relevo_board WHERE conversation_id = %s", (conversation_id,)
            ).fetchone()
        return None if found is None else BoardRow.model_validate(found["row"])

    def board_rows(self, *, modes: tuple[Mode, ...] | None = None, since: datetime | None = None) -> Iterator[BoardRow]:
        """Rows, optionally only those in ``modes`` or updated since ``since``, least recently updated first."""
        params = {"modes": None if modes is None else list(modes), "since": since}
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT row FROM relevo_board "
                "WHERE (%(modes)s::text[] IS NULL OR mode = ANY(%(modes)s::text[])) "
                "AND (%(since)s::timestamptz IS NULL OR updated_at >= %(since)s::timestamptz) "
                "ORDER BY updated_at, conversation_id",
                params,
            ).fetchall()
        return iter([BoardRow.model_validate(r["row"]) for r in rows])

    # -- outbound status --------------------------------------------------------------------------
    def record_outbound(self, provider_message_id: str, conversation_id: str, channel: Channel) -> None:
        """A message relevo sent (status ``queued``); recording it again changes nothing."""
        with self._connection() as conn:
            conn.execute(
                "INSERT INTO relevo_outbound (provider_message_id, conversation_id, channel, status, rank, updated_at)"
                " VALUES (%s, %s, %s, 'queued', 0, %s) ON CONFLICT (provider_message_id) DO UPDATE SET"
                " conversation_id = excluded.conversation_id, channel = excluded.channel"
                " WHERE relevo_outbound.conversation_id = ''",
                (provider_message_id, conversation_id, channel, self._clock()),
            )

    def advance_status(self, provider_message_id: str, status: DeliveryStatus, at: datetime) -> bool:
        """Move the message's status forward; False (and no change) when ``status`` is not ahead of it. A status
        for a message not recorded yet is kept (a fast callback can beat :meth:`record_outbound`)."""
        rank = _RANK[status]
        with self._connection() as conn:
            cur = conn.execute(
                "INSERT INTO relevo_outbound (provider_message_id, conversation_id, channel, status, rank, updated_at)"
                " VALUES (%s, '', '', %s, %s, %s) ON CONFLICT (provider_message_id) DO UPDATE SET"
                " status = excluded.status, rank = excluded.rank, updated_at = excluded.updated_at"
                " WHERE relevo_outbound.rank < excluded.rank",
                (provider_message_id, status, rank, at),
            )
            return cur.rowcount == 1

    def status(self, provider_message_id: str) -> DeliveryStatus | None:
        """The message's delivery status, or None for a message relevo did not record."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT status FROM relevo_outbound WHERE provider_message_id = %s", (provider_message_id,)
            ).fetchone()
        if row is None:
            return None
        found = str(row["status"])
        return next(s for s in _RANK if s == found)

    # -- failures and erasure ---------------------------------------------------------------------
    def dead_letter(self, claim: Claim, message_id: str, error: str) -> None:
        """Set aside a message that kept failing: processed, its text cleared, ``error`` kept (never text)."""
        with self._connection() as conn:
            conn.execute(
                "UPDATE relevo_inbox SET error = %s WHERE channel = %s AND handle = %s AND message_id = %s",
                (error[:2000], claim.channel, claim.handle, message_id),
            )
        self.complete(claim, [message_id])

    def dead_letters(self) -> list[DeadLetter]:
        """Messages set aside by :meth:`dead_letter`, oldest first."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT channel, message_id, handle, error, processed_at AS at FROM relevo_inbox "
                "WHERE error IS NOT NULL ORDER BY seq"
            ).fetchall()
        return [DeadLetter.model_validate(r) for r in rows]

    def footprint(self, customer_id: str, conversation_ids: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """The customer's conversations here (``conversation_ids`` plus board rows of ``customer_id``) and the
        channel addresses they wrote from."""
        with self._connection() as conn:
            return self._footprint(conn, customer_id, conversation_ids)

    @staticmethod
    def _footprint(
        conn: psycopg.Connection[DictRow], customer_id: str, conversation_ids: list[str]
    ) -> tuple[list[str], list[tuple[str, str]]]:
        found = conn.execute(
            "SELECT conversation_id FROM relevo_board WHERE row->>'customer_id' = %s", (customer_id,)
        ).fetchall()
        ids = sorted({*conversation_ids, *(str(r["conversation_id"]) for r in found)})
        rows = conn.execute(
            "SELECT channel, handle FROM relevo_directory WHERE conversation_id = ANY(%s) "
            "UNION SELECT row->>'channel', row->>'handle' FROM relevo_board WHERE conversation_id = ANY(%s)",
            (ids, ids),
        ).fetchall()
        return ids, sorted((str(r["channel"]), str(r["handle"])) for r in rows)

    def erase_customer(self, customer_id: str, conversation_ids: list[str]) -> dict[str, int]:
        """Delete the customer's board rows, their addresses' inbox messages, directory entries and leases, and
        their outbound statuses, in one transaction; returns rows removed per table."""
        with self._connection() as conn, conn.transaction():
            ids, addresses = self._footprint(conn, customer_id, conversation_ids)
            counts = {"inbox": 0, "board": 0, "directory": 0, "outbound": 0}
            for address in addresses:
                counts["inbox"] += conn.execute(
                    "DELETE FROM relevo_inbox WHERE channel = %s AND handle = %s", address
                ).rowcount
                conn.execute("DELETE FROM relevo_addresses WHERE channel = %s AND handle = %s", address)
                counts["directory"] += conn.execute(
                    "DELETE FROM relevo_directory WHERE channel = %s AND handle = %s", address
                ).rowcount
            counts["inbox"] += conn.execute("DELETE FROM relevo_inbox WHERE customer_id = %s", (customer_id,)).rowcount
            counts["board"] = conn.execute("DELETE FROM relevo_board WHERE conversation_id = ANY(%s)", (ids,)).rowcount
            counts["directory"] += conn.execute(
                "DELETE FROM relevo_directory WHERE conversation_id = ANY(%s)", (ids,)
            ).rowcount
            counts["outbound"] = conn.execute(
                "DELETE FROM relevo_outbound WHERE conversation_id = ANY(%s)", (ids,)
            ).rowcount
        return counts

    def compact(self) -> str:
        """``VACUUM`` the tables so the erased rows' space is reclaimed; returns what was compacted."""
        with self._connection() as conn:
            for table in ("relevo_inbox", "relevo_addresses", "relevo_directory", "relevo_board", "relevo_outbound"):
                conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(table)))
        return "relevo_* server tables"

    def close(self) -> None:
        """Close both connection pools (held conversation locks are released with their sessions)."""
        self._pool.close()
        self._locks.close()

    # -- internals --------------------------------------------------------------------------------
    @contextmanager
    def _connection(self) -> Generator[psycopg.Connection[DictRow], None, None]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StorageError(f"no connection to the server store in {self._where}: {exc}") from exc
        except psycopg.OperationalError as exc:
            raise StorageError(f"the server store in {self._where} failed: {first_line(exc)}") from exc
