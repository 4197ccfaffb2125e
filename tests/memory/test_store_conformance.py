"""One conformance suite for every MemoryStore: embedded Chroma and a real Chroma server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from relevo.memory import MemoryRecord, MemoryStore, record_id

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def unit(seed: int, dim: int = 32) -> NDArray[np.float32]:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _customer() -> str:
    return f"C-{uuid.uuid4().hex[:10]}"  # one server serves the whole session: ids never collide


def _record(customer: str, subject: str, text: str, *, at: datetime = NOW, days: int = 30) -> MemoryRecord:
    return MemoryRecord(
        id=record_id(customer, "fact", subject, text),
        customer_id=customer,
        kind="fact",
        subject=subject,
        text=text,
        source="test",
        at=at,
        consent_basis="consent",
        expires_at=at + timedelta(days=days),
    )


def test_recall_returns_the_most_similar_records_first(store: MemoryStore) -> None:
    customer = _customer()
    records = [_record(customer, f"s{i}", f"memory {i}") for i in range(5)]
    store.write(records, np.stack([unit(i) for i in range(5)]))
    hits = store.recall(customer, unit(3), 2, NOW)
    assert hits[0].record.text == "memory 3"
    assert hits[0].score > hits[1].score
    assert len(hits) == 2


def test_a_customer_never_recalls_another_customers_memory(store: MemoryStore) -> None:
    alice, bob = _customer(), _customer()
    store.write([_record(alice, "pref", "prefers evening delivery to the back door")], unit(1)[None, :])
    store.write([_record(bob, "pref", "prefers evening delivery to the back door.")], unit(1)[None, :])
    hits = store.recall(bob, unit(1), 10, NOW)
    assert [h.record.customer_id for h in hits] == [bob]
    assert store.recall(_customer(), unit(1), 10, NOW) == []


def test_the_same_memory_is_stored_once(store: MemoryStore) -> None:
    customer = _customer()
    record = _record(customer, "pref", "likes email updates")
    assert store.write([record], unit(2)[None, :]) == 1
    assert store.write([record, record], np.stack([unit(2), unit(2)])) == 0
    assert len(store.records(customer, history=True)) == 1


def test_a_newer_fact_supersedes_the_older_one_and_history_is_kept(store: MemoryStore) -> None:
    customer = _customer()
    store.write([_record(customer, "address", "lives in Lisbon")], unit(3)[None, :])
    later = NOW + timedelta(days=2)
    store.write([_record(customer, "address", "lives in Porto", at=later)], unit(4)[None, :])
    assert [r.text for r in store.records(customer)] == ["lives in Porto"]
    assert [r.text for r in store.records(customer, history=True)] == ["lives in Lisbon", "lives in Porto"]
    assert [h.record.text for h in store.recall(customer, unit(3), 5, later)] == ["lives in Porto"]


def test_a_fact_back_to_an_earlier_value_is_current_again(store: MemoryStore) -> None:
    """The same text is the same record (content-addressed): written again after another value superseded it,
    it is current again and supersedes that value, never skipped as already stored."""
    customer = _customer()
    for day, text in enumerate(("writes in en", "writes in es", "writes in en")):
        store.write([_record(customer, "preference:language", text, at=NOW + timedelta(days=day))], unit(day)[None, :])
        assert [r.text for r in store.records(customer)] == [text]
    assert [h.record.text for h in store.recall(customer, unit(0), 5, NOW + timedelta(days=3))] == ["writes in en"]


def test_expired_memories_are_not_recalled(store: MemoryStore) -> None:
    customer = _customer()
    store.write([_record(customer, "old", "an old note", days=1)], unit(5)[None, :])
    assert store.recall(customer, unit(5), 3, NOW + timedelta(days=2)) == []


def test_forget_removes_every_record_of_the_customer_only(store: MemoryStore) -> None:
    gone, kept = _customer(), _customer()
    store.write([_record(gone, f"s{i}", f"note {i}") for i in range(3)], np.stack([unit(i) for i in range(3)]))
    store.write([_record(kept, "s", "stays")], unit(9)[None, :])
    assert store.forget(gone) == 3
    assert store.records(gone, history=True) == []
    assert [r.text for r in store.records(kept)] == ["stays"]
