"""The memory registry in PostgreSQL, for scale-out mode: every process sees the same consent, keys and vault.

The SQLite registry lives in one data directory. Several ``relevo serve`` processes (on several hosts) must
agree on it: a customer's memory records are sealed with the customer's key, so a process with its own key
table could neither read another's records nor keep one key per customer, and a vault token minted by one
process must be revealed by another. Same tables as the SQLite file, prefixed ``relevo_memory_``.

Erased rows are deleted at once; :meth:`PostgresCustomerRegistry.compact` runs ``VACUUM`` on the tables so
their space is reclaimed (PostgreSQL overwrites it as it reuses pages; ``VACUUM FULL`` by the operator
rewrites the files).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Generator
from contextlib import contextmanager
from datetime import datetime
from typing import cast

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

from relevo._errors import StorageError
from relevo._postgres import create_schema, first_line
from relevo.memory._redact import PiiKind
from relevo.memory._vault_seal import lookup_digest, new_vault_key, open_value, seal_value

__all__ = ["PostgresCustomerRegistry"]

_SCHEMA_LOCK = 0x72656C65766F03  # "relevo" + 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS relevo_memory_consent (
    customer_id TEXT PRIMARY KEY, opted_in BOOLEAN NOT NULL, at TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS relevo_memory_identities (
    channel TEXT NOT NULL, handle TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (channel, handle));
CREATE INDEX IF NOT EXISTS relevo_memory_identities_by_customer ON relevo_memory_identities (customer_id);
CREATE TABLE IF NOT EXISTS relevo_memory_conversations (
    conversation_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, started_at TIMESTAMPTZ NOT NULL);
CREATE INDEX IF NOT EXISTS relevo_memory_conversations_by_customer ON relevo_memory_conversations (customer_id);
CREATE TABLE IF NOT EXISTS relevo_memory_secrets (customer_id TEXT PRIMARY KEY, secret BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS relevo_memory_outcomes (
    intent TEXT NOT NULL, outcome TEXT NOT NULL, resolved_by TEXT NOT NULL, count BIGINT NOT NULL,
    PRIMARY KEY (intent, outcome, resolved_by));
"""
# Sealed values and their digests only (see relevo.memory._vault_seal); a scope's key goes with its entries.
_VAULT_SCHEMA = """
CREATE TABLE IF NOT EXISTS relevo_memory_vault (
    conversation_id TEXT NOT NULL, token TEXT NOT NULL, kind TEXT NOT NULL, digest BYTEA NOT NULL,
    sealed BYTEA NOT NULL, PRIMARY KEY (conversation_id, token));
CREATE TABLE IF NOT EXISTS relevo_memory_vault_keys (scope TEXT PRIMARY KEY, key BYTEA NOT NULL);
"""
_TABLES = ("consent", "identities", "conversations", "vault", "vault_keys", "secrets", "outcomes")
_TOKEN = re.compile(r"\[([A-Z_]+)_(\d+)\]")


def _vault_lock(conversation_id: str) -> int:
    digest = hashlib.blake2b(f"relevo-vault:{conversation_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _open_vault(url: str, *, timeout_s: float, where: str) -> None:
    """Create the sealed vault, or seal a plaintext vault left by an older relevo (its table is then dropped)."""
    try:
        with (
            psycopg.connect(url, autocommit=True, connect_timeout=max(1, round(timeout_s))) as conn,
            conn.transaction(),
        ):
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            plaintext = conn.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = 'relevo_memory_vault' AND column_name = 'value'"
            ).fetchone()
            if plaintext is not None:
                conn.execute("ALTER TABLE relevo_memory_vault RENAME TO relevo_memory_vault_plaintext")
                conn.execute("ALTER INDEX IF EXISTS relevo_memory_vault_pkey RENAME TO relevo_memory_vault_old_pkey")
            conn.execute(_VAULT_SCHEMA.encode())
            if plaintext is None:
                return
            keys: dict[str, bytes] = {}
            rows = conn.execute("SELECT conversation_id, token, kind, value FROM relevo_memory_vault_plaintext")
            for scope, token, kind, value in rows.fetchall():
                scope, token, kind, value = str(scope), str(token), str(kind), str(value)
                if scope not in keys:
                    keys[scope] = new_vault_key()
                    conn.execute(
                        "INSERT INTO relevo_memory_vault_keys (scope, key) VALUES (%s, %s)", (scope, keys[scope])
                    )
                key = keys[scope]
                conn.execute(
                    "INSERT INTO relevo_memory_vault (conversation_id, token, kind, digest, sealed) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (scope, token, kind, lookup_digest(key, kind, value), seal_value(key, scope, token, kind, value)),
                )
            conn.execute("DROP TABLE relevo_memory_vault_plaintext")
    except psycopg.Error as exc:
        raise StorageError(f"cannot open the memory registry's vault in {where}: {first_line(exc)}") from exc


class PostgresCustomerRegistry:
    """Consent, identities, the conversation index and the PII vault of a deployment, in PostgreSQL.

    Behaves exactly like :class:`relevo.memory.CustomerRegistry` (one conformance suite covers both).

    Raises:
        StorageError: the database is unreachable or the tables cannot be created.
    """

    def __init__(self, url: str, *, max_connections: int = 4, timeout_s: float = 10.0) -> None:
        from relevo.orchestrator._persistence import describe_database_url

        self.name = f"relevo_memory_* tables in {describe_database_url(url)}"
        create_schema(
            url,
            _SCHEMA,
            lock=_SCHEMA_LOCK,
            timeout_s=timeout_s,
            what="memory registry",
            where=describe_database_url(url),
        )
        _open_vault(url, timeout_s=timeout_s, where=describe_database_url(url))
        self._pool = ConnectionPool[psycopg.Connection](
            url, min_size=1, max_size=max_connections, kwargs={"autocommit": True}, open=False, timeout=timeout_s
        )
        try:
            self._pool.open(wait=True, timeout=timeout_s)
        except PoolTimeout as exc:
            self._pool.close()
            raise StorageError(f"cannot open the memory registry in {self.name}: {exc}") from exc

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _conn(self) -> Generator[psycopg.Connection]:
        try:
            with self._pool.connection() as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            raise StorageError(f"the memory registry ({self.name}) failed: {exc}") from exc

    # -- consent ---------------------------------------------------------------------------------------
    def consent(self, customer_id: str) -> bool | None:
        """The customer's own choice, or None when they never made one (the deployment default applies)."""
        with self._conn() as conn:
            row = conn.execute(
                "SELECT opted_in FROM relevo_memory_consent WHERE customer_id = %s", (customer_id,)
            ).fetchone()
        return None if row is None else bool(row[0])

    def set_consent(self, customer_id: str, opted_in: bool, at: datetime) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO relevo_memory_consent (customer_id, opted_in, at) VALUES (%s, %s, %s) "
                "ON CONFLICT (customer_id) DO UPDATE SET opted_in = EXCLUDED.opted_in, at = EXCLUDED.at",
                (customer_id, opted_in, at),
            )

    # -- identities ------------------------------------------------------------------------------------
    def link(self, channel: str, handle: str, customer_id: str) -> None:
        """Record that ``handle`` on ``channel`` is ``customer_id``."""
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO relevo_memory_identities (channel, handle, customer_id) VALUES (%s, %s, %s) "
                "ON CONFLICT (channel, handle) DO UPDATE SET customer_id = EXCLUDED.customer_id",
                (channel, handle.strip().lower(), customer_id),
            )

    def resolve(self, channel: str, handle: str) -> str | None:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT customer_id FROM relevo_memory_identities WHERE channel = %s AND handle = %s",
                (channel, handle.strip().lower()),
            ).fetchone()
        return None if row is None else str(row[0])

    def identities(self, customer_id: str) -> list[tuple[str, str]]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT channel, handle FROM relevo_memory_identities WHERE customer_id = %s ORDER BY channel, handle",
                (customer_id,),
            ).fetchall()
        return [(str(c), str(h)) for c, h in rows]

    # -- conversations ---------------------------------------------------------------------------------
    def add_conversation(self, conversation_id: str, customer_id: str, at: datetime) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO relevo_memory_conversations (conversation_id, customer_id, started_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (conversation_id) DO UPDATE "
                "SET customer_id = EXCLUDED.customer_id, started_at = EXCLUDED.started_at",
                (conversation_id, customer_id, at),
            )

    def conversations(self, customer_id: str) -> list[str]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT conversation_id FROM relevo_memory_conversations WHERE customer_id = %s "
                "ORDER BY started_at, conversation_id",
                (customer_id,),
            ).fetchall()
        return [str(r[0]) for r in rows]

    # -- vault -----------------------------------------------------------------------------------------
    def token_for(self, conversation_id: str, kind: PiiKind, value: str) -> str:
        """The vault token for ``value`` in this conversation (the same value keeps its token, in every process).

        The value is stored sealed under the conversation's vault key, never as written; card numbers are never
        stored at all: their token keeps only the last four digits.
        """
        stored = f"card ending {''.join(c for c in value if c.isdigit())[-4:]}" if kind == "CARD" else value
        with self._conn() as conn, conn.transaction():
            # Numbering is per conversation: serialise it across processes.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_vault_lock(conversation_id),))
            conn.execute(
                "INSERT INTO relevo_memory_vault_keys (scope, key) VALUES (%s, %s) ON CONFLICT (scope) DO NOTHING",
                (conversation_id, new_vault_key()),
            )
            found = conn.execute(
                "SELECT key FROM relevo_memory_vault_keys WHERE scope = %s", (conversation_id,)
            ).fetchone()
            assert found is not None
            key = bytes(found[0])
            digest = lookup_digest(key, kind, stored)
            if kind != "CARD":
                row = conn.execute(
                    "SELECT token FROM relevo_memory_vault WHERE conversation_id = %s AND kind = %s AND digest = %s",
                    (conversation_id, kind, digest),
                ).fetchone()
                if row is not None:
                    return str(row[0])
            counted = conn.execute(
                "SELECT count(*) FROM relevo_memory_vault WHERE conversation_id = %s AND kind = %s",
                (conversation_id, kind),
            ).fetchone()
            token = f"[{kind}_{int(counted[0] if counted else 0) + 1}]"
            conn.execute(
                "INSERT INTO relevo_memory_vault (conversation_id, token, kind, digest, sealed) "
                "VALUES (%s, %s, %s, %s, %s)",
                (conversation_id, token, kind, digest, seal_value(key, conversation_id, token, kind, stored)),
            )
        return token

    def reveal(self, conversation_id: str, text: str) -> str:
        """``text`` with this conversation's vault tokens replaced by their values (for tools, never models)."""
        if "[" not in text:
            return text
        values = {token: value for token, (_, value) in self.vault(conversation_id).items()}
        return _TOKEN.sub(lambda m: values.get(m.group(0), m.group(0)), text)

    def vault(self, conversation_id: str) -> dict[str, tuple[PiiKind, str]]:
        """The conversation's vault: token -> (kind, stored value), unsealed.

        Raises:
            StorageError: an entry fails its integrity check.
        """
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT v.token, v.kind, v.sealed, k.key FROM relevo_memory_vault v "
                "JOIN relevo_memory_vault_keys k ON k.scope = v.conversation_id WHERE v.conversation_id = %s",
                (conversation_id,),
            ).fetchall()
        return {
            str(t): (cast(PiiKind, str(k)), open_value(bytes(key), conversation_id, str(t), str(k), bytes(v)))
            for t, k, v, key in rows
        }

    def drop_vault(self, scope: str, *, prefix: bool = False) -> int:
        """Delete the vault entries of ``scope`` (with ``prefix``: of every scope starting so) and their keys;
        returns how many entries."""
        with self._conn() as conn, conn.transaction():
            if not prefix:
                conn.execute("DELETE FROM relevo_memory_vault_keys WHERE scope = %s", (scope,))
                return conn.execute("DELETE FROM relevo_memory_vault WHERE conversation_id = %s", (scope,)).rowcount
            conn.execute("DELETE FROM relevo_memory_vault_keys WHERE left(scope, %s) = %s", (len(scope), scope))
            return conn.execute(
                "DELETE FROM relevo_memory_vault WHERE left(conversation_id, %s) = %s", (len(scope), scope)
            ).rowcount

    # -- per-customer keys (crypto-shredding) ----------------------------------------------------------
    def secret(self, customer_id: str, *, create: bool) -> bytes | None:
        """The key sealing this customer's memory records; two processes creating it at once agree on one."""
        with self._conn() as conn:
            if create:
                conn.execute(
                    "INSERT INTO relevo_memory_secrets (customer_id, secret) VALUES (%s, %s) "
                    "ON CONFLICT (customer_id) DO NOTHING",
                    (customer_id, os.urandom(32)),
                )
            row = conn.execute(
                "SELECT secret FROM relevo_memory_secrets WHERE customer_id = %s", (customer_id,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def drop_secret(self, customer_id: str) -> int:
        """Destroy the customer's key: any copy of their sealed records left anywhere becomes unreadable."""
        with self._conn() as conn:
            return conn.execute("DELETE FROM relevo_memory_secrets WHERE customer_id = %s", (customer_id,)).rowcount

    # -- anonymous outcome counts ----------------------------------------------------------------------
    def count_outcome(self, intent: str, outcome: str, resolved_by: str) -> None:
        """Aggregate knowledge across customers: counts only, no customer, no text."""
        with self._conn() as conn:
            conn.execute(
                "INSERT INTO relevo_memory_outcomes (intent, outcome, resolved_by, count) VALUES (%s, %s, %s, 1) "
                "ON CONFLICT (intent, outcome, resolved_by) DO UPDATE SET count = relevo_memory_outcomes.count + 1",
                (intent, outcome, resolved_by),
            )

    def outcomes(self, intent: str) -> dict[str, int]:
        with self._conn() as conn:
            rows = conn.execute(
                "SELECT outcome || ' by ' || resolved_by, count FROM relevo_memory_outcomes WHERE intent = %s",
                (intent,),
            ).fetchall()
        return {str(k): int(v) for k, v in rows}

    # -- erasure ---------------------------------------------------------------------------------------
    def forget(self, customer_id: str) -> dict[str, int]:
        """Delete everything about ``customer_id`` in one transaction; returns rows removed per table."""
        with self._conn() as conn, conn.transaction():
            vault = conn.execute(
                "DELETE FROM relevo_memory_vault WHERE conversation_id IN "
                "(SELECT conversation_id FROM relevo_memory_conversations WHERE customer_id = %s)",
                (customer_id,),
            ).rowcount
            conn.execute(
                "DELETE FROM relevo_memory_vault_keys WHERE scope IN "
                "(SELECT conversation_id FROM relevo_memory_conversations WHERE customer_id = %s)",
                (customer_id,),
            )
            identities = conn.execute(
                "DELETE FROM relevo_memory_identities WHERE customer_id = %s", (customer_id,)
            ).rowcount
            index = conn.execute(
                "DELETE FROM relevo_memory_conversations WHERE customer_id = %s", (customer_id,)
            ).rowcount
            consent = conn.execute("DELETE FROM relevo_memory_consent WHERE customer_id = %s", (customer_id,)).rowcount
            keys = conn.execute("DELETE FROM relevo_memory_secrets WHERE customer_id = %s", (customer_id,)).rowcount
        return {
            "vault_entries": vault,
            "identities": identities,
            "conversation_index": index,
            "consent": consent,
            "keys": keys,
        }

    def compact(self) -> str:
        """Reclaim the erased rows' space (``VACUUM``); returns what was compacted."""
        with self._conn() as conn:
            for table in _TABLES:
                conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(f"relevo_memory_{table}")))
        return "relevo_memory_* tables"
