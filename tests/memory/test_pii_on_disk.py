"""No raw personal data on disk: conversations full of the table's values leave none of them in any file of the
data directory (databases, their -wal and -shm files, Chroma), as written, compacted or as bare digits — except in
the registry's PII vault, the one documented place values are kept (card numbers never are) until `forget`."""

from __future__ import annotations

import re
import sqlite3
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


def _without_vault(registry: Path, into: Path) -> Path:
    """A compacted copy of the registry without its vault table's rows."""
    copy = into / "registry-without-vault.sqlite"
    with sqlite3.connect(registry) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as target:
        target.execute("PRAGMA journal_mode=DELETE")  # so VACUUM rewrites the file itself
    with sqlite3.connect(copy) as target:
        target.execute("DELETE FROM vault")
    with sqlite3.connect(copy) as target:
        target.execute("VACUUM")
    return copy


def test_conversations_full_of_personal_data_leave_none_of_it_on_disk(desk: SupportDesk, tmp_path: Path) -> None:
    for n, (sentence, _, _) in enumerate(VALID):
        conversation = desk.start(customer_id=_LANGUAGE_CUSTOMERS[n % len(_LANGUAGE_CUSTOMERS)])
        desk.send(conversation, sentence)
    root = tmp_path / "data"
    values = [value for _, value, _ in VALID]
    assert any(p.name.endswith("-wal") for p in root.rglob("*")), "the scan must cover write-ahead logs"
    # Conversations, checkpoints, Chroma and every other file: nothing, in any form.
    elsewhere = [leak for leak in _leaks(root, values) if not leak.startswith("memory/registry.sqlite")]
    assert not elsewhere, "\n".join(elsewhere)
    # The registry keeps values only in its PII vault (so tools can use them; `forget` erases it), never a card.
    cards = [leak for leak in _leaks(root, [v for _, v, kind in VALID if kind == "CARD"])]
    assert not cards, "\n".join(cards)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _without_vault(root / "memory" / "registry.sqlite", scratch)
    outside_vault = _leaks(scratch, values)
    assert not outside_vault, "\n".join(outside_vault)
