"""CustomerMemory: consent, redaction, remembering, recall, show/export and complete erasure of a customer."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from langgraph.checkpoint.base import BaseCheckpointSaver
from numpy.typing import NDArray

from relevo._config import MemoryConfig
from relevo._errors import StorageError
from relevo.memory._records import Episode, ForgetReceipt, MemoryHit, MemoryKind, MemoryRecord, record_id
from relevo.memory._redact import redact_pii
from relevo.memory._registry import CustomerRegistry, Registry, vacuum
from relevo.memory._store import ChromaMemoryStore, MemoryStore
from relevo.memory._writebehind import WriteBehind

__all__ = ["CustomerMemory", "CustomerRows", "EmbedTexts", "inbox_scope"]

_log = logging.getLogger("relevo.memory")
_TOKEN = re.compile(r"\[[A-Z_]+_\d+\]")


class CustomerRows(Protocol):
    """Another store holding rows of a customer, erased by :meth:`CustomerMemory.forget` in the same pass
    (the server's inbox, board and directory: ``relevo.server.ServeStore`` implements it)."""

    def footprint(self, customer_id: str, conversation_ids: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """Every conversation of the customer this store knows (``conversation_ids`` and more) and the channel
        addresses ``(channel, handle)`` they wrote from."""
        ...

    def erase_customer(self, customer_id: str, conversation_ids: list[str]) -> dict[str, int]:
        """Delete the customer's rows; returns rows removed per table."""
        ...

    def compact(self) -> str:
        """Make the erased rows leave the disk; returns what was compacted."""
        ...


def inbox_scope(channel: str, handle: str, message_id: str = "") -> str:
    """The vault scope of a message redacted as it arrives, before it has a conversation (``message_id``
    empty: the prefix of every such scope of one channel address, for erasure)."""
    return f"inbox:{channel}:{handle}:{message_id}"


EmbedTexts = Callable[[Sequence[str]], NDArray[np.float32]]
"""Turns texts into L2-normalised float32 vectors (customer text: never cached on disk)."""


class CustomerMemory:
    """Everything relevo remembers about customers, behind consent, redaction and erasure.

    Open one per data directory with :meth:`open`; the vector store opens on first use.
    """

    def __init__(
        self,
        registry: Registry,
        config: MemoryConfig,
        *,
        embed: EmbedTexts | None = None,
        store: Callable[[], MemoryStore],
    ) -> None:
        self.registry = registry
        self.config = config
        self._embed = embed
        self._open_store = store
        self._store: MemoryStore | None = None
        self._store_guard = threading.Lock()
        self._writer = WriteBehind()

    @classmethod
    def open(
        cls, data_dir: Path, config: MemoryConfig, *, embed: EmbedTexts | None = None, database_url: str = ""
    ) -> CustomerMemory:
        """The memory of the deployment storing in ``data_dir`` (embedded Chroma unless ``server_url`` is set;
        the registry in ``database_url``'s PostgreSQL when given, so several processes share consent and keys)."""
        root = data_dir / "memory"

        registry: Registry
        if database_url:
            from relevo.memory._registry_postgres import PostgresCustomerRegistry  # scale-out only

            registry = PostgresCustomerRegistry(database_url)
        else:
            registry = CustomerRegistry(root / "registry.sqlite")

        def factory() -> MemoryStore:
            if config.server_url:
                return ChromaMemoryStore.server(config.server_url, registry)
            return ChromaMemoryStore.embedded(root / "chroma", registry)

        return cls(
            registry,
            config,
            embed=embed,
            store=factory,
        )

    @property
    def store(self) -> MemoryStore:
        """The vector store, opened on first use: once, even when several turns need it at the same moment."""
        store = self._store
        if store is None:
            with self._store_guard:
                store = self._store
                if store is None:
                    store = self._store = self._open_store()
        return store

    def flush(self, customer_id: str | None = None, timeout: float | None = 60.0) -> bool:
        """Wait for the writes :meth:`remember_conversation` queued with ``later=True`` (of ``customer_id``, or
        all); False on timeout."""
        return self._writer.flush(customer_id, timeout)

    @property
    def write_failures(self) -> list[str]:
        """Queued writes that failed (``customer_id: error``); they are logged too."""
        return list(self._writer.failures)

    def close(self) -> None:
        """Land the queued writes (a graceful stop loses none), then release the stores."""
        self._writer.close()
        with self._store_guard:
            if self._store is not None:
                self._store.close()
                self._store = None
        self.registry.close()

    # -- consent ---------------------------------------------------------------------------------------
    def consents(self, customer_id: str) -> bool:
        """Whether relevo may remember this customer (their own choice, else the deployment default)."""
        if not self.config.enabled:
            return False
        choice = self.registry.consent(customer_id)
        return self.config.default_consent if choice is None else choice

    def set_consent(self, customer_id: str, opted_in: bool, *, at: datetime | None = None) -> int:
        """Record the customer's choice. Opting out erases what was remembered; returns how many memories."""
        self.registry.set_consent(customer_id, opted_in, at or datetime.now(UTC))
        if opted_in:
            return 0
        self.flush(customer_id, timeout=None)  # a write queued before the opt-out lands first, then goes too
        erased = self.store.forget(customer_id)
        self.store.compact()
        return erased

    # -- redaction -------------------------------------------------------------------------------------
    def redact(self, conversation_id: str, text: str) -> str:
        """``text`` with personal data replaced by this conversation's vault tokens."""
        return redact_pii(text, lambda kind, value: self.registry.token_for(conversation_id, kind, value)).text

    def reveal(self, conversation_id: str, text: str) -> str:
        """Vault tokens back to their values, for tools (never for models, logs or memory)."""
        return self.registry.reveal(conversation_id, text)

    def adopt(self, scope: str, conversation_id: str, text: str) -> str:
        """``text``, redacted into ``scope`` (see :func:`inbox_scope`), with its tokens copied to the
        conversation's vault (renumbered there). The scope's entries stay until the caller drops them
        (``registry.drop_vault(scope)``) once the message is done: a retried turn adopts them again."""
        vault = self.registry.vault(scope)
        if vault:

            def rekey(match: re.Match[str]) -> str:
                found = vault.get(match.group(0))
                return match.group(0) if found is None else self.registry.token_for(conversation_id, *found)

            text = _TOKEN.sub(rekey, text)
        return text

    # -- identities and conversations ------------------------------------------------------------------
    def link_identity(self, channel: str, handle: str, customer_id: str) -> None:
        self.registry.link(channel, handle, customer_id)

    def resolve_identity(self, channel: str, handle: str) -> str | None:
        return self.registry.resolve(channel, handle)

    def note_conversation(self, conversation_id: str, customer_id: str, at: datetime) -> None:
        """Index the conversation under its customer, so erasure can find its checkpoints."""
        self.registry.add_conversation(conversation_id, customer_id, at)

    # -- remembering -----------------------------------------------------------------------------------
    def remember_episode(self, customer_id: str, episode: Episode, *, at: datetime) -> bool:
        """Store the episode (superseding an earlier one of the same conversation); False without consent."""
        return self.remember_conversation(customer_id, episode, at=at)

    def remember_fact(self, customer_id: str, subject: str, text: str, *, source: str, at: datetime) -> bool:
        """Store a fact or preference; it supersedes the current one on the same ``subject``."""
        if not self.consents(customer_id):
            return False
        record = self._record(customer_id, "fact", subject, text, source=source, at=at, ttl=self.config.fact_ttl_days)
        return self._write([record]) > 0

    def remember_conversation(
        self,
        customer_id: str,
        episode: Episode,
        facts: Sequence[tuple[str, str]] = (),
        *,
        at: datetime,
        later: bool = False,
    ) -> bool:
        """Store a conversation's episode and ``(subject, text)`` facts in one batch; False without consent.

        With ``later=True`` the write runs on the memory's writer thread after this returns (the customer's
        reply does not wait for embedding and storage); every read of memory waits for it first.
        """
        if not self.consents(customer_id):
            return False

        def write() -> None:
            if not self.consents(customer_id):
                return  # the customer opted out while the write waited
            write_records()

        def write_records() -> None:
            self.registry.count_outcome(episode.issue, episode.outcome.split(":")[0], episode.resolved_by)
            records = [
                self._record(
                    customer_id,
                    "episode",
                    f"episode:{episode.conversation_id}",
                    episode.summary(at),
                    source=episode.conversation_id,
                    at=at,
                    ttl=self.config.episode_ttl_days,
                    commitments=[redact_pii(c).text for c in episode.commitments],
                ),
                *(
                    self._record(
                        customer_id,
                        "fact",
                        subject,
                        text,
                        source=episode.conversation_id,
                        at=at,
                        ttl=self.config.fact_ttl_days,
                    )
                    for subject, text in facts
                ),
            ]
            # Found by what each record is about (the episode's topic, a fact's own text), stored as written.
            self._write(records, [redact_pii(episode.topic()).text, *(r.text for r in records[1:])])

        if later:
            self._writer.submit(customer_id, write)
            return True
        try:
            write()
        except StorageError as exc:  # the conversation goes on without memory: never a dropped message
            _log.warning("memory write for customer %s failed: %s", customer_id, exc)
            self._writer.failures.append(f"{customer_id}: {exc}")
            return False
        return True

    def _record(
        self,
        customer_id: str,
        kind: MemoryKind,
        subject: str,
        text: str,
        *,
        source: str,
        at: datetime,
        ttl: int,
        commitments: list[str] | None = None,
    ) -> MemoryRecord:
        clean = redact_pii(text).text
        choice = self.registry.consent(customer_id)
        basis = "consent" if choice else self.config.consent_basis
        return MemoryRecord(
            id=record_id(customer_id, kind, subject, clean),
            customer_id=customer_id,
            kind=kind,
            subject=subject,
            text=clean,
            source=source,
            at=at,
            consent_basis=basis,
            expires_at=at + timedelta(days=ttl),
            commitments=commitments or [],
        )

    def _write(self, records: list[MemoryRecord], index: Sequence[str] | None = None) -> int:
        """Store ``records``, each found by its ``index`` text (default: its own text), already redacted.

        A record that is already its customer's current one (the same content, so the same id: a language
        preference unchanged since the last conversation) is neither embedded again nor written."""
        keys = [r.text for r in records] if index is None else list(index)
        current = {r.id for c in {r.customer_id for r in records} for r in self.store.records(c)}
        todo = [i for i, r in enumerate(records) if r.id not in current]
        if not todo:
            return 0
        return self.store.write([records[i] for i in todo], self._vectors([keys[i] for i in todo]))

    def _vectors(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if self._embed is None:
            raise StorageError("this CustomerMemory has no embedding function; open it with embed=...")
        return np.asarray(self._embed(texts), dtype=np.float32)

    # -- recall ----------------------------------------------------------------------------------------
    def recall(self, customer_id: str, query: str, *, k: int = 3, now: datetime | None = None) -> list[MemoryHit]:
        """The customer's memories most relevant to ``query`` (nobody else's, ever)."""
        self.flush(customer_id)
        if not self.consents(customer_id):
            return []
        vector = self._vectors([redact_pii(query).text])[0]
        return self.store.recall(customer_id, vector, k, now or datetime.now(UTC))

    def records(self, customer_id: str, *, history: bool = False) -> list[MemoryRecord]:
        """Everything remembered about the customer (with ``history``: superseded records too), after the
        pending writes of that customer have landed."""
        self.flush(customer_id)
        return list(self.store.records(customer_id, history=history))

    def highlights(self, customer_id: str, query: str, *, now: datetime) -> tuple[list[str], list[str]]:
        """Readable highlights for a new conversation, and the promises among them (most relevant first)."""
        k = self.config.highlights
        try:
            if k == 0 or not self.consents(customer_id):
                return [], []
            hits = self.recall(customer_id, query, k=k, now=now)
        except StorageError as exc:
            # The store is held by another process, unreachable, or a record fails its integrity check: this
            # turn goes on with no memory, never fails (the customer still gets an answer).
            _log.warning("no memory for this turn of customer %s: %s", customer_id, exc)
            return [], []
        return [h.record.text for h in hits], [c for h in hits for c in h.record.commitments]

    def similar_outcomes(self, intent: str) -> dict[str, int]:
        """How past conversations with this intent ended, across customers: anonymous counts only."""
        return self.registry.outcomes(intent)

    # -- access requests -------------------------------------------------------------------------------
    def show(self, customer_id: str, *, now: datetime | None = None) -> str:
        """A readable answer to "what do you remember about me?"."""
        self.flush(customer_id)
        moment = now or datetime.now(UTC)
        lines = [f"What we remember about {customer_id}:"]
        if not self.consents(customer_id):
            lines.append("  nothing — memory is off for this customer.")
            return "\n".join(lines)
        records = [r for r in self.store.records(customer_id) if r.expires_at is None or r.expires_at > moment]
        if not records:
            lines.append("  nothing yet.")
        for record in records:
            until = f", kept until {record.expires_at:%Y-%m-%d}" if record.expires_at else ""
            lines.append(f"  • [{record.kind}] {record.text} (source {record.source}, {record.consent_basis}{until})")
        linked = self.registry.identities(customer_id)
        if linked:
            lines.append("Linked contacts: " + ", ".join(f"{c} {h}" for c, h in linked))
        return "\n".join(lines)

    def export(self, customer_id: str) -> dict[str, Any]:
        """Everything stored about the customer, as JSON-ready data (for access requests)."""
        self.flush(customer_id)
        return {
            "customer_id": customer_id,
            "consent": self.registry.consent(customer_id),
            "memory_enabled": self.consents(customer_id),
            "memories": [r.model_dump(mode="json") for r in self.store.records(customer_id, history=True)],
            "identities": [{"channel": c, "handle": h} for c, h in self.registry.identities(customer_id)],
            "conversations": self.registry.conversations(customer_id),
        }

    # -- erasure ---------------------------------------------------------------------------------------
    def forget(
        self,
        customer_id: str,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        *,
        rows: Sequence[CustomerRows] = (),
    ) -> ForgetReceipt:
        """Erase the customer from every store — memories and their key, conversations (every checkpoint,
        handoff packets), vault, identities, consent, the conversation index, and the customer's rows in
        ``rows`` (the server's inbox, board, directory) — then compact each file so the bytes leave the disk.

        The receipt counts what was really deleted, per store.

        Raises:
            StorageError: a store is unreachable (nothing is reported erased that was not).
        """
        self.flush(customer_id, timeout=None)  # a queued write must not land after the erasure
        conversations = self.registry.conversations(customer_id)
        addresses: list[tuple[str, str]] = []
        for other in rows:
            conversations, found = other.footprint(customer_id, conversations)
            addresses.extend(found)
        keys = int(self.registry.secret(customer_id, create=False) is not None)
        memories = self.store.forget(customer_id)
        removed, checkpoints, packets = 0, 0, 0
        if checkpointer is not None:
            for conversation_id in conversations:
                config: Any = {"configurable": {"thread_id": conversation_id}}
                found = checkpointer.get_tuple(config)
                if found is None:
                    continue
                values = found.checkpoint.get("channel_values", {})
                packets += int(values.get("packet") is not None)
                checkpoints += sum(1 for _ in checkpointer.list(config))
                checkpointer.delete_thread(conversation_id)
                removed += 1
        indexed = set(self.registry.conversations(customer_id))
        counts = self.registry.forget(customer_id)
        counts["keys"] = max(counts.get("keys", 0), keys)
        for conversation_id in conversations:
            if conversation_id not in indexed:  # known to the server only: its vault goes too
                counts["vault_entries"] += self.registry.drop_vault(conversation_id)
        for channel, handle in addresses:  # messages redacted on arrival and never processed
            counts["vault_entries"] += self.registry.drop_vault(inbox_scope(channel, handle), prefix=True)
        erased: dict[str, int] = {}
        for other in rows:
            for table, n in other.erase_customer(customer_id, conversations).items():
                erased[table] = erased.get(table, 0) + n
        compacted = [*self.store.compact()]
        compacted.append(self.registry.compact())
        conn = getattr(checkpointer, "conn", None)
        if isinstance(conn, sqlite3.Connection):
            vacuum(conn)
            compacted.append("conversations.sqlite")
        elif conn is not None and callable(getattr(conn, "connection", None)):  # LangGraph's Postgres saver: a pool
            with conn.connection() as pg:
                for table in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
                    pg.execute(f"VACUUM {table}")
            compacted.append("checkpoint tables")
        compacted.extend(other.compact() for other in rows)
        return ForgetReceipt(
            customer_id=customer_id,
            memories=memories,
            conversations=removed,
            checkpoints=checkpoints,
            packets=packets,
            compacted=compacted,
            **counts,
            **erased,
        )
