"""The memory store protocol and its Chroma implementation (embedded PersistentClient or a Chroma server).

Design: Chroma keeps the records in one collection, filed under a hash of the customer id: the document is
the redacted text and the metadata holds kind, subject, times, consent basis and the embedding — both
*sealed* with the customer's own key (a SHAKE-256 keystream with an HMAC tag; the keys live in the registry's
SQLite file). The collection's own embedding is a 1-dimensional placeholder.

Why: Chroma's ``delete`` leaves vector bytes in its HNSW files (an open upstream issue), and its segment files
can even carry stale heap bytes of the writing process. So Chroma never receives a customer's plaintext or
vector at all: erasure deletes the rows, purges them from Chroma's write-ahead log, vacuums, and destroys the
customer's key — whatever bytes Chroma leaves behind are ciphertext nobody can open (crypto-shredding), and a
Chroma server only ever holds ciphertext.

Recall never goes through Chroma's ANN index: a customer has tens of memories, so an exact dot product over
the customer's own small matrix (loaded once with one filtered ``get``, then kept resident and updated on
write) is both exact and orders of magnitude faster than a filtered ANN query on a big collection. The
embedded store refuses a second writer process, so its resident index can never go stale.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import numpy as np
from numpy.typing import NDArray

from relevo._errors import StorageError
from relevo.memory._records import MemoryHit, MemoryRecord
from relevo.memory._registry import vacuum

__all__ = ["ChromaMemoryStore", "MemoryStore", "customer_key"]

_COLLECTION = "relevo_customer_memory"
_PLACEHOLDER = [1.0]


class Keyring(Protocol):
    """Per-customer secret keys (``CustomerRegistry`` implements it)."""

    def secret(self, customer_id: str, *, create: bool) -> bytes | None: ...

    def drop_secret(self, customer_id: str) -> int: ...


class MemoryStore(Protocol):
    """Where customer memories live. Every implementation passes ``tests/memory/test_store_conformance.py``."""

    def write(self, records: Sequence[MemoryRecord], vectors: NDArray[np.float32]) -> int:
        """Store ``records`` (row i has vector i). Duplicates are skipped; a record supersedes the current
        records of its customer with the same subject. Returns how many were stored."""
        ...

    def recall(self, customer_id: str, vector: NDArray[np.float32], k: int, now: datetime) -> list[MemoryHit]:
        """The ``k`` current, unexpired records of this customer (only) most similar to ``vector``."""
        ...

    def records(self, customer_id: str, *, history: bool = False) -> list[MemoryRecord]:
        """The customer's records, oldest first (superseded ones too with ``history``)."""
        ...

    def forget(self, customer_id: str) -> int:
        """Delete every record of the customer; returns how many."""
        ...

    def compact(self) -> list[str]:
        """Reclaim erased bytes on disk; returns what was compacted."""
        ...

    def close(self) -> None: ...


def customer_key(customer_id: str) -> str:
    """The key records are filed under (a hash: customer ids are not spread over the store's metadata)."""
    return hashlib.sha256(customer_id.encode()).hexdigest()[:40]


@dataclass
class _CustomerIndex:
    records: list[MemoryRecord] = field(default_factory=list[MemoryRecord])
    vectors: list[NDArray[np.float32]] = field(default_factory=list["NDArray[np.float32]"])
    matrix: NDArray[np.float32] | None = None
    live: NDArray[np.intp] | None = None
    expires: NDArray[np.float64] | None = None

    def add(self, record: MemoryRecord, vector: NDArray[np.float32]) -> None:
        self.records.append(record)
        self.vectors.append(vector)
        self.matrix = None

    def prepared(self) -> tuple[NDArray[np.float32], NDArray[np.intp], NDArray[np.float64]]:
        if self.matrix is None or self.live is None or self.expires is None:
            live = [i for i, r in enumerate(self.records) if r.current]
            dim = self.vectors[0].shape[0] if self.vectors else 1
            self.matrix = np.stack([self.vectors[i] for i in live]) if live else np.zeros((0, dim), dtype=np.float32)
            self.live = np.asarray(live, dtype=np.intp)
            stamps = [self.records[i].expires_at for i in live]
            self.expires = np.asarray([t.timestamp() if t else np.inf for t in stamps], dtype=np.float64)
        return self.matrix, self.live, self.expires


class _WriterLock:
    """An exclusive ``flock`` on a file in the store's directory: one writer process per embedded store."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(self._fd)
            raise StorageError(
                f"another process already has the customer memory at {path.parent} open; Chroma's embedded "
                "store allows one writer process. Run a Chroma server (`chroma run`) and set memory.server_url "
                "for several processes"
            ) from exc

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


class ChromaMemoryStore:
    """Customer memory in Chroma: embedded (``ChromaMemoryStore.embedded(dir)``) or a server (``.server(url)``)."""

    def __init__(
        self,
        client: Any,
        keyring: Keyring,
        *,
        resident: bool,
        sqlite_path: Path | None = None,
        lock: _WriterLock | None = None,
    ) -> None:
        self._client = client
        self._keyring = keyring
        self._resident = resident
        self._sqlite_path = sqlite_path
        self._writer_lock = lock
        self._mutex = threading.RLock()
        self._indexes: dict[str, _CustomerIndex] = {}
        try:
            self._collection = client.get_or_create_collection(_COLLECTION, embedding_function=None)
        except Exception as exc:
            self.close()
            raise StorageError(f"cannot open the memory collection: {exc}") from exc

    @classmethod
    def embedded(cls, path: Path, keyring: Keyring) -> ChromaMemoryStore:
        """An embedded store in ``path`` (one writer process; a second one gets a StorageError).

        Raises:
            StorageError: another process has the store open, or Chroma cannot open it.
        """
        import chromadb  # optional at import time: importing relevo must not load chromadb
        from chromadb.config import Settings

        lock = _WriterLock(path / "relevo-writer.lock")
        try:
            client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
        except Exception as exc:
            lock.release()
            raise StorageError(f"cannot open the customer memory at {path}: {exc}") from exc
        return cls(client, keyring, resident=True, sqlite_path=path / "chroma.sqlite3", lock=lock)

    @classmethod
    def server(cls, url: str, keyring: Keyring) -> ChromaMemoryStore:
        """A store on a Chroma server (``chroma run``), shared by any number of processes.

        Raises:
            StorageError: the server is unreachable.
        """
        import chromadb
        from chromadb.config import Settings

        parsed = urlparse(url)
        if not parsed.hostname:
            raise StorageError(f"memory server url {url!r} needs a host, e.g. http://127.0.0.1:8000")
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=Settings(anonymized_telemetry=False),
            )
            client.heartbeat()
        except Exception as exc:
            raise StorageError(f"cannot reach the Chroma server at {url}: {exc}") from exc
        # Other processes write to a server too: no resident index, every recall reads the customer's rows.
        return cls(client, keyring, resident=False)

    # -- protocol --------------------------------------------------------------------------------------
    def write(self, records: Sequence[MemoryRecord], vectors: NDArray[np.float32]) -> int:
        if len(records) != len(vectors):
            raise StorageError(f"{len(records)} records but {len(vectors)} vectors")
        with self._mutex:
            fresh: dict[str, tuple[MemoryRecord, NDArray[np.float32]]] = {}
            for record, vector in zip(records, vectors, strict=True):
                fresh.setdefault(record.id, (record, np.asarray(vector, dtype=np.float32)))
            by_customer: dict[str, list[str]] = {}
            for rid, (record, _) in fresh.items():
                by_customer.setdefault(record.customer_id, []).append(rid)
            superseded: dict[str, tuple[MemoryRecord, NDArray[np.float32]]] = {}
            revived: dict[str, tuple[MemoryRecord, NDArray[np.float32]]] = {}
            loaded = {**self._load([c for c in by_customer if c not in self._indexes]), **self._indexes}
            for customer_id, ids in by_customer.items():
                index = loaded[customer_id]
                stored = {r.id: r.current for r in index.records}
                for rid in ids:
                    if stored.get(rid):
                        del fresh[rid]  # already the current record: stored once
                        continue
                    if rid in stored:  # superseded once, written again: current again, as of this write
                        revived[rid] = fresh.pop(rid)
                    subject = (revived.get(rid) or fresh[rid])[0].subject
                    for old, vector in zip(index.records, index.vectors, strict=True):
                        if old.current and old.subject == subject and old.id not in superseded:
                            superseded[old.id] = (old.model_copy(update={"current": False}), vector)
                    stored[rid] = True
            if not fresh and not superseded and not revived:
                return 0
            try:
                changed = {**superseded, **revived}
                if changed:
                    self._collection.update(
                        ids=list(changed),
                        metadatas=[_metadata(r, v, self._key(r.customer_id)) for r, v in changed.values()],
                    )
                if fresh:
                    rows = list(fresh.values())
                    self._collection.add(
                        ids=list(fresh),
                        embeddings=[_PLACEHOLDER] * len(rows),
                        documents=[_seal(self._key(r.customer_id), r.text.encode()) for r, _ in rows],
                        metadatas=[_metadata(r, v, self._key(r.customer_id)) for r, v in rows],
                    )
            except Exception as exc:
                raise StorageError(f"cannot write customer memory: {exc}") from exc
            if self._resident:
                for customer_id in by_customer:
                    index = self._indexes[customer_id]
                    for i, r in enumerate(index.records):
                        if r.id in changed:
                            index.records[i], index.vectors[i] = changed[r.id]
                    index.matrix = None
                for record, vector in fresh.values():
                    self._indexes[record.customer_id].add(record, vector)
            return len(fresh) + len(revived)

    def recall(self, customer_id: str, vector: NDArray[np.float32], k: int, now: datetime) -> list[MemoryHit]:
        index = self._index(customer_id)
        matrix, live, expires = index.prepared()
        if not len(live) or k <= 0:
            return []
        scores = matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
        scores[expires <= now.timestamp()] = -np.inf
        top = np.argsort(-scores)[:k] if len(scores) <= 64 else np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        return [
            MemoryHit(record=index.records[int(live[i])], score=float(scores[i])) for i in top if np.isfinite(scores[i])
        ]

    def records(self, customer_id: str, *, history: bool = False) -> list[MemoryRecord]:
        found = self._index(customer_id).records
        return sorted((r for r in found if history or r.current), key=lambda r: r.at)

    def forget(self, customer_id: str) -> int:
        with self._mutex:
            key = customer_key(customer_id)
            try:
                ids = self._collection.get(where={"customer": key}, include=[])["ids"]
                if ids:
                    self._collection.delete(ids=ids)
            except Exception as exc:
                raise StorageError(f"cannot erase customer memory: {exc}") from exc
            self._purge_log(ids)
            self._keyring.drop_secret(customer_id)
            self._indexes.pop(customer_id, None)
            return len(ids)

    def compact(self) -> list[str]:
        """Vacuum Chroma's SQLite file (embedded only; a server's operator compacts the server's own files)."""
        if self._sqlite_path is None or not self._sqlite_path.exists():
            return []
        with self._mutex:
            try:
                db = sqlite3.connect(self._sqlite_path, isolation_level=None, timeout=30)
                try:
                    vacuum(db)
                finally:
                    db.close()
            except sqlite3.Error as exc:
                raise StorageError(f"cannot compact {self._sqlite_path}: {exc}") from exc
        return [str(self._sqlite_path.name)]

    def close(self) -> None:
        self._indexes.clear()
        if self._writer_lock is not None:
            self._writer_lock.release()
            self._writer_lock = None

    # -- internals -------------------------------------------------------------------------------------
    def _key(self, customer_id: str) -> bytes:
        key = self._keyring.secret(customer_id, create=True)
        assert key is not None
        return key

    def _purge_log(self, ids: Sequence[str]) -> None:
        """Drop the erased records' add/update entries from the embedded store's write-ahead log.

        Chroma keeps applied operations (documents and metadata included) in ``embeddings_queue`` until it
        purges the log on its own schedule; a deleted record's text would stay on disk until then. The
        delete operations stay: they carry no customer data.
        """
        if self._sqlite_path is None or not ids:
            return
        try:
            db = sqlite3.connect(self._sqlite_path, isolation_level=None, timeout=30)
            try:
                for start in range(0, len(ids), 500):
                    chunk = list(ids[start : start + 500])
                    marks = ",".join("?" * len(chunk))
                    db.execute(f"DELETE FROM embeddings_queue WHERE operation != 3 AND id IN ({marks})", chunk)
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot purge erased records from {self._sqlite_path}: {exc}") from exc

    def _index(self, customer_id: str) -> _CustomerIndex:
        with self._mutex:
            cached = self._indexes.get(customer_id)
            return cached if cached is not None else self._load([customer_id])[customer_id]

    def _load(self, customer_ids: Sequence[str]) -> dict[str, _CustomerIndex]:
        """Read these customers' rows with one filtered ``get`` (kept resident by the embedded store)."""
        if not customer_ids:
            return {}
        keys = {customer_key(c): c for c in customer_ids}
        where: Any = {"customer": next(iter(keys))} if len(keys) == 1 else {"customer": {"$in": list(keys)}}
        try:
            got = self._collection.get(where=where, include=["documents", "metadatas"])
        except Exception as exc:
            raise StorageError(f"cannot read customer memory: {exc}") from exc
        indexes = {c: _CustomerIndex() for c in customer_ids}
        secrets = {c: self._keyring.secret(c, create=False) for c in customer_ids}
        rows = [
            (customer_id, *_record(customer_id, rid, text, meta, secret))
            for rid, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
            for customer_id in (keys[str(meta["customer"])],)
            for secret in (secrets[customer_id],)
            if secret is not None  # no key: the customer was forgotten, the rows are unreadable leftovers
        ]
        for customer_id, record, vector in sorted(rows, key=lambda row: row[1].at):
            indexes[customer_id].add(record, vector)
        if self._resident:
            self._indexes.update(indexes)
        return indexes


def _seal(key: bytes, plain: bytes) -> str:
    """Encrypt-then-MAC: SHAKE-256(key, nonce) keystream XOR the data, HMAC-SHA256 tag; base64 text."""
    nonce = os.urandom(16)
    stream = hashlib.shake_256(key + nonce).digest(len(plain))
    sealed = (int.from_bytes(plain, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(plain), "big")
    tag = hmac.new(key, nonce + sealed, hashlib.sha256).digest()[:16]
    return base64.b64encode(nonce + tag + sealed).decode("ascii")


def _unseal(key: bytes, token: str) -> bytes:
    raw = base64.b64decode(token)
    nonce, tag, sealed = raw[:16], raw[16:32], raw[32:]
    if not hmac.compare_digest(tag, hmac.new(key, nonce + sealed, hashlib.sha256).digest()[:16]):
        raise StorageError("a memory record failed its integrity check (wrong key or tampered data)")
    stream = hashlib.shake_256(key + nonce).digest(len(sealed))
    return (int.from_bytes(sealed, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(sealed), "big")


def _metadata(record: MemoryRecord, vector: NDArray[np.float32], key: bytes) -> dict[str, str]:
    # Two metadata keys, not ten: Chroma writes one SQLite row per key, and this halves the write cost.
    fields = record.model_dump(mode="json", include=_PACKED)
    fields["vector"] = base64.b64encode(np.asarray(vector, dtype=np.float32).tobytes()).decode("ascii")
    packed = json.dumps(fields, separators=(",", ":")).encode()
    return {"customer": customer_key(record.customer_id), "record": _seal(key, packed)}


_PACKED = {"kind", "subject", "source", "at", "consent_basis", "expires_at", "current", "commitments"}


def _record(
    customer_id: str, rid: str, document: str, meta: Any, key: bytes
) -> tuple[MemoryRecord, NDArray[np.float32]]:
    fields = json.loads(_unseal(key, str(meta["record"])))
    vector = np.frombuffer(base64.b64decode(fields.pop("vector")), dtype=np.float32).copy()
    text = _unseal(key, document).decode()
    return MemoryRecord.model_validate({**fields, "id": rid, "customer_id": customer_id, "text": text}), vector
