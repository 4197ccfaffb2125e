"""What a memory record is found by: an episode by its topic, never re-embedding a record already current."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from relevo._config import MemoryConfig
from relevo.memory import CustomerMemory, Episode

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class RecordingEmbedder:
    """Deterministic bag-of-characters vectors; remembers every text it was asked to embed."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.texts.extend(texts)
        rows = []
        for text in texts:
            vec = np.full(32, 1e-3, dtype=np.float32)
            for word in text.lower().split():
                vec[hash(word) % 32] += 1.0
            rows.append(vec / np.linalg.norm(vec))
        return np.stack(rows)


@pytest.fixture
def embed() -> RecordingEmbedder:
    return RecordingEmbedder()


@pytest.fixture
def memory(tmp_path: Path, embed: RecordingEmbedder) -> Iterator[CustomerMemory]:
    mem = CustomerMemory.open(tmp_path, MemoryConfig(), embed=embed)
    yield mem
    mem.close()


def _episode(conversation: str, issue: str = "billing_dispute", commitments: Sequence[str] = ()) -> Episode:
    return Episode(
        conversation_id=conversation,
        issue=issue,
        tried=["lookup_account (answered)", "open_case (resolved)"],
        outcome="resolved",
        commitments=list(commitments),
        sentiment=-0.6,
    )


@pytest.mark.parametrize(
    ("episode", "topic"),
    [
        (_episode("c1"), "billing dispute — resolved"),
        (
            _episode("c2", "meter_reading", ["a technician visits on Monday"]),
            "meter reading — resolved. promised: a technician visits on Monday",
        ),
        (
            _episode("c3", "appointment", ["call back at 5 pm", "email the form"]),
            "appointment — resolved. promised: call back at 5 pm; email the form",
        ),
    ],
)
def test_an_episode_is_found_by_its_topic_and_stored_as_its_summary(
    memory: CustomerMemory, embed: RecordingEmbedder, episode: Episode, topic: str
) -> None:
    assert episode.topic() == topic
    memory.remember_conversation("C-1", episode, at=NOW)
    assert embed.texts == [topic]  # no date, tools tried or mood in what recall matches against
    (stored,) = memory.records("C-1")
    assert stored.text == episode.summary(NOW)
    assert "customer was unhappy" in stored.text and "lookup_account" in stored.text


def test_a_topic_is_redacted_before_it_is_embedded(memory: CustomerMemory, embed: RecordingEmbedder) -> None:
    memory.remember_conversation("C-1", _episode("c1", commitments=["email jane.doe@example.com the receipt"]), at=NOW)
    assert embed.texts and all("jane.doe@example.com" not in t for t in embed.texts)


def test_an_unchanged_fact_is_not_embedded_or_written_again(memory: CustomerMemory, embed: RecordingEmbedder) -> None:
    fact = [("preference:language", "writes in es")]
    memory.remember_conversation("C-1", _episode("c1"), fact, at=NOW)
    assert len(embed.texts) == 2
    memory.remember_conversation("C-1", _episode("c2", "outage"), fact, at=NOW + timedelta(days=1))
    assert embed.texts[2:] == ["outage — resolved"]
    memory.remember_conversation("C-1", _episode("c3"), [("preference:language", "writes in vi")], at=NOW)
    assert embed.texts[3:] == ["billing dispute — resolved", "writes in vi"]
    facts = [r.text for r in memory.records("C-1") if r.kind == "fact"]
    assert facts == ["writes in vi"]


def test_recall_finds_an_episode_by_what_it_was_about(memory: CustomerMemory) -> None:
    memory.remember_conversation("C-1", _episode("c1", "meter_reading", ["a technician visits on Monday"]), at=NOW)
    memory.remember_conversation("C-1", _episode("c2", "billing_dispute"), at=NOW + timedelta(hours=1))
    hits = memory.recall("C-1", "when does the technician visits on Monday", k=1, now=NOW + timedelta(hours=2))
    assert hits[0].record.subject == "episode:c1"
