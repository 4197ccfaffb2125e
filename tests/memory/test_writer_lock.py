"""Chroma's embedded store allows one writer process: a second one is refused with a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from relevo._errors import StorageError
from relevo.memory import ChromaMemoryStore, CustomerRegistry

_SECOND_WRITER = """
import sys
from pathlib import Path
from relevo._errors import StorageError
from relevo.memory import ChromaMemoryStore, CustomerRegistry
try:
    ChromaMemoryStore.embedded(Path(sys.argv[1]), CustomerRegistry(Path(sys.argv[1]) / "keys.sqlite"))
except StorageError as exc:
    print(exc)
    sys.exit(3)
sys.exit(0)
"""


def test_a_second_writer_process_is_refused(tmp_path: Path) -> None:
    keyring = CustomerRegistry(tmp_path / "keys.sqlite")
    first = ChromaMemoryStore.embedded(tmp_path / "chroma", keyring)
    try:
        run = subprocess.run(
            [sys.executable, "-c", _SECOND_WRITER, str(tmp_path / "chroma")], capture_output=True, text=True
        )
        assert run.returncode == 3, run.stderr
        assert "allows one writer process" in run.stdout
        with pytest.raises(StorageError, match="already has the customer memory"):
            ChromaMemoryStore.embedded(tmp_path / "chroma", keyring)
    finally:
        first.close()
    again = ChromaMemoryStore.embedded(tmp_path / "chroma", keyring)  # released on close
    again.close()
