"""Scenario files: validation errors name the file, line and field; the built-in suite is complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo._errors import BadInputError
from relevo.evals import ScenarioFileError, check_gates, load_suite, load_suites, named_suites, parse_gate

BAD = """\
name: bad
scenarios:
  - id: ok-one
    turns: ["Hello"]
    expect: {escalate: false}
  - id: broken
    turns:
      - "Hi"
      - "/shout at them"
    expect:
      escalate: maybe
"""


def test_malformed_file_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(BAD, encoding="utf-8")
    expected = r"suite\.yaml: line 7: scenarios\.1\.turns: .*unknown command '/shout'"
    with pytest.raises(ScenarioFileError, match=expected) as info:
        load_suite(path)
    assert "line 11: scenarios.1.expect.escalate" in str(info.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("scenarios:\n  - id: x\n    turns: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match=r"broken\.yaml: line \d+: not valid YAML"):
        load_suite(path)


def test_a_scenario_needs_a_script_or_a_simulator(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text("scenarios:\n  - id: x\n    expect: {escalate: false}\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match=r"line 2: scenarios\.0: .*either 'turns'"):
        load_suite(path)


def _demo_scenarios() -> Path:
    from relevo.demo import desk

    folder = desk().scenarios
    assert folder is not None
    return folder


def test_the_demo_suite_covers_every_trigger() -> None:
    suites = load_suites([], scenarios=_demo_scenarios())
    scenarios = [s for suite in suites for s in suite.scenarios]
    assert len(scenarios) >= 60
    reasons = {r for s in scenarios for r in s.expect.reasons}
    assert reasons >= {
        "explicit_request",
        "negative_sentiment",
        "sentiment_trend",
        "out_of_scope",
        "low_confidence",
        "loop_detected",
        "repeated_failure",
        "policy_sensitive",
        "lead_qualified",
        "vip",
        "tool_failure",
    }
    explicit_languages = {s.persona.language for s in scenarios if "explicit_request" in s.expect.reasons}
    assert explicit_languages >= {"en", "es", "pt", "vi"}
    assert named_suites(_demo_scenarios()) == ["load", "robustness"]


def test_a_desks_named_suites_are_its_scenario_subfolders(tmp_path: Path) -> None:
    (tmp_path / "smoke").mkdir()
    (tmp_path / "basics.yaml").write_text(BAD.split("  - id: broken")[0], encoding="utf-8")
    (tmp_path / "smoke" / "fast.yaml").write_text(BAD.split("  - id: broken")[0].replace("bad", "fast"), "utf-8")
    assert [s.name for s in load_suites([], scenarios=tmp_path)] == ["bad"]  # the default: files at the top
    assert [s.name for s in load_suites(["smoke"], scenarios=tmp_path)] == ["fast"]
    with pytest.raises(BadInputError, match=r"no scenario file or folder 'nope' \(the desk's named suites: smoke\)"):
        load_suites(["nope"], scenarios=tmp_path)
    with pytest.raises(BadInputError, match="the desk has no scenarios/ folder"):
        load_suites([])  # a desk without scenarios runs what it is given, never another desk's suite


def test_gates_know_which_way_is_better() -> None:
    metrics = {"escalation_recall": 0.8, "repeat_ask_rate": 0.1, "latency_turn_p95_ms": 50.0}
    assert parse_gate("escalation_recall=0.9") == ("escalation_recall", 0.9)
    failed = check_gates(metrics, {"escalation_recall": 0.9, "repeat_ask_rate": 0.0, "latency_turn_p95_ms": 100})
    assert failed == [
        "escalation_recall = 0.8 is below the minimum 0.9",
        "repeat_ask_rate = 0.1 is above the maximum 0",
    ]
    with pytest.raises(BadInputError, match="unknown metric 'nope'"):
        check_gates(metrics, {"nope": 1})
    with pytest.raises(BadInputError, match="metric=value"):
        parse_gate("recall")


OLD_KEY = """\
name: old
scenarios:
  - id: asks-which
    simulate:
      opening: "Can you check it?"
      order_id: X-1
    expect: {escalate: false}
"""


def test_a_removed_simulator_key_names_file_line_and_the_new_key(tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(OLD_KEY, encoding="utf-8")
    expected = r"old\.yaml: line 6: scenarios\.0\.simulate\.order_id: no longer a key: use answers: \{order_id: VALUE\}"
    with pytest.raises(ScenarioFileError, match=expected):
        load_suite(path)


@pytest.mark.parametrize("language", ["en", "es", "pt", "vi"])
def test_the_simulated_customer_answers_the_fact_asked_for_once(language: str) -> None:
    import random

    from relevo.contracts import ConversationState, CustomerRef
    from relevo.evals import Persona, SimulatedCustomer
    from relevo.evals._simulator import CustomerSimulator

    spec = SimulatedCustomer(opening="roaming please", answers={"country": "Italy", "line": "+34 600"}, insist=0)
    sim = CustomerSimulator(spec, Persona(language=language), random.Random(0))  # pyright: ignore[reportArgumentType]
    state = ConversationState(conversation_id="c", customer=CustomerRef(id="guest"))
    assert sim.first() == "roaming please"
    assert sim.next(state, {"country"}) == "Italy"  # the value alone, in any language
    assert sim.next(state, {"country"}) != "Italy"  # given once: asked again, the customer does not repeat it
    both = CustomerSimulator(spec, Persona(language=language), random.Random(0))  # pyright: ignore[reportArgumentType]
    said = both.next(state, {"country", "line", "plan"})  # what the scenario does not know is not invented
    assert said == "Italy, +34 600"
    assert both.next(state, {"plan"}) != said


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("Your reference is ABC-1042", True),
        ("Ticket T-0001 is open", True),
        ("Tracking AB123456789CD", True),
        ("That is 12,50 € back", True),
        ("Reembolso de R$ 30,00", True),
        ("It costs $15 a day", True),
        ("Cuesta 100 EUR", True),
        ("15 % off", True),
        ("Arrives 2026-11-25", True),
        ("Llega el 25/11/2026", True),
        ("Arrives November 25", True),
        ("Llega el 25 de noviembre", True),
        ("Chega a 25 de novembro", True),
        ("You have 30 days", True),
        ("Tienes 30 días", True),
        ("Você tem 30 dias", True),
        ("Bạn có 30 ngày", True),
        ("You have 5 GB left", True),
        ("Hello! How can I help?", False),
        ("Hola, ¿en qué puedo ayudarte?", False),
        ("Olá! Posso ajudar?", False),
        ("Xin chào! Tôi có thể giúp gì?", False),
        ("I may help you with that", False),
        ("Is there anything else?", False),
    ],
)
def test_what_counts_as_stating_a_fact_is_the_same_for_every_desk(text: str, stated: bool) -> None:
    from relevo.evals._runner import states_facts

    assert states_facts(text) is stated
