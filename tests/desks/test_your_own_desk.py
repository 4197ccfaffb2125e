"""The issue's "done when": a fresh `relevo init acme`, then `relevo --desk acme chat --script S --json` greets with
the desk's brand, answers a KB question citing the desk's article, answers a Spanish guest in Spanish, and ends
"quiero hablar con una persona" in pending_human — with no demo text anywhere in the output."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from relevo.cli import main

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from demo_text import demo_words


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_a_fresh_desk_chats_in_its_own_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _run(["init", "acme"])[0] == 0
    script = tmp_path / "S.txt"
    script.write_text(
        "hi\nwhat are your opening hours?\nhola, ¿cómo reservo una sala de reuniones?\nquiero hablar con una persona\n",
        encoding="utf-8",
    )
    code, out, _ = _run(["--desk", "acme", "chat", "--script", str(script), "--json", "--data-dir", "data"])
    assert code == 0
    turns = json.loads(out)["turns"]
    assert "Acme" in turns[0]["reply"]
    assert turns[1]["grounding"] == ["KB-HOURS"] and "KB-HOURS" in turns[1]["reply"]
    assert turns[2]["signals"]["language"] == "es" and turns[2]["grounding"] == ["KB-ROOMS"]
    assert "Reserva una sala" in turns[2]["reply"]
    assert turns[3]["mode"] == "pending_human"
    assert [r["code"] for r in turns[3]["escalation"]["reasons"]] == ["explicit_request"]
    assert demo_words(out) == []


def test_a_desk_toml_in_the_working_directory_is_the_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(["init", str(tmp_path / "acme")])[0] == 0
    monkeypatch.chdir(tmp_path / "acme")
    monkeypatch.delenv("RELEVO_DESK", raising=False)
    code, out, _ = _run(["triage", "are you open on Sunday?"])
    assert code == 0 and json.loads(out)["intent"] == "opening_hours"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RELEVO_DESK", str(tmp_path / "acme"))
    code, out, _ = _run(["triage", "how much is a resident desk?"])
    assert code == 0 and json.loads(out)["intent"] == "membership_change"


@pytest.mark.parametrize(
    ("desk", "message"),
    [("no-such-desk/", "no such folder"), ("no_such_pkg.desk:build", "no module named 'no_such_pkg.desk'")],
)
def test_an_unknown_desk_exits_2_naming_it(desk: str, message: str) -> None:
    code, _, err = _run(["--desk", desk, "chat", "--script", "x.txt"])
    assert code == 2 and message in err


def test_a_malformed_desk_exits_1_naming_file_line_and_field(tmp_path: Path) -> None:
    assert _run(["init", str(tmp_path / "acme")])[0] == 0
    toml = tmp_path / "acme" / "desk.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('default_language = "en"', 'default_language = "xx"'))
    code, _, err = _run(["--desk", str(tmp_path / "acme"), "triage", "hi"])
    assert code == 1 and "desk.toml: line 6: desk.default_language:" in err
