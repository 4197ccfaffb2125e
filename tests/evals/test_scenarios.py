"""Scenario files: validation errors name the file, line and field; the built-in suite is complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo._errors import BadInputError
from relevo.evals import BUILTIN_SUITES, ScenarioFileError, check_gates, load_suite, load_suites, parse_gate

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


def test_builtin_suite_covers_every_trigger() -> None:
    suites = load_suites(["builtin"])
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
    assert set(BUILTIN_SUITES) == {"builtin", "load", "robustness"}


def test_unknown_suite_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="no scenario file or folder 'nope'"):
        load_suites(["nope"])


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
