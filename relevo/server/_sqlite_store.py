"""The server's bookkeeping in one SQLite file (``serve.sqlite`` in the data directory): the embedded default.

Design:

* The file is in WAL mode, so readers (the console, SSE streams) never block the writer.
* ``inbox`` holds every message ever delivered, unique on ``(channel, message_id)``: a repeated delivery hits the
  constraint (``INSERT OR IGNORE``) and is reported as seen. Once processed a message keeps only its key (its text
  is cleared; the conversation's checkpoint has the redacted copy).
* ``claim`` runs in a ``BEGIN IMMEDIATE`` transaction, which takes SQLite's write lock up front: two workers, in
  this process or another one on the same machine, never lease the same address.
* The conversation lock is a lease row (``conversation_locks``) taken in a ``BEGIN IMMEDIATE`` transaction and
  renewed by a heartbeat while held, so it also holds across processes sharing the file; threads of one process
  queue on an in-process lock first. A process that dies holding it blocks the conversation until the lease
  runs out (``lock_ttl``, 30 s by default).
* Delivery statuses carry a rank; one ``UPDATE ... WHERE rank < new`` moves them forward only.
* Customer data is erasable to the byte: ``secure_delete`` overwrites deleted rows, and :meth:`compact` (run by
  erasure) vacuums the file and truncates its WAL. Message text arrives here already redacted (vault tokens).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from relevo._errors import StorageError
from relevo.contracts import Channel, Mode
from relevo.server._ports import BoardRow, Claim, DeadLetter, DeliveryStatus, Inbound

__all__ = ["SqliteServeStore"]

_RANK: dict[DeliveryStatus, int] = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    message_id TEXT NOT NULL,
    handle TEXT NOT NULL,
    text TEXT,
    received_at TEXT NOT NULL,
    customer_id TEXT,
    processed_at TEXT,
    error TEXT,
    UNIQUE (channel, message_id)
);
CREATE INDEX IF NOT EXISTS inbox_pending ON inbox (seq) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS inbox_address ON inbox (channel, handle, seq) WHERE processed_at IS NULL;
CREATE TABLE IF NOT EXISTS leases (
    channel TEXT NOT NULL,
    handle TEXT NOT NULL,
    worker TEXT NOT NULL,
    lease_until REAL NOT NULL,
    PRIMARY KEY (channel, handle)
);
CREATE TABLE IF NOT EXISTS directory (
    channel TEXT NOT NULL,
    handle TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    PRIMARY KEY (channel, handle)
);
CREATE TABLE IF NOT EXISTS board (
    conversation_id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    updated_at REAL NOT NULL,
    row TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS board_by_time ON board (updated_at);
CREATE TABLE IF NOT EXISTS outbound (
    provider_message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    rank INTEGER NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS conversation_locks (
    conversation_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until REAL NOT NULL
);
"""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _chunks(ids: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class SqliteServeStore:
    """:class:`relevo.server.ServeStore` in a SQLite file; safe for many threads and several local processes.

    Args:
        path: the database file (created with its folder when missing).
        clock: now, as an aware datetime (injected by tests).
        lock_ttl: how long a conversation lock outlives a process that died holding it.
        lock_poll: how often a waiter on a lock held by another process looks again.

    Raises:
        StorageError: the file cannot be opened or is not a relevo serve database.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        lock_ttl: timedelta = timedelta(seconds=30),
        lock_poll: float = 0.02,
    ) -> None:
        self.path = path
        self._clock = clock
        self._lock_ttl = lock_ttl.total_seconds()
        self._lock_poll = lock_poll
        self._owner = f"{uuid.uuid4().hex[:12]}"
        self._guard = threading.RLock()
        self._local_locks: dict[str, threading.Lock] = {}
        self._local_guard = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(_SCHEMA)
            columns = {str(r["name"]) for r in self._db.execute("PRAGMA table_info(inbox)").fetchall()}
            if "error" not in columns:  # a file from before dead-lettering
                self._db.execute("ALTER TABLE inbox ADD COLUMN error TEXT")
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open the server store {path}: {exc}") from exc

    # -- plumbing ---------------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Generator[sqlite3.Connection]:
        """One write transaction holding SQLite's write lock from its first statement."""
        with self._guard:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"server store {self.path}: {exc}") from exc
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._guard:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"server store {self.path}: {exc}") from exc

    def _now(self) -> datetime:
        return self._clock()

    # -- inbox ------------------------------------------------------------------------------------------
    def put(self, message: Inbound) -> bool:
        """Queue ``message``; False when ``(channel, message_id)`` was seen before (nothing is queued)."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO inbox (channel, message_id, handle, text, received_at, customer_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message.channel,
                    message.message_id,
                    message.handle,
                    message.text,
                    message.received_at.isoformat(),
                    message.customer_id,
                ),
            )
            return cursor.rowcount == 1

    def claim(self, worker: str, lease: timedelta) -> Claim | None:
        """Lease the oldest address with pending messages that no live lease holds, with all its pending
        messages; None when there is nothing to do. Atomic across threads and processes."""
        now = self._now()
        with self._write() as db:
            row = db.execute(
                "SELECT i.channel, i.handle FROM inbox i"
                " WHERE i.processed_at IS NULL AND NOT EXISTS ("
                "   SELECT 1 FROM leases l WHERE l.channel = i.channel AND l.handle = i.handle AND l.lease_until > ?)"
                " ORDER BY i.seq LIMIT 1",
                (now.timestamp(),),
            ).fetchone()
            if row is None:
                return None
            until = now + lease
            db.execute(
                "INSERT INTO leases (channel, handle, worker, lease_until) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (channel, handle) DO UPDATE SET worker = excluded.worker,"
                " lease_until = excluded.lease_until",
                (row["channel"], row["handle"], worker, until.timestamp()),
            )
            messages = db.execute(
                "SELECT channel, message_id, handle, text, received_at, customer_id FROM inbox"
                " WHERE channel = ? AND handle = ? AND processed_at IS NULL ORDER BY seq",
                (row["channel"], row["handle"]),
            ).fetchall()
        return Claim(
            channel=row["channel"],
            handle=row["handle"],
            worker=worker,
            lease_until=until,
            messages=[
                Inbound(
                    channel=m["channel"],
                    message_id=m["message_id"],
                    handle=m["handle"],
                    text=m["text"] or "",
                    received_at=datetime.fromisoformat(m["received_at"]),
                    customer_id=m["customer_id"],
                )
                for m in messages
            ],
        )

    def complete(self, claim: Claim, message_ids: list[str]) -> None:
        """Mark these messages of the claim processed (their text is cleared) and release the lease."""
        now = self._now().isoformat()
        with self._write() as db:
            db.executemany(
                "UPDATE inbox SET processed_at = ?, text = NULL"
                " WHERE channel = ? AND message_id = ? AND handle = ? AND processed_at IS NULL",
                [(now, claim.channel, message_id, claim.handle) for message_id in message_ids],
            )
            self._drop_lease(db, claim)

    def release(self, claim: Claim) -> None:
        """Give the lease back without processing (the messages stay pending, in order)."""
        with self._write() as db:
            self._drop_lease(db, claim)

    def release_orphans(self) -> int:
        """Drop every address lease and conversation lock in the file; returns how many there were.

        Only for the file's one writer process, at its start (``relevo serve`` holds the data directory's lock,
        :class:`relevo._data_dir_lock.DataDirLock`): every lease then belongs to a process that died, and its
        messages are answered now instead of when the lease runs out (``RELEVO_LEASE_SECONDS``, 2 minutes by
        default, after a ``kill -9``).
        """
        with self._write() as db:
            leases = db.execute("DELETE FROM leases").rowcount
            locks = db.execute("DELETE FROM conversation_locks").rowcount
        return leases + locks

    @staticmethod
    def _drop_lease(db: sqlite3.Connection, claim: Claim) -> None:
        db.execute(
            "DELETE FROM leases WHERE channel = ? AND handle = ? AND worker = ?",
            (claim.channel, claim.handle, claim.worker),
        )

    def pending(self, channel: Channel, handle: str) -> int:
        """How many messages wait for this address."""
        rows = self._read(
            "SELECT COUNT(*) AS n FROM inbox WHERE channel = ? AND handle = ? AND processed_at IS NULL",
            (channel, handle),
        )
        return int(rows[0]["n"])

    # -- per-conversation lock --------------------------------------------------------------------------
    @contextmanager
    def conversation_lock(self, conversation_id: str) -> Generator[None]:
        """Held around every graph invocation of the conversation; blocks until free, across processes."""
        with self._local_guard:
            local = self._local_locks.setdefault(conversation_id, threading.Lock())
        with local:
            token = f"{self._owner}:{threading.get_ident()}"
            self._acquire_row(conversation_id, token)
            stop = threading.Event()
            heartbeat = threading.Thread(
                target=self._renew, args=(conversation_id, token, stop), name="relevo-lock-heartbeat", daemon=True
            )
            heartbeat.start()
            try:
                yield
            finally:
                stop.set()
                heartbeat.join()
                with self._write() as db:
                    db.execute(
                        "DELETE FROM conversation_locks WHERE conversation_id = ? AND owner = ?",
                        (conversation_id, token),
                    )

    def _acquire_row(self, conversation_id: str, token: str) -> None:
        waiter = threading.Event()  # never set: its wait() is an interruptible pause between attempts
        while True:
            now = self._now().timestamp()
            with self._write() as db:
                cursor = db.execute(
                    "INSERT INTO conversation_locks (conversation_id, owner, until) VALUES (?, ?, ?)"
                    " ON CONFLICT (conversation_id) DO UPDATE SET owner = excluded.owner, until = excluded.until"
                    " WHERE conversation_locks.until < ?",
                    (conversation_id, token, now + self._lock_ttl, now),
                )
                if cursor.rowcount == 1:
                    return
            waiter.wait(self._lock_poll)

    def _renew(self, conversation_id: str, token: str, stop: threading.Event) -> None:
        while not stop.wait(self._lock_ttl / 3):
            with self._write() as db:
                db.execute(
                    "UPDATE conversation_locks SET until = ? WHERE conversation_id = ? AND owner = ?",
                    (self._now().timestamp() + self._lock_ttl, conversation_id, token),
                )

    # -- directory --------------------------------------------------------------------------------------
    def current_conversation(self, channel: Channel, handle: str) -> str | None:
        """The open conversation this address writes to now, if any."""
        rows = self._read(
            "SELECT conversation_id FROM directory WHERE channel = ? AND handle = ?",
            (channel, handle),
        )
        return str(rows[0]["conversation_id"]) if rows else None

    def bind(self, channel: Channel, handle: str, conversation_id: str) -> None:
        """From now on, this address writes to ``conversation_id``."""
        with self._write() as db:
            db.execute(
                "INSERT INTO directory (channel, handle, conversation_id) VALUES (?, ?, ?)"
                " ON CONFLICT (channel, handle) DO UPDATE SET conversation_id = excluded.conversation_id",
                (channel, handle, conversation_id),
            )

    # -- board ------------------------------------------------------------------------------------------
    def upsert_board(self, row: BoardRow) -> None:
        """Write the console's row for ``row.conversation_id`` (replacing the previous one)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO board (conversation_id, mode, updated_at, row) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (conversation_id) DO UPDATE SET mode = excluded.mode,"
                " updated_at = excluded.updated_at, row = excluded.row",
                (row.conversation_id, row.mode, row.updated_at.timestamp(), row.model_dump_json()),
            )

    def board(self, conversation_id: str) -> BoardRow | None:
        """The row of one conversation, if the server has seen it."""
        rows = self._read("SELECT row FROM board WHERE conversation_id = ?", (conversation_id,))
        return BoardRow.model_validate_json(rows[0]["row"]) if rows else None

    def board_rows(self, *, modes: tuple[Mode, ...] | None = None, since: datetime | None = None) -> Iterator[BoardRow]:
        """Rows, optionally only those in ``modes`` or updated since ``since`` (oldest update first)."""
        clauses: list[str] = []
        params: list[Any] = []
        if modes is not None:
            if not modes:
                return iter(())
            clauses.append(f"mode IN ({', '.join('?' for _ in modes)})")
            params.extend(modes)
        if since is not None:
            clauses.append("updated_at >= ?")
            params.append(since.timestamp())
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._read(f"SELECT row FROM board{where} ORDER BY updated_at", tuple(params))
        return iter([BoardRow.model_validate_json(r["row"]) for r in rows])

    # -- outbound status --------------------------------------------------------------------------------
    def record_outbound(self, provider_message_id: str, conversation_id: str, channel: Channel) -> None:
        """A message relevo sent (status ``queued``); recording it again changes nothing."""
        with self._write() as db:
            db.execute(
                "INSERT INTO outbound (provider_message_id, conversation_id, channel, status, rank, at)"
                " VALUES (?, ?, ?, 'queued', 0, ?) ON CONFLICT (provider_message_id) DO UPDATE SET"
                " conversation_id = excluded.conversation_id, channel = excluded.channel"
                " WHERE outbound.conversation_id = ''",
                (provider_message_id, conversation_id, channel, self._now().isoformat()),
            )

    def advance_status(self, provider_message_id: str, status: DeliveryStatus, at: datetime) -> bool:
        """Move the message's status forward; False (and no change) when ``status`` is not ahead of it. A status
        for a message not recorded yet is kept (a fast callback can beat :meth:`record_outbound`)."""
        rank = _RANK[status]
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO outbound (provider_message_id, conversation_id, channel, status, rank, at)"
                " VALUES (?, '', '', ?, ?, ?) ON CONFLICT (provider_message_id) DO UPDATE SET"
                " status = excluded.status, rank = excluded.rank, at = excluded.at WHERE outbound.rank < excluded.rank",
                (provider_message_id, status, rank, at.isoformat()),
            )
            return cursor.rowcount == 1

    def status(self, provider_message_id: str) -> DeliveryStatus | None:
        """The recorded delivery status of a message relevo sent."""
        rows = self._read("SELECT status FROM outbound WHERE provider_message_id = ?", (provider_message_id,))
        return cast(DeliveryStatus, rows[0]["status"]) if rows else None

    # -- failures and erasure ---------------------------------------------------------------------------
    def dead_letter(self, claim: Claim, message_id: str, error: str) -> None:
        """Set aside a message that kept failing: processed, its text cleared, ``error`` kept (never text)."""
        with self._write() as db:
            db.execute(
                "UPDATE inbox SET error = ? WHERE channel = ? AND message_id = ? AND handle = ?",
                (error[:2000], claim.channel, message_id, claim.handle),
            )
        self.complete(claim, [message_id])

    def dead_letters(self) -> list[DeadLetter]:
        """Messages set aside by :meth:`dead_letter`, oldest first."""
        rows = self._read(
            "SELECT channel, message_id, handle, error, processed_at FROM inbox WHERE error IS NOT NULL ORDER BY seq"
        )
        return [
            DeadLetter(
                channel=r["channel"],
                message_id=r["message_id"],
                handle=r["handle"],
                error=r["error"],
                at=datetime.fromisoformat(r["processed_at"]),
            )
            for r in rows
        ]

    def footprint(self, customer_id: str, conversation_ids: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """The customer's conversations here (``conversation_ids`` plus board rows of ``customer_id``) and the
        channel addresses they wrote from."""
        with self._guard:
            return self._footprint(self._db, customer_id, conversation_ids)

    @staticmethod
    def _footprint(
        db: sqlite3.Connection, customer_id: str, conversation_ids: list[str]
    ) -> tuple[list[str], list[tuple[str, str]]]:
        wanted = set(conversation_ids)
        rows = {
            str(r["conversation_id"]): BoardRow.model_validate_json(r["row"])
            for r in db.execute("SELECT conversation_id, row FROM board").fetchall()
        }
        wanted.update(c for c, row in rows.items() if row.customer_id == customer_id)
        ids = sorted(wanted)
        addresses = {(rows[c].channel, rows[c].handle) for c in ids if c in rows}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            found = db.execute(f"SELECT channel, handle FROM directory WHERE conversation_id IN ({marks})", chunk)
            addresses.update((str(c), str(h)) for c, h in found.fetchall())
        return ids, sorted(addresses)

    def erase_customer(self, customer_id: str, conversation_ids: list[str]) -> dict[str, int]:
        """Delete the customer's board rows, their addresses' inbox messages, directory entries and leases, and
        their outbound statuses; returns rows removed per table."""
        with self._write() as db:
            ids, addresses = self._footprint(db, customer_id, conversation_ids)
            counts = {"inbox": 0, "board": 0, "directory": 0, "outbound": 0}
            for channel, handle in addresses:
                counts["inbox"] += db.execute(
                    "DELETE FROM inbox WHERE channel = ? AND handle = ?", (channel, handle)
                ).rowcount
                db.execute("DELETE FROM leases WHERE channel = ? AND handle = ?", (channel, handle))
                counts["directory"] += db.execute(
                    "DELETE FROM directory WHERE channel = ? AND handle = ?", (channel, handle)
                ).rowcount
            counts["inbox"] += db.execute("DELETE FROM inbox WHERE customer_id = ?", (customer_id,)).rowcount
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                counts["board"] += db.execute(f"DELETE FROM board WHERE conversation_id IN ({marks})", chunk).rowcount
                counts["directory"] += db.execute(
                    f"DELETE FROM directory WHERE conversation_id IN ({marks})", chunk
                ).rowcount
                counts["outbound"] += db.execute(
                    f"DELETE FROM outbound WHERE conversation_id IN ({marks})", chunk
                ).rowcount
                db.execute(f"DELETE FROM conversation_locks WHERE conversation_id IN ({marks})", chunk)
        return counts

    def compact(self) -> str:
        """Vacuum the file and empty its WAL, so erased rows leave the disk; returns the file's name."""
        with self._guard:
            try:
                self._db.execute("VACUUM")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:
                raise StorageError(f"cannot compact the server store {self.path}: {exc}") from exc
        return self.path.name

    def close(self) -> None:
        """Close the file."""
        with self._guard:
            self._db.close()

    def __repr__(self) -> str:
        return f"SqliteServeStore({str(self.path)!r})"
