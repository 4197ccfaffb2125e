"""Memory never costs a customer their answer: it opens once under concurrent first use, a failing store means
"no memory for this turn", and a queued write survives a graceful restart."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from relevo._config import MemoryConfig, load_config
from relevo.memory import ChromaMemoryStore, CustomerMemory, CustomerRegistry, Episode, MemoryStore
from relevo.orchestrator import DeskBuilder, RunContext

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MARIA = "C-1001"


def _embed(texts: Sequence[str]) -> NDArray[np.float32]:
    rows = []
    for text in texts:
        vec = np.zeros(16, dtype=np.float32)
        for i, ch in enumerate(text.encode()):
            vec[(ch + i) % 16] += 1.0
        rows.append(vec / np.linalg.norm(vec))
    return np.stack(rows)


def _episode(conversation: str = "conv-1") -> Episode:
    return Episode(conversation_id=conversation, issue="order_status", outcome="resolved", commitments=["a call"])


def test_four_first_uses_at_once_open_the_embedded_store_once(tmp_path: Path) -> None:
    registry = CustomerRegistry(tmp_path / "registry.sqlite")
    opened: list[MemoryStore] = []
    start = threading.Barrier(4)

    def open_store() -> MemoryStore:
        store = ChromaMemoryStore.embedded(tmp_path / "chroma", registry)  # a second open would be refused
        opened.append(store)
        return store

    memory = CustomerMemory(registry, MemoryConfig(), embed=_embed, store=open_store)
    seen: list[MemoryStore] = []
    errors: list[BaseException] = []

    def first_message(n: int) -> None:
        start.wait()
        try:
            memory.remember_conversation(f"C-{n}", _episode(f"conv-{n}"), at=NOW)
            seen.append(memory.store)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_message, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(opened) == 1 and {id(s) for s in seen} == {id(opened[0])}
        assert all(memory.records(f"C-{n}") for n in range(4)), "every first message's write landed"
    finally:
        memory.close()


def test_a_record_failing_its_integrity_check_means_no_memory_for_the_turn(
    tmp_path: Path, run_context: RunContext
) -> None:
    data_dir = tmp_path / "data"
    with DeskBuilder(load_config()).open_with_context(data_dir, run_context) as desk:
        assert desk.memory is not None
        desk.memory.remember_conversation(MARIA, _episode(), at=NOW)
        assert desk.memory.highlights(MARIA, "where is my order", now=NOW)[0], "remembered"
    # A registry restored from another backup than Chroma: the customer's key no longer opens her records.
    registry = CustomerRegistry(data_dir / "memory" / "registry.sqlite")
    registry.drop_secret(MARIA)
    registry.secret(MARIA, create=True)
    registry.close()
    with DeskBuilder(load_config()).open_with_context(data_dir, run_context) as desk:
        assert desk.memory is not None
        assert desk.memory.highlights(MARIA, "where is my order", now=NOW) == ([], [])
        conversation = desk.start(customer_id=MARIA)
        result = desk.send(conversation, "Hi, where is my order ORD-1042?")
        assert result.reply, "every message of hers is still answered, without memory"
        assert desk.state(conversation).memory_highlights == []


def test_a_customer_turn_is_answered_while_another_process_holds_the_memory(
    tmp_path: Path, run_context: RunContext
) -> None:
    data_dir = tmp_path / "data"
    holder = ChromaMemoryStore.embedded(data_dir / "memory" / "chroma", CustomerRegistry(tmp_path / "keys.sqlite"))
    try:
        with DeskBuilder(load_config()).open_with_context(data_dir, run_context) as desk:
            conversation = desk.start(customer_id=MARIA)
            result = desk.send(conversation, "Hi, where is my order ORD-1042?")
            assert result.reply, "answered without memory"
            assert desk.state(conversation).memory_highlights == []
    finally:
        holder.close()


def test_a_queued_write_still_waiting_when_the_process_stops_lands_before_it_exits(tmp_path: Path) -> None:
    gate = threading.Event()

    def slow_embed(texts: Sequence[str]) -> NDArray[np.float32]:
        assert gate.wait(10)
        return _embed(texts)

    memory = CustomerMemory.open(tmp_path, MemoryConfig(), embed=slow_embed)
    memory.remember_conversation(MARIA, _episode(), at=NOW, later=True)
    closing = threading.Thread(target=memory.close)
    closing.start()
    closing.join(0.2)
    assert closing.is_alive(), "close waits for the queued write"
    gate.set()
    closing.join(10)
    reopened = CustomerMemory.open(tmp_path, MemoryConfig(), embed=_embed)
    try:
        assert [r.kind for r in reopened.records(MARIA)] == ["episode"], "the write survived the restart"
    finally:
        reopened.close()
