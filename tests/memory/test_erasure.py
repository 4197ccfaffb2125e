"""Forgetting a customer removes every byte of them from the data directory, and the CLI does it too."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from relevo._config import load_config
from relevo._errors import UnknownConversationError
from relevo.cli import main
from relevo.memory import MemoryRecord, record_id
from relevo.orchestrator import DeskBuilder, RunContext

MARIA = "C-1001"
DISTINCTIVE = "zebra-quartz-7781 prefers parcel lockers near the old tram depot"


def _files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _maria_everywhere(data_dir: Path, run_context: RunContext) -> tuple[str, np.ndarray]:
    """Maria in every store: checkpoints with a handoff packet, the vault, memories, identities, the index."""
    with DeskBuilder(load_config()).open_with_context(data_dir, run_context) as desk:
        memory = desk.memory
        assert memory is not None
        memory.link_identity("whatsapp", "+351912345678", MARIA)
        conversation = desk.start(customer_id=MARIA)
        desk.send(conversation, "Hi, my headphones still haven't arrived. Write to maria.silva@example.com")
        desk.send(conversation, "I want to talk to a person.")
        other = desk.start(customer_id="C-1006")
        desk.send(other, "How many days do I have to return something?")
        desk.send(other, "Thanks!")  # a goodbye ends the conversation: its episode is memorized
        vector = np.random.default_rng(424242).standard_normal(384).astype(np.float32)
        vector /= np.linalg.norm(vector)
        at = datetime(2026, 3, 1, tzinfo=UTC)
        record = MemoryRecord(
            id=record_id(MARIA, "fact", "delivery", DISTINCTIVE),
            customer_id=MARIA,
            kind="fact",
            subject="delivery",
            text=DISTINCTIVE,
            source="test",
            at=at,
            consent_basis="consent",
            expires_at=at + timedelta(days=3650),
        )
        assert memory.store.write([record], vector[None, :]) == 1
    return conversation, vector


def test_forget_leaves_no_byte_of_the_customer_on_disk(tmp_path: Path, run_context: RunContext) -> None:
    data_dir = tmp_path / "data"
    conversation, vector = _maria_everywhere(data_dir, run_context)
    needles = [
        DISTINCTIVE.encode(),
        vector.tobytes(),
        base64.b64encode(vector.tobytes()),
        b"maria.silva@example.com",
        b"Maria Silva",
        b"351912345678",
    ]
    with DeskBuilder(load_config()).open_with_context(data_dir, run_context) as desk:
        assert desk.memory is not None
        assert DISTINCTIVE in desk.memory.show(MARIA), "remembered before"
    # Chroma only ever receives sealed records: not even before erasure are the text or vector on disk.
    assert _files_containing(data_dir, needles[0]) == [] and _files_containing(data_dir, needles[2]) == []

    with DeskBuilder(load_config()).open_with_context(data_dir, run_context) as desk:
        assert desk.memory is not None
        receipt = desk.memory.forget(MARIA, desk.checkpointer)
        with pytest.raises(UnknownConversationError, match=conversation):
            desk.state(conversation)
        assert desk.memory.records(MARIA, history=True) == []
        assert desk.memory.records("C-1006"), "other customers are untouched"
    assert receipt.memories >= 3  # the episode, the language preference, the distinctive fact
    assert (receipt.conversations, receipt.packets, receipt.identities, receipt.conversation_index) == (1, 1, 1, 1)
    assert receipt.vault_entries >= 1
    for needle in needles:
        assert _files_containing(data_dir, needle) == [], needle[:40]


def test_the_memory_cli_shows_exports_consents_and_forgets(
    tmp_path: Path, run_context: RunContext, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    _maria_everywhere(data_dir, run_context)
    root = ["--data-dir", str(data_dir)]

    assert main(["memory", "show", MARIA, *root]) == 0
    shown = capsys.readouterr().out
    assert DISTINCTIVE in shown and "delivery delay" in shown

    assert main(["memory", "export", MARIA, *root]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported["memories"]) >= 3 and exported["identities"] == [
        {"channel": "whatsapp", "handle": "+351912345678"}
    ]

    assert main(["memory", "consent", "C-1006", "off", *root]) == 0
    assert "off (" in capsys.readouterr().out
    assert main(["memory", "show", "C-1006", *root]) == 0
    assert "memory is off" in capsys.readouterr().out

    assert main(["memory", "forget", MARIA, *root]) == 0
    receipt = json.loads(capsys.readouterr().out)
    assert receipt["customer_id"] == MARIA and receipt["conversations"] == 1
    assert _files_containing(data_dir, DISTINCTIVE.encode()) == []


def test_bench_memory_rejects_bad_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "memory", "--sizes", "ten"]) == 2
    assert "--sizes takes comma-separated record counts" in capsys.readouterr().err
