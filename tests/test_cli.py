"""The ``relevo`` command: the JSON contracts other tools and our checks rely on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from relevo.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def script(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "script.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("customer", "lines"),
    [
        ("C-1002", ("Hola", "Quiero hablar con un agente")),
        ("C-1003", ("Olá", "Quero falar com um atendente")),
        ("C-1005", ("Xin chào", "Tôi muốn nói chuyện với nhân viên")),
        (None, ("Hola", "Quiero hablar con un agente")),
    ],
)
def test_explicit_request_script_ends_pending_human(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], customer: str | None, lines: tuple[str, ...]
) -> None:
    args = ["chat", "--script", script(tmp_path, *lines), "--data-dir", str(tmp_path / "d"), "--json"]
    if customer:
        args += ["--customer", customer]
    out = run_json(capsys, *args)
    assert set(out) == {"conversation_id", "turns", "packet"}
    last = out["turns"][-1]
    assert set(last) >= {"input", "actor", "reply", "mode", "signals", "escalation"}
    assert set(last["signals"]) == {
        "intent",
        "confidence",
        "sentiment",
        "explicit_human_request",
        "out_of_scope",
        "language",
    }
    assert last["mode"] == "pending_human"
    assert [r["code"] for r in last["escalation"]["reasons"]] == ["explicit_request"]
    assert last["escalation"]["reasons"][0]["evidence"]
    assert out["turns"][0]["mode"] == "ai_active"
    packet = out["packet"]
    assert {"customer", "intent", "summary", "facts", "attempts", "commitments", "reasons", "route", "language"} <= set(
        packet
    )


def test_restart_in_the_middle_keeps_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = script(
        tmp_path,
        "Where is my order?",
        "I want to talk to a human",
        "/restart",
        "/reply too early",
        "/takeover Ana",
        "/restart",
        "are you still there?",
        "/reply Yes, Ana here. Express shipping is on us.",
        "/handback Upgraded ORD-1042 to express",
        "/restart",
        "what's the status now?",
    )
    out = run_json(
        capsys, "chat", "--script", path, "--customer", "C-1001", "--data-dir", str(tmp_path / "d"), "--json"
    )
    turns = out["turns"]
    assert [t["mode"] for t in turns] == [
        "ai_active",
        "pending_human",
        "pending_human",
        "pending_human",
        "human_active",
        "human_active",
        "human_active",
        "human_active",
        "ai_active",
        "ai_active",
        "ai_active",
    ]
    assert "not possible while the conversation is pending_human" in turns[3]["error"]
    assert turns[6]["reply"] is None, "the AI is silent while the human owns the conversation"
    assert "ORD-1042" in turns[-1]["reply"] and "order number" not in turns[-1]["reply"]
    facts = {f["name"]: f for f in out["packet"]["facts"]}
    assert facts["order_id"]["value"] == "ORD-1042"
    assert {"name", "value", "source"} <= set(facts["order_id"])


def test_triage_reads_args_txt_and_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    txt = tmp_path / "u.txt"
    txt.write_text("where is my order?\nQuiero hablar con un agente\n", encoding="utf-8")
    csv = tmp_path / "u.csv"
    csv.write_text("text,label\nI want a refund for ORD-1042,refund\n", encoding="utf-8")
    assert main(["triage", "hello there", "--file", str(txt)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in rows] == ["hello there", "where is my order?", "Quiero hablar con un agente"]
    assert rows[2]["explicit_human_request"] is True and rows[2]["language"] == "es"
    assert set(rows[0]) == {
        "text",
        "intent",
        "confidence",
        "sentiment",
        "explicit_human_request",
        "out_of_scope",
        "language",
    }
    assert main(["triage", "--file", str(csv), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["intent"] == "refund_request"


def test_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["triage"]) == 2
    assert "give utterances" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("message\nhi\n", encoding="utf-8")
    assert main(["triage", "--file", str(bad)]) == 2
    assert "no 'text'" in capsys.readouterr().err
    assert main(["chat", "--script", str(tmp_path / "missing.txt"), "--json"]) == 2
    assert "cannot read script" in capsys.readouterr().err
    assert (
        main(["chat", "--script", script(tmp_path, "hi"), "--conversation", "nope", "--data-dir", str(tmp_path)]) == 2
    )
    assert "no conversation with id 'nope'" in capsys.readouterr().err
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[escalation.negative_sentiment]\nthreshold = 7\n", encoding="utf-8")
    assert main(["--config", str(cfg), "graph"]) == 1
    assert "escalation.negative_sentiment.threshold" in capsys.readouterr().err


def test_graph_prints_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph"]) == 0
    drawn = capsys.readouterr().out
    assert drawn.startswith("---") and "graph TD;" in drawn
    assert "triage --> escalate;" in drawn and "summarize --> handoff;" in drawn


def test_demo_json_tells_the_whole_story(capsys: pytest.CaptureFixture[str]) -> None:
    story = run_json(capsys, "demo", "--json")
    chapters = story["chapters"]
    kb, delayed = chapters[0], chapters[1]
    assert "KB-" in kb["turns"][0]["reply"]
    offer = delayed["turns"][0]["reply"]
    assert "ORD-1042" in offer and "Gold" in offer and "€" in offer
    modes = [t["mode"] for t in delayed["turns"]]
    assert "pending_human" in modes and "human_active" in modes and modes[-1] == "closed"
    silent = [t for t in delayed["turns"] if t["mode"] == "human_active" and not t["input"].startswith("/")]
    assert silent and all(t["reply"] is None for t in silent)
    packet = delayed["packet"]
    assert packet["customer"]["id"] == "C-1001"
    assert any(f["name"] == "order_id" and f["value"] == "ORD-1042" for f in packet["facts"])
    assert packet["reasons"][0]["code"] == "explicit_request" and packet["reasons"][0]["evidence"]
    assert packet["attempts"] and packet["commitments"]
    after = delayed["turns"][-2]
    assert "ORD-1042" in after["reply"] and "order number" not in after["reply"]


def test_demo_plays_the_story_the_desk_definition_carries(tmp_path: Path) -> None:
    from relevo import DeskBuilder, RelevoConfig
    from relevo._cli_commands import desk_story
    from relevo.demo import STORY
    from relevo.desks import DEFAULT_DESK, DeskDefinition, desk_definition, init_desk
    from relevo.orchestrator import Chapter

    assert desk_story(desk_definition(DEFAULT_DESK)) == STORY  # the demo is loaded like any desk
    own = (Chapter(title="Hello", shows="a greeting", customer=None, script=("hi",)),)

    def storied(config: RelevoConfig) -> DeskBuilder:
        return DeskBuilder(config).with_story(own)

    assert desk_story(DeskDefinition(reference="own:storied", factory=storied)) == own
    assert desk_story(DeskDefinition(reference="own:plain", factory=DeskBuilder)) == ()
    init_desk(tmp_path / "acme")  # a folder desk without a story: one chapter per scripted scenario
    chapters = desk_story(desk_definition(tmp_path / "acme"))
    assert chapters and all(c.script and "/" in c.shows for c in chapters)


@pytest.mark.parametrize("typo", ["/foo bar", "/takover Ana", "/handbak done", "/Resolve"])
def test_a_mistyped_command_is_an_error_never_a_customer_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], typo: str
) -> None:
    path = script(tmp_path, "Hello", typo, "/card", "I want to talk to a human", "/card")
    out = run_json(capsys, "chat", "--script", path, "--data-dir", str(tmp_path / "d"), "--json")
    turns = out["turns"]
    assert turns[1]["actor"] == "system" and turns[1]["error"].startswith(f"unknown command {typo.split()[0]}")
    assert "/takeover AGENT" in turns[1]["error"]
    assert turns[2]["input"] == "/card" and turns[2]["packet"] is None, "no handoff yet"
    assert turns[4]["input"] == "/card" and turns[4]["packet"]["reasons"][0]["code"] == "explicit_request"
    customer_inputs = [t["input"] for t in turns if t["actor"] != "system"]
    assert customer_inputs == ["Hello", "I want to talk to a human"]


def test_a_message_that_only_starts_with_a_slash_is_still_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = script(tmp_path, "/ where is my order?")
    out = run_json(capsys, "chat", "--script", path, "--data-dir", str(tmp_path / "d"), "--json")
    assert out["turns"][0]["actor"] == "ai" and "error" not in out["turns"][0]
