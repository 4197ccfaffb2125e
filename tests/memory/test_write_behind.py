"""Write-behind: a closing turn's episode is stored after the reply, and no read ever goes around it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from relevo._config import MemoryConfig
from relevo.memory import CustomerMemory, Episode

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class GatedEmbedder:
    """Deterministic vectors; blocks while the gate is closed, so a test decides when a write may finish."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0

    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += 1
        assert self.gate.wait(10), "the test never opened the gate"
        rows = []
        for text in texts:
            vec = np.zeros(16, dtype=np.float32)
            for i, ch in enumerate(text.encode()):
                vec[(ch + i) % 16] += 1.0
            rows.append(vec / np.linalg.norm(vec))
        return np.stack(rows)


@pytest.fixture
def embed() -> GatedEmbedder:
    return GatedEmbedder()


@pytest.fixture
def memory(tmp_path: Path, embed: GatedEmbedder) -> Iterator[CustomerMemory]:
    mem = CustomerMemory.open(tmp_path, MemoryConfig(), embed=embed)
    yield mem
    embed.gate.set()
    mem.close()


def _episode(conversation: str = "conv-1") -> Episode:
    return Episode(
        conversation_id=conversation,
        issue="order_status",
        tried=["KB-SHIP-01 (answered)"],
        outcome="resolved",
        commitments=["call back on Friday"],
        sentiment=0.1,
        resolved_by="ai",
    )


def test_a_deferred_write_returns_before_it_lands_and_reads_wait_for_it(
    memory: CustomerMemory, embed: GatedEmbedder
) -> None:
    embed.gate.clear()
    assert memory.remember_conversation(
        "C-1", _episode(), [("preference:language", "writes in es")], at=NOW, later=True
    )
    assert memory.flush("C-1", timeout=0.2) is False, "the write is still waiting behind the gate"
    assert memory.flush("C-2", timeout=0.2) is True, "another customer's reads do not wait for C-1's write"
    embed.gate.set()
    records = memory.records("C-1")
    assert sorted(r.kind for r in records) == ["episode", "fact"]
    assert embed.calls == 1, "episode and facts are embedded in one batch"
    assert any("call back on Friday" in c for r in records for c in r.commitments)


def test_recall_sees_a_write_that_was_still_queued(memory: CustomerMemory, embed: GatedEmbedder) -> None:
    embed.gate.clear()
    memory.remember_conversation("C-1", _episode(), at=NOW, later=True)
    opener = threading.Timer(0.3, embed.gate.set)
    opener.start()
    hits = memory.recall("C-1", "order status", now=NOW)
    opener.join()
    assert [h.record.kind for h in hits] == ["episode"]


def test_an_opt_out_while_a_write_waits_leaves_nothing_behind(memory: CustomerMemory, embed: GatedEmbedder) -> None:
    embed.gate.clear()
    memory.remember_conversation("C-1", _episode(), at=NOW, later=True)
    opener = threading.Timer(0.3, embed.gate.set)
    opener.start()
    memory.set_consent("C-1", False, at=NOW)
    opener.join()
    assert memory.records("C-1", history=True) == []


def test_forget_waits_for_the_queued_write_then_erases_it(memory: CustomerMemory, embed: GatedEmbedder) -> None:
    embed.gate.clear()
    memory.remember_conversation("C-1", _episode(), at=NOW, later=True)
    threading.Timer(0.3, embed.gate.set).start()
    receipt = memory.forget("C-1")
    assert receipt.memories == 1
    assert memory.records("C-1", history=True) == []


def test_a_failed_write_is_recorded_and_the_writer_keeps_going(tmp_path: Path) -> None:
    calls: list[int] = []

    def flaky(texts: Sequence[str]) -> NDArray[np.float32]:
        calls.append(len(texts))
        if len(calls) == 1:
            raise RuntimeError("embedding backend down")
        return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)

    memory = CustomerMemory.open(tmp_path, MemoryConfig(), embed=flaky)
    try:
        memory.remember_conversation("C-1", _episode("conv-1"), at=NOW, later=True)
        memory.remember_conversation("C-1", _episode("conv-2"), at=NOW, later=True)
        assert memory.flush(timeout=10)
        assert memory.write_failures == ["C-1: embedding backend down"]
        assert [r.source for r in memory.records("C-1")] == ["conv-2"]
    finally:
        memory.close()


def test_close_lands_every_pending_write(tmp_path: Path, embed: GatedEmbedder) -> None:
    memory = CustomerMemory.open(tmp_path, MemoryConfig(), embed=embed)
    memory.remember_conversation("C-1", _episode(), at=NOW, later=True)
    memory.close()
    reopened = CustomerMemory.open(tmp_path, MemoryConfig(), embed=embed)
    try:
        assert [r.kind for r in reopened.records("C-1")] == ["episode"]
    finally:
        reopened.close()
