"""examples/telecom — a mobile carrier built only on relevo's public API: its chat, its suite with gates, and
no demo text anywhere in what it says."""

from __future__ import annotations

import ast
import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from demo_text import demo_words

from relevo import load_config
from relevo.cli import main
from relevo.desks import load_desk
from relevo.orchestrator import RunContext

TELECOM = Path(__file__).parent.parent.parent / "examples" / "telecom"


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, out.getvalue()


def test_the_example_imports_only_relevos_public_api() -> None:
    public = {"relevo", "relevo.tools", "relevo.contracts", "relevo.agents", "relevo.orchestrator"}
    for path in TELECOM.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        relevo_modules = {m for m in modules if m.split(".")[0] == "relevo"}
        assert relevo_modules <= public, (path.name, relevo_modules - public)


def test_its_chat_script_uses_its_tools_kb_and_trigger(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(
        "hi\n"
        "how much data do I have left?\n"
        "I'm travelling to France next week, please activate roaming\n"
        "how much does roaming cost outside Europe?\n"
        "this is too expensive, I'm switching to another carrier\n",
        encoding="utf-8",
    )
    code, out = _run(
        [
            "--desk",
            str(TELECOM),
            "chat",
            "--script",
            str(script),
            "--customer",
            "V-1001",
            "--json",
            "--data-dir",
            str(tmp_path / "data"),
        ]
    )
    assert code == 0
    run = json.loads(out)
    turns: list[dict[str, Any]] = run["turns"]
    replies = [t["reply"] or "" for t in turns]
    assert "Vela Mobile" in replies[0]
    assert turns[1]["signals"]["intent"] == "check_balance" and "38.5" in replies[1]
    assert turns[2]["signals"]["intent"] == "activate_roaming" and "France" in replies[2]
    assert "5.00" in replies[3] or "5,00" in replies[3]
    assert turns[4]["mode"] == "pending_human"
    assert [r["code"] for r in turns[4]["escalation"]["reasons"]] == ["retention_risk"]
    assert run["packet"]["route"]["queue"] == "retention"
    assert demo_words(out) == []


@pytest.mark.parametrize(
    ("customer", "lines", "language"),
    [
        ("V-1002", ["hola", "¿cuánto saldo me queda?", "gracias, eso es todo"], "es"),
        ("V-1003", ["olá, bom dia", "qual é o meu saldo?", "obrigado, é tudo"], "pt"),
    ],
)
def test_it_answers_in_the_customers_language(
    tmp_path: Path, telecom_context: RunContext, customer: str, lines: list[str], language: str
) -> None:
    builder = load_desk(TELECOM, load_config())
    with builder.open_with_context(tmp_path / "data", telecom_context) as desk:
        conv = desk.start(customer_id=customer)
        turns = [desk.send(conv, line) for line in lines]
    assert [t.signals.language for t in turns if t.signals is not None] == [language] * 3
    assert [t.signals.intent for t in turns if t.signals is not None] == ["greeting", "check_balance", "thanks_goodbye"]
    assert all(t.mode == "ai_active" for t in turns)
    assert demo_words(" ".join(t.reply or "" for t in turns)) == []


def test_its_suite_passes_its_gates(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    code, out = _run(["--desk", str(TELECOM), "eval", "run", "--json", "--report", str(report)])
    result = json.loads(out)
    assert result["failed_scenarios"] == [] and result["gate_failures"] == {}, result
    assert code == 0
    metrics = result["metrics"]["defaults"]
    assert metrics["pass_rate"] == 1.0
    assert metrics["conversations"] >= 20
    assert demo_words(report.read_text(encoding="utf-8")) == []


def test_bench_and_demo_replay_its_scripted_scenarios() -> None:
    from relevo._cli_commands import desk_story
    from relevo.bench import bench_conversations
    from relevo.desks import desk_definition
    from relevo.orchestrator import BenchConversation

    telecom = desk_definition(TELECOM)
    story = desk_story(telecom)
    assert len(story) == 24 and story[0].script  # one chapter per scripted scenario, in file order
    script = bench_conversations(telecom.builder())  # it declares none: its scenarios' customer lines
    assert [c.customer for c in script] == [c.customer for c in story]
    assert all(not line.startswith("/") for c in script for line in c.messages)
    assert BenchConversation("V-1001", ("how much data do I have left?", "thanks, bye")) in script


@pytest.mark.parametrize(
    ("language", "question", "follow_up", "ways"),
    [
        (
            "en",
            "how can I pay my bill?",
            "can I pay my bill by card?",
            "direct debit, card in the app, or bank transfer",
        ),
        ("es", "¿cómo puedo pagar la factura?", "¿puedo pagar la factura con tarjeta?", "domiciliación, con tarjeta"),
        ("pt", "quais são as formas de pagar a fatura?", "posso pagar a fatura com cartão?", "débito direto, cartão"),
    ],
)
def test_the_ways_to_pay_are_answered_and_a_follow_up_does_not_loop(
    tmp_path: Path, telecom_context: RunContext, language: str, question: str, follow_up: str, ways: str
) -> None:
    builder = load_desk(TELECOM, load_config())
    with builder.open_with_context(tmp_path / "data", telecom_context) as desk:
        conv = desk.start()
        first = desk.send(conv, question)
        second = desk.send(conv, follow_up)
        language_seen = desk.state(conv).language
    assert first.reply is not None and ways in first.reply, first.reply
    assert second.mode == "ai_active" and not (second.escalation and second.escalation.fired), second.escalation
    assert second.reply and second.reply.split("\n(")[0] not in first.reply
    assert language_seen == language
