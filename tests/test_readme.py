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


def _walkthrough() -> list[str]:
    section = README.read_text(encoding="utf-8").split("## Build your own desk", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "the README's 'Build your own desk' section has a sh example"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_build_your_own_desk_walkthrough_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ``relevo`` line runs as written (in this process); other lines run in a shell."""
    import json
    import shlex
    import subprocess

    from relevo.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RELEVO_DESK", raising=False)
    outputs: dict[str, str] = {}
    for line in _walkthrough():
        argv = shlex.split(line, comments=True)
        if argv[0] != "relevo":
            subprocess.run(["bash", "-c", line], check=True, cwd=tmp_path)
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(argv[1:])
        assert code == 0, (line, out.getvalue())
        outputs[" ".join(argv[1:4])] = out.getvalue()
    chat = json.loads(outputs["--desk acme chat"])
    replies = [turn["reply"] or "" for turn in chat["turns"]]
    assert "Acme" in replies[0]
    assert chat["turns"][1]["grounding"] == ["KB-HOURS"]
    assert chat["turns"][2]["signals"]["language"] == "es" and chat["turns"][2]["grounding"] == ["KB-ROOMS"]
    assert chat["turns"][-1]["mode"] == "pending_human"
    assert json.loads(outputs["--desk acme triage"])["intent"] == "opening_hours"
