"""No raw personal data on disk: conversations full of the table's values leave none of them in any file of the
data directory (databases, their -wal and -shm files, Chroma, the memory registry and its PII vault, whose values
are sealed under each conversation's key), as written, compacted or as bare digits."""

from __future__ import annotations

import re
from pathlib import Path

from pii_table import VALID

from relevo.orchestrator import SupportDesk

_LANGUAGE_CUSTOMERS = ("C-1001", "C-1002", "C-1003", "C-1004")


def _forms(value: str) -> set[str]:
    """The value as written, without separators, and its bare digits (when it is mostly a number)."""
    compact = re.sub(r"[\s.\-()+/]", "", value)
    digits = re.sub(r"\D", "", value)
    forms = {value, compact, compact.upper()}
    if len(digits) >= 8:
        forms.add(digits)
    return forms


def _leaks(root: Path, values: list[str]) -> list[str]:
    found: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for value in values:
            for form in _forms(value):
                for encoded in {form.encode("utf-8"), form.encode("utf-16-le")}:
                    if encoded in data:
                        found.append(f"{path.relative_to(root)}: {form!r}")
    return found


def test_conversations_full_of_personal_data_leave_none_of_it_on_disk(desk: SupportDesk, tmp_path: Path) -> None:
    for n, (sentence, _, _) in enumerate(VALID):
        conversation = desk.start(customer_id=_LANGUAGE_CUSTOMERS[n % len(_LANGUAGE_CUSTOMERS)])
        desk.send(conversation, sentence)
    root = tmp_path / "data"
    values = [value for _, value, _ in VALID]
    assert any(p.name.endswith("-wal") for p in root.rglob("*")), "the scan must cover write-ahead logs"
    # Conversations, checkpoints, Chroma, the registry and its vault, every other file: nothing, in any form.
    leaks = _leaks(root, values)
    assert not leaks, "\n".join(leaks)
