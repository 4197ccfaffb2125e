"""Scale-out memory: two deployments' processes (own data dirs) on one Postgres registry and one Chroma server."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from relevo._config import MemoryConfig
from relevo.memory import CustomerMemory

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def embed(texts: Sequence[str]) -> NDArray[np.float32]:
    """Hashed bag of words: similar wording, similar vectors (no model needed)."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % 64] += 1.0
        out[row] /= max(float(np.linalg.norm(out[row])), 1e-6)
    return out


def test_two_processes_share_keys_memories_vault_and_erasure(
    database_url: str, chroma_server: str, tmp_path: Path
) -> None:
    config = MemoryConfig(server_url=chroma_server)
    first = CustomerMemory.open(tmp_path / "host-a", config, embed=embed, database_url=database_url)
    second = CustomerMemory.open(tmp_path / "host-b", config, embed=embed, database_url=database_url)
    customer = f"C-{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    try:
        assert first.remember_fact(customer, "delivery", "prefers evening delivery", source="conv-1", at=NOW)
        hits = second.recall(customer, "evening delivery", now=NOW)
        assert [h.record.text for h in hits] == ["prefers evening delivery"], "B opens what A sealed"

        redacted = first.redact("conv-1", "write to maria@example.com please")
        assert "maria@example.com" not in redacted
        assert second.reveal("conv-1", redacted) == "write to maria@example.com please", "one vault for both"

        first.link_identity("whatsapp", "+351900000001", customer)
        assert second.resolve_identity("whatsapp", "+351900000001") == customer

        second.note_conversation("conv-1", customer, NOW)
        receipt = second.forget(customer)
        assert receipt.memories == 1
        assert first.recall(customer, "evening delivery", now=NOW) == [], "erased for every process"
        assert first.resolve_identity("whatsapp", "+351900000001") is None
        assert first.reveal("conv-1", redacted) == redacted
    finally:
        first.close()
        second.close()
