"""``relevo bench memory``: per-customer recall against a filtered Chroma query and LangGraph's store."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from relevo.memory import ChromaMemoryStore, CustomerRegistry, MemoryRecord, record_id

__all__ = ["MEMORY_SIZES", "bench_memory"]

MEMORY_SIZES = (10_000, 100_000)
_PER_CUSTOMER = 20
_DIM = 384
_K = 5
_BATCH = 1_000
_QUERIES = 300
_NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _unit(rng: np.random.Generator, rows: int) -> NDArray[np.float32]:
    vectors = rng.standard_normal((rows, _DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _ms(samples: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(samples) * 1000, q)), 4)


def _records(size: int) -> list[MemoryRecord]:
    out: list[MemoryRecord] = []
    for n in range(size):
        customer = f"C-{n // _PER_CUSTOMER:07d}"
        text = f"episode {n}: billing dispute, credit offered"
        out.append(
            MemoryRecord(
                id=record_id(customer, "episode", f"episode:{n}", text),
                customer_id=customer,
                kind="episode",
                subject=f"episode:{n}",
                text=text,
                source="bench",
                at=_NOW - timedelta(minutes=n % 997),
                consent_basis="bench",
                expires_at=_NOW + timedelta(days=365),
            )
        )
    return out


def _one_size(size: int, root: Path, rng: np.random.Generator, progress: TextIO | None) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings
    from langgraph.store.base import IndexConfig
    from langgraph.store.memory import InMemoryStore

    def say(text: str) -> None:
        if progress is not None:
            print(f"[{size}] {text}", file=progress, flush=True)

    records = _records(size)
    vectors = _unit(rng, size)
    customers = sorted({r.customer_id for r in records})
    picks = rng.integers(0, len(customers), _QUERIES)
    queries = [(customers[int(i)], q) for i, q in zip(picks, _unit(rng, _QUERIES), strict=True)]

    say("relevo: writing")
    keyring = CustomerRegistry(root / "registry.sqlite")
    store = ChromaMemoryStore.embedded(root / "relevo", keyring)
    started = time.perf_counter()
    for s in range(0, size, _BATCH):
        store.write(records[s : s + _BATCH], vectors[s : s + _BATCH])
    relevo_write = size / (time.perf_counter() - started)
    relevo_times: list[float] = []
    for customer, q in queries:
        t = time.perf_counter()
        store.recall(customer, q, _K, _NOW)
        relevo_times.append(time.perf_counter() - t)
    store.close()
    say("relevo: cold reads (a fresh process's first recall of a customer)")
    reopened = ChromaMemoryStore.embedded(root / "relevo", keyring)
    cold: list[float] = []
    for customer, q in queries[:100]:
        t = time.perf_counter()
        reopened.recall(customer, q, _K, _NOW)
        cold.append(time.perf_counter() - t)
    reopened.close()
    keyring.close()

    say("naive chroma: batched add")
    client = chromadb.PersistentClient(path=str(root / "naive"), settings=Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("naive", embedding_function=None)
    started = time.perf_counter()
    for s in range(0, size, _BATCH):
        batch = records[s : s + _BATCH]
        collection.add(
            ids=[r.id for r in batch],
            embeddings=vectors[s : s + _BATCH],
            documents=[r.text for r in batch],
            metadatas=[{"customer_id": r.customer_id} for r in batch],
        )
    chroma_write = size / (time.perf_counter() - started)
    naive_times: list[float] = []
    for customer, q in queries:
        t = time.perf_counter()
        collection.query(query_embeddings=[q.tolist()], n_results=_K, where={"customer_id": customer})
        naive_times.append(time.perf_counter() - t)

    say("langgraph store")
    by_text = {r.text: vectors[i] for i, r in enumerate(records)}
    by_text.update({f"query {i}": q for i, (_, q) in enumerate(queries)})

    def embed(texts: Sequence[str]) -> list[list[float]]:
        return [by_text[t].tolist() for t in texts]

    lg = InMemoryStore(index=IndexConfig(dims=_DIM, embed=embed, fields=["text"]))
    for r in records:
        lg.put(("memories", r.customer_id), r.id, {"text": r.text})
    lg_times: list[float] = []
    for i, (customer, _) in enumerate(queries):
        t = time.perf_counter()
        lg.search(("memories", customer), query=f"query {i}", limit=_K)
        lg_times.append(time.perf_counter() - t)

    relevo_p50, naive_p50 = _ms(relevo_times, 50), _ms(naive_times, 50)
    return {
        "size": size,
        "customers": len(customers),
        "relevo_recall_ms_p50": relevo_p50,
        "relevo_recall_ms_p95": _ms(relevo_times, 95),
        "relevo_cold_recall_ms_p95": _ms(cold, 95),
        "naive_chroma_ms_p50": naive_p50,
        "naive_chroma_ms_p95": _ms(naive_times, 95),
        "langgraph_store_ms_p50": _ms(lg_times, 50),
        "langgraph_store_ms_p95": _ms(lg_times, 95),
        "speedup_vs_naive": round(naive_p50 / relevo_p50, 1) if relevo_p50 else None,
        "write_per_s": round(relevo_write),
        "chroma_batched_add_per_s": round(chroma_write),
    }


def bench_memory(
    sizes: Sequence[int] = MEMORY_SIZES, *, seed: int = 7, progress: TextIO | None = None
) -> list[dict[str, Any]]:
    """One result per size: relevo recall vs a naive filtered Chroma query vs LangGraph's InMemoryStore.

    Synthetic stores: customers with 20 memories each, random unit vectors of dimension 384. Query
    embedding is excluded from every timing (the vectors are given).
    """
    rng = np.random.default_rng(seed)
    results: list[dict[str, Any]] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="relevo-bench-memory-") as tmp:
            results.append(_one_size(size, Path(tmp), rng, progress))
    return results
