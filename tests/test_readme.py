"""The README's composition example runs as written."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def _compose_example() -> str:
    section = README.read_text(encoding="utf-8").split("## Compose your own", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README's 'Compose your own' section has a python example"
    return match.group(1)


def test_compose_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_compose_example(), str(README), "exec"), {"__name__": "readme_example"})
    printed = out.getvalue().splitlines()
    assert printed[0] == "Invoice INV-77 is paid."
    assert printed[1].startswith("pending_human") and "chargeback_risk" in printed[1]
    assert (tmp_path / ".relevo-example" / "conversations.sqlite").exists()
    assert os.getcwd() == str(tmp_path)
