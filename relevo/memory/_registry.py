"""The memory registry: consent, linked channel identities, the customer → conversation index, the PII vault.

One small SQLite file in the data directory. The vault stores no raw value: each is sealed (AES-256-GCM) under
its conversation's key in ``vault_keys``, and looked up by a keyed digest; dropping the scope deletes the key
with the entries (a plaintext vault of an older relevo is sealed when the file is opened). ``secure_delete`` is
on, so erased rows are overwritten, and :meth:`CustomerRegistry.compact` vacuums the file and truncates its
write-ahead log.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Protocol, cast

from relevo._errors import StorageError
from relevo.memory._redact import PiiKind
from relevo.memory._vault_seal import lookup_digest, new_vault_key, open_value, seal_value

__all__ = ["CustomerRegistry", "Registry"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS consent (customer_id TEXT PRIMARY KEY, opted_in INTEGER NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS identities (
    channel TEXT NOT NULL, handle TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (channel, handle));
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, started_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_by_customer ON conversations (customer_id);
CREATE TABLE IF NOT EXISTS secrets (customer_id TEXT PRIMARY KEY, secret BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS outcomes (
    intent TEXT NOT NULL, outcome TEXT NOT NULL, resolved_by TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (intent, outcome, resolved_by));
"""
# The vault holds no raw value: each is sealed under its scope's key (see relevo.memory._vault_seal), and found
# again by its keyed digest. The key goes with the scope's entries.
_VAULT_SCHEMA = """
CREATE TABLE IF NOT EXISTS vault (
    conversation_id TEXT NOT NULL, token TEXT NOT NULL, kind TEXT NOT NULL, digest BLOB NOT NULL,
    sealed BLOB NOT NULL, PRIMARY KEY (conversation_id, token));
CREATE TABLE IF NOT EXISTS vault_keys (scope TEXT PRIMARY KEY, key BLOB NOT NULL);
"""
_TOKEN = re.compile(r"\[([A-Z_]+)_(\d+)\]")


class Registry(Protocol):
    """Consent, identities, the conversation index, the PII vault and per-customer keys of a deployment:
    :class:`CustomerRegistry` (SQLite, one data directory) or ``PostgresCustomerRegistry`` (scale-out)."""

    def close(self) -> None: ...
    def consent(self, customer_id: str) -> bool | None: ...
    def set_consent(self, customer_id: str, opted_in: bool, at: datetime) -> None: ...
    def link(self, channel: str, handle: str, customer_id: str) -> None: ...
    def resolve(self, channel: str, handle: str) -> str | None: ...
    def identities(self, customer_id: str) -> list[tuple[str, str]]: ...
    def add_conversation(self, conversation_id: str, customer_id: str, at: datetime) -> None: ...
    def conversations(self, customer_id: str) -> list[str]: ...
    def token_for(self, conversation_id: str, kind: PiiKind, value: str) -> str: ...
    def reveal(self, conversation_id: str, text: str) -> str: ...
    def vault(self, conversation_id: str) -> dict[str, tuple[PiiKind, str]]:
        """The conversation's vault: token -> (kind, stored value)."""
        ...

    def drop_vault(self, scope: str, *, prefix: bool = False) -> int:
        """Delete the vault entries of ``scope`` (with ``prefix``: of every scope starting so); returns how many."""
        ...

    def secret(self, customer_id: str, *, create: bool) -> bytes | None: ...
    def drop_secret(self, customer_id: str) -> int: ...
    def count_outcome(self, intent: str, outcome: str, resolved_by: str) -> None: ...
    def outcomes(self, intent: str) -> dict[str, int]: ...
    def forget(self, customer_id: str) -> dict[str, int]: ...
    def compact(self) -> str:
        """Reclaim erased rows' bytes; returns what was compacted (for the erasure receipt)."""
        ...


class CustomerRegistry:
    """Consent, identities, the conversation index and the per-conversation PII vault of one data directory."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(_SCHEMA)
            _open_vault(self._db)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open the memory registry {path}: {exc}") from exc
        self.path = path
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    # -- consent ---------------------------------------------------------------------------------------
    def consent(self, customer_id: str) -> bool | None:
        """The customer's own choice, or None when they never made one (the deployment default applies)."""
        row = self._db.execute("SELECT opted_in FROM consent WHERE customer_id = ?", (customer_id,)).fetchone()
        return None if row is None else bool(row[0])

    def set_consent(self, customer_id: str, opted_in: bool, at: datetime) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO consent (customer_id, opted_in, at) VALUES (?, ?, ?)",
            (customer_id, int(opted_in), at.isoformat()),
        )

    # -- identities ------------------------------------------------------------------------------------
    def link(self, channel: str, handle: str, customer_id: str) -> None:
        """Record that ``handle`` on ``channel`` (a phone on WhatsApp, an email on web chat) is ``customer_id``."""
        self._db.execute(
            "INSERT OR REPLACE INTO identities (channel, handle, customer_id) VALUES (?, ?, ?)",
            (channel, handle.strip().lower(), customer_id),
        )

    def resolve(self, channel: str, handle: str) -> str | None:
        row = self._db.execute(
            "SELECT customer_id FROM identities WHERE channel = ? AND handle = ?", (channel, handle.strip().lower())
        ).fetchone()
        return None if row is None else str(row[0])

    def identities(self, customer_id: str) -> list[tuple[str, str]]:
        rows = self._db.execute(
            "SELECT channel, handle FROM identities WHERE customer_id = ? ORDER BY channel, handle", (customer_id,)
        ).fetchall()
        return [(str(c), str(h)) for c, h in rows]

    # -- conversations ---------------------------------------------------------------------------------
    def add_conversation(self, conversation_id: str, customer_id: str, at: datetime) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO conversations (conversation_id, customer_id, started_at) VALUES (?, ?, ?)",
            (conversation_id, customer_id, at.isoformat()),
        )

    def conversations(self, customer_id: str) -> list[str]:
        rows = self._db.execute(
            "SELECT conversation_id FROM conversations WHERE customer_id = ? ORDER BY started_at", (customer_id,)
        ).fetchall()
        return [str(r[0]) for r in rows]

    # -- vault -----------------------------------------------------------------------------------------
    def token_for(self, conversation_id: str, kind: PiiKind, value: str) -> str:
        """The vault token for ``value`` in this conversation (the same value keeps its token).

        The value is stored sealed under the conversation's vault key, never as written; card numbers are never
        stored at all: their token keeps only the last four digits.
        """
        stored = f"card ending {''.join(c for c in value if c.isdigit())[-4:]}" if kind == "CARD" else value
        with self._lock:
            # IMMEDIATE: the numbering must not race another process sharing this data directory.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                token = self._mint(conversation_id, kind, stored)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return token

    def _vault_key(self, scope: str, *, create: bool) -> bytes | None:
        row = self._db.execute("SELECT key FROM vault_keys WHERE scope = ?", (scope,)).fetchone()
        if row is not None:
            return bytes(row[0])
        if not create:
            return None
        key = new_vault_key()
        self._db.execute("INSERT INTO vault_keys (scope, key) VALUES (?, ?)", (scope, key))
        return key

    def _mint(self, conversation_id: str, kind: PiiKind, stored: str) -> str:
        key = self._vault_key(conversation_id, create=True)
        assert key is not None
        digest = lookup_digest(key, kind, stored)
        if kind != "CARD":
            row = self._db.execute(
                "SELECT token FROM vault WHERE conversation_id = ? AND kind = ? AND digest = ?",
                (conversation_id, kind, digest),
            ).fetchone()
            if row is not None:
                return str(row[0])
        (count,) = self._db.execute(
            "SELECT COUNT(*) FROM vault WHERE conversation_id = ? AND kind = ?", (conversation_id, kind)
        ).fetchone()
        token = f"[{kind}_{int(count) + 1}]"
        self._db.execute(
            "INSERT INTO vault (conversation_id, token, kind, digest, sealed) VALUES (?, ?, ?, ?, ?)",
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
        with self._lock:
            key = self._vault_key(conversation_id, create=False)
            rows = self._db.execute(
                "SELECT token, kind, sealed FROM vault WHERE conversation_id = ?", (conversation_id,)
            ).fetchall()
        if key is None:
            return {}
        return {
            str(t): (cast(PiiKind, str(k)), open_value(key, conversation_id, str(t), str(k), bytes(v)))
            for t, k, v in rows
        }

    def drop_vault(self, scope: str, *, prefix: bool = False) -> int:
        """Delete the vault entries of ``scope`` (with ``prefix``: of every scope starting so) and their keys;
        returns how many entries."""
        with self._lock:
            if not prefix:
                self._db.execute("DELETE FROM vault_keys WHERE scope = ?", (scope,))
                return self._db.execute("DELETE FROM vault WHERE conversation_id = ?", (scope,)).rowcount
            self._db.execute("DELETE FROM vault_keys WHERE substr(scope, 1, ?) = ?", (len(scope), scope))
            return self._db.execute(
                "DELETE FROM vault WHERE substr(conversation_id, 1, ?) = ?", (len(scope), scope)
            ).rowcount

    # -- per-customer keys (crypto-shredding) ----------------------------------------------------------
    def secret(self, customer_id: str, *, create: bool) -> bytes | None:
        """The key sealing this customer's memory records (created on first need when ``create``)."""
        with self._lock:
            row = self._db.execute("SELECT secret FROM secrets WHERE customer_id = ?", (customer_id,)).fetchone()
            if row is not None:
                return bytes(row[0])
            if not create:
                return None
            # Another process on the same data directory may create it at the same moment: keep the first.
            self._db.execute(
                "INSERT OR IGNORE INTO secrets (customer_id, secret) VALUES (?, ?)", (customer_id, os.urandom(32))
            )
            row = self._db.execute("SELECT secret FROM secrets WHERE customer_id = ?", (customer_id,)).fetchone()
            return bytes(row[0])

    def drop_secret(self, customer_id: str) -> int:
        """Destroy the customer's key: any copy of their sealed records left anywhere becomes unreadable."""
        with self._lock:
            return self._db.execute("DELETE FROM secrets WHERE customer_id = ?", (customer_id,)).rowcount

    # -- anonymous outcome counts ----------------------------------------------------------------------
    def count_outcome(self, intent: str, outcome: str, resolved_by: str) -> None:
        """Aggregate knowledge across customers: counts only, no customer, no text."""
        self._db.execute(
            "INSERT INTO outcomes (intent, outcome, resolved_by, count) VALUES (?, ?, ?, 1) "
            "ON CONFLICT (intent, outcome, resolved_by) DO UPDATE SET count = count + 1",
            (intent, outcome, resolved_by),
        )

    def outcomes(self, intent: str) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT outcome || ' by ' || resolved_by, count FROM outcomes WHERE intent = ?", (intent,)
        ).fetchall()
        return {str(k): int(v) for k, v in rows}

    # -- erasure ---------------------------------------------------------------------------------------
    def forget(self, customer_id: str) -> dict[str, int]:
        """Delete everything about ``customer_id``; returns rows removed per table."""
        conversations = self.conversations(customer_id)
        counts: dict[str, int] = {}
        with self._lock:
            vault = 0
            for conversation_id in conversations:
                vault += self._db.execute("DELETE FROM vault WHERE conversation_id = ?", (conversation_id,)).rowcount
                self._db.execute("DELETE FROM vault_keys WHERE scope = ?", (conversation_id,))
            counts["vault_entries"] = vault
            counts["identities"] = self._db.execute(
                "DELETE FROM identities WHERE customer_id = ?", (customer_id,)
            ).rowcount
            counts["conversation_index"] = self._db.execute(
                "DELETE FROM conversations WHERE customer_id = ?", (customer_id,)
            ).rowcount
            counts["consent"] = self._db.execute("DELETE FROM consent WHERE customer_id = ?", (customer_id,)).rowcount
            counts["keys"] = self._db.execute("DELETE FROM secrets WHERE customer_id = ?", (customer_id,)).rowcount
        return counts

    def compact(self) -> str:
        """Vacuum the file so erased rows leave the disk; returns what was compacted."""
        vacuum(self._db)
        return self.path.name


def _open_vault(db: sqlite3.Connection) -> None:
    """Create the sealed vault, or seal a plaintext vault left by an older relevo (then vacuum it away)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        columns = {str(r[1]) for r in db.execute("PRAGMA table_info(vault)").fetchall()}
        plaintext = "value" in columns
        if plaintext:
            db.execute("ALTER TABLE vault RENAME TO vault_plaintext")
        for statement in filter(str.strip, _VAULT_SCHEMA.split(";")):
            db.execute(statement)
        if plaintext:
            keys: dict[str, bytes] = {}
            for scope, token, kind, value in db.execute(
                "SELECT conversation_id, token, kind, value FROM vault_plaintext"
            ).fetchall():
                scope, token, kind, value = str(scope), str(token), str(kind), str(value)
                if scope not in keys:
                    keys[scope] = new_vault_key()
                    db.execute("INSERT INTO vault_keys (scope, key) VALUES (?, ?)", (scope, keys[scope]))
                key = keys[scope]
                db.execute(
                    "INSERT INTO vault (conversation_id, token, kind, digest, sealed) VALUES (?, ?, ?, ?, ?)",
                    (scope, token, kind, lookup_digest(key, kind, value), seal_value(key, scope, token, kind, value)),
                )
            db.execute("DROP TABLE vault_plaintext")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    if plaintext:
        vacuum(db)  # the plaintext pages leave the file and its write-ahead log


def vacuum(db: sqlite3.Connection) -> None:
    """Rewrite the database without free pages and empty its write-ahead log, so erased bytes leave the disk."""
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
