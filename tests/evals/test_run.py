"""``relevo eval run`` on the real offline desk: independent conversations, gates, resumable output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from relevo.cli import main
from relevo.evals import parse_suite, run_eval
from relevo.evals._runner import close_desks

SUITE = """\
name: small
scenarios:
  - id: delayed-then-thanks
    setup: {customer: C-1001}
    turns: ["Hi there", "my headphones still haven't arrived", "yes please", "thanks, bye"]
    expect: {escalate: false}
  - id: asks-for-a-person
    setup: {customer: C-1002}
    turns: ["¿Dónde está mi pedido?", "Quiero hablar con un agente"]
    expect: {escalate: true, reasons: [explicit_request], by_turn: 2}
"""


@pytest.fixture(autouse=True)
def _fresh_desks() -> None:
    close_desks()  # desks are per process: each test starts on new ones


def test_repetitions_start_from_the_same_world() -> None:
    # The second run of a scenario on the same desk must not see the first one: no memory of its promise,
    # the same ticket number, the same replies word for word.
    suite = parse_suite(SUITE, "small.yaml")

    run = run_eval([suite], repeat=3)

    replies = {r.repetition: [t.reply for t in r.turns] for r in run.records if r.scenario == "delayed-then-thanks"}
    assert replies[0] == replies[1] == replies[2]
    assert any("T-3001" in (reply or "") for reply in replies[2])
    assert run.metrics["defaults"]["pass_rate"] == 1.0
    assert run.ran == 6 and run.conversations_per_second > 0


def test_a_failed_gate_exits_one_and_names_the_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SUITE, encoding="utf-8")

    passing = main(["eval", "run", str(path), "--fail-under", "escalation_recall=1", "--json"])
    out = json.loads(capsys.readouterr().out)
    failing = main(["eval", "run", str(path), "--fail-under", "containment_rate=0.9"])
    captured = capsys.readouterr()

    assert passing == 0 and out["gate_failures"] == {} and out["conversations_per_second"] > 0
    assert failing == 1
    assert "gate failed on defaults: containment_rate" in captured.err
    assert "conversations/s" in captured.out


def test_resume_runs_only_what_is_missing(tmp_path: Path) -> None:
    suite = parse_suite(SUITE, "small.yaml")
    output = tmp_path / "results.jsonl"
    first = run_eval([suite], output=output)
    lines = output.read_text(encoding="utf-8").splitlines()
    output.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2], encoding="utf-8")  # cut off mid-line

    resumed = run_eval([suite], output=output, resume=True)

    assert resumed.ran == 1
    assert [r.key for r in resumed.records] == [r.key for r in first.records]
    assert [t.reply for t in resumed.records[1].turns] == [t.reply for t in first.records[1].turns]
    again = run_eval([suite], output=output, resume=True)  # the file is whole again: nothing left to run
    assert again.ran == 0 and len(output.read_text(encoding="utf-8").splitlines()) == 2


ROUTE_SUITE = """\
name: route
scenarios:
  - id: right-route
    setup: {customer: C-1002}
    turns: ["Quiero hablar con un agente"]
    expect: {escalate: true, queue: support, priority: normal}
  - id: wrong-route
    setup: {customer: C-1002}
    turns: ["Quiero hablar con un agente"]
    expect: {escalate: true, queue: billing, priority: urgent}
"""


def test_expected_queue_and_priority_are_checked() -> None:
    run = run_eval([parse_suite(ROUTE_SUITE, "route.yaml")])

    failures = {r.scenario: r.failures for r in run.records}
    assert failures["right-route"] == []
    assert any("expected billing" in f for f in failures["wrong-route"])
    assert any("expected urgent" in f for f in failures["wrong-route"])
