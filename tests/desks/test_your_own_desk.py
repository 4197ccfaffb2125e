"""The issue's "done when": a fresh `relevo init acme`, then `relevo --desk acme chat --script S --json` (the real
command, in a subprocess) greets with the desk's brand, answers a KB question citing the desk's article, answers a
Spanish guest in Spanish, and ends "quiero hablar con una persona" in pending_human — with no demo text anywhere in
the output. And the bad input of every command that takes ``--desk``."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from relevo.cli import main

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from demo_text import demo_words

REPO = Path(__file__).parent.parent.parent


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _relevo(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``relevo ARGV`` as a user runs it: a new process, this checkout's code."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    env.pop("RELEVO_DESK", None)
    return subprocess.run(
        [sys.executable, "-m", "relevo.cli", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def _body(article: Path) -> str:
    """An article's text without its front matter, as one line."""
    return " ".join(article.read_text(encoding="utf-8").split("---", 2)[2].split())


def test_a_fresh_desk_chats_in_its_own_name(tmp_path: Path) -> None:
    init = _relevo(["init", "acme"], tmp_path)
    assert init.returncode == 0, init.stderr
    script = tmp_path / "S.txt"
    script.write_text(
        "hi\nwhat are your opening hours?\nhola\n¿cómo reservo una sala de reuniones?\nquiero hablar con una persona\n",
        encoding="utf-8",
    )
    chat = _relevo(["--desk", "acme", "chat", "--script", "S.txt", "--json", "--data-dir", "data"], tmp_path)
    assert chat.returncode == 0, chat.stderr
    turns = json.loads(chat.stdout)["turns"]
    assert [t["input"] for t in turns] == script.read_text(encoding="utf-8").splitlines()
    replies = [" ".join((t["reply"] or "").split()) for t in turns]
    greeting, hours, hola, rooms, human = turns

    # The greeting carries the desk's brand (the folder's name, title-cased).
    assert greeting["signals"]["intent"] == "greeting" and "Acme" in replies[0]
    # The KB question is answered from the desk's own article, and the reply cites it.
    assert hours["grounding"] == ["KB-HOURS"] and "KB-HOURS" in replies[1]
    hours_text = _body(tmp_path / "acme" / "kb" / "opening-hours.en.md")
    assert re.split(r"(?<=\.) ", hours_text)[0] in replies[1]
    # A Spanish guest is answered in Spanish: the greeting, the Spanish article, the handoff message.
    assert hola["signals"]["language"] == "es" and replies[2].startswith("¡Hola!") and "Acme" in replies[2]
    assert rooms["signals"]["language"] == "es" and rooms["grounding"] == ["KB-ROOMS"]
    rooms_text = _body(tmp_path / "acme" / "kb" / "meeting-rooms.es.md")
    assert re.split(r"(?<=\.) ", rooms_text)[0] in replies[3] and "artículo de ayuda" in replies[3]
    # "quiero hablar con una persona": a person, in Spanish.
    assert human["mode"] == "pending_human" and human["signals"]["language"] == "es"
    assert [r["code"] for r in human["escalation"]["reasons"]] == ["explicit_request"]
    assert replies[4].startswith("Te paso ahora con")
    # Nothing of the demo shop anywhere: not in the replies, not in the JSON, not on stderr.
    assert demo_words(chat.stdout) == [] and demo_words(chat.stderr) == [] and demo_words(init.stdout) == []


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


# -- bad input: every command that takes --desk --------------------------------------------------------------
DESK_COMMANDS = {
    "chat": ["chat", "--script", "x.txt"],
    "serve": ["serve", "--port", "1"],
    "eval run": ["eval", "run"],
    "triage": ["triage", "hi"],
    "demo": ["demo"],
    "memory": ["memory", "show", "M-100"],
    "bench turn": ["bench", "turn", "--conversations", "1"],
    "bench serve": ["bench", "serve", "--conversations", "1"],
    "bench llm-turn": ["bench", "llm-turn", "--conversations", "1"],
    "graph": ["graph"],
}
UNKNOWN_DESKS = {
    "folder": ("no-such-desk/", "desk 'no-such-desk/': no such folder"),
    "module": ("no_such_pkg.desk:build", "no module named 'no_such_pkg.desk'"),
    "function": ("relevo.desks:no_such_factory", "module 'relevo.desks' has no function 'no_such_factory'"),
    "neither": ("not a desk", "not a folder and not package.module:function"),
}


@pytest.mark.parametrize("kind", UNKNOWN_DESKS)
@pytest.mark.parametrize("command", DESK_COMMANDS)
def test_an_unknown_desk_exits_2_naming_it(
    command: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    desk, message = UNKNOWN_DESKS[kind]
    code, out, err = _run(["--desk", desk, *DESK_COMMANDS[command]])
    assert (code, out) == (2, "") and err.startswith("relevo: ") and message in err, err
    monkeypatch.setenv("RELEVO_DESK", desk)  # the same from the environment
    code, out, err = _run(DESK_COMMANDS[command])
    assert (code, out) == (2, "") and message in err, err
    assert list(tmp_path.iterdir()) == [], "nothing written for a desk that does not exist"


@pytest.mark.parametrize("command", DESK_COMMANDS)
def test_a_folder_without_desk_toml_exits_2(command: str, tmp_path: Path) -> None:
    code, out, err = _run(["--desk", str(tmp_path), *DESK_COMMANDS[command]])
    assert (code, out) == (2, "") and "the folder has no desk.toml (create one with `relevo init DIR`)" in err


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "desk.toml",
            'default_language = "en"',
            'default_language = "xx"',
            r"desk\.toml: line 5: desk\.default_language:",
        ),
        ("desk.toml", "[[queues]]", "[[queues]\n", r"desk\.toml: line \d+: not valid TOML"),
        (
            "intents.yaml",
            "    queue: membership\n",
            "    queue: [membership]\n",
            r"intents\.yaml: line \d+: intents\.2\.queue:",
        ),
        (
            "intents.yaml",
            "  - name: meeting_rooms",
            "  - name: meeting_rooms\n   bad: [",
            r"intents\.yaml: line \d+: not valid YAML",
        ),
        (
            "intents.yaml",
            "queue: membership",
            "queue: sales",
            r"intents\.yaml: line \d+: intents\.2\.queue: 'sales' is not a queue",
        ),
        (
            "kb/membership.es.md",
            "title: Planes de membresía\n",
            "",
            r"membership\.es\.md: line \d+: title: Field required",
        ),
        (
            "kb/membership.es.md",
            "language: es",
            "language: pt",
            r"membership\.es\.md: line 5: language: 'pt' but the file name",
        ),
        (
            "customers.yaml",
            "tier: member",
            "tier: platinum",
            r"customers\.yaml: line \d+: customers\.0\.tier: 'platinum'",
        ),
        (
            "desk.toml",
            'intents = ["membership_change"]',
            'intents = ["complaint"]',
            r"escalation\.vip\.intents names intent 'complaint'",
        ),
    ],
)
@pytest.mark.parametrize("command", ["chat", "triage", "eval run", "bench turn"])
def test_a_malformed_desk_exits_1_before_any_message(
    command: str, file: str, old: str, new: str, expected: str, tmp_path: Path
) -> None:
    assert _run(["init", str(tmp_path / "acme")])[0] == 0
    path = tmp_path / "acme" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = re.search(r"line (\d+):", expected)
    if line:  # the line the message names is the changed one
        assert path.read_text(encoding="utf-8").splitlines()[int(line[1]) - 1].startswith(new.split(" ")[0])
    (tmp_path / "x.txt").write_text("hi\n", encoding="utf-8")
    argv = {"chat": ["chat", "--script", str(tmp_path / "x.txt"), "--data-dir", str(tmp_path / "data")]}
    code, out, err = _run(["--desk", str(tmp_path / "acme"), *argv.get(command, DESK_COMMANDS[command])])
    assert (code, out) == (1, ""), err
    assert re.search(expected, err), err
    stored = list((tmp_path / "data").glob("*.sqlite")) if (tmp_path / "data").exists() else []
    assert stored == [], "the desk failed before any conversation was stored"
