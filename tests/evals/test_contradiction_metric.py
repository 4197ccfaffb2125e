"""contradiction_after_handback_rate: an AI reply after a hand-back that restates a value the human superseded
counts against the gate. It catches a model that trusts an out-of-date tool over the human, and passes the
fixed flows (the offline engine; the grounding guard in enforce mode)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from relevo.evals import check_gates, parse_suite, run_eval, suite_metrics
from relevo.evals._records import ConversationRecord, TurnRecord
from relevo.evals._report import metrics_table
from relevo.evals._runner import close_desks
from relevo.evals._scenario import Expectations
from relevo.testing import fake_openai_server
from relevo.testing._fake_openai import Behaviour


@pytest.fixture(autouse=True)
def _fresh_desks() -> None:
    close_desks()  # desks are per process: each test starts on new ones


def _turn(step: int, *, after: bool, contradictions: list[str] | None = None) -> TurnRecord:
    return TurnRecord(
        step=step,
        customer_turn=step,
        input="where is it?",
        actor="ai",
        reply="…",
        mode="ai_active",
        after_handback=after,
        contradictions=contradictions or [],
    )


def _record(turns: list[TurnRecord]) -> ConversationRecord:
    return ConversationRecord(
        key="c/s/x#0",
        config="c",
        suite="s",
        scenario="x",
        repetition=0,
        expect=Expectations(escalate=True),
        turns=turns,
        escalated=True,
        first_escalation_turn=1,
        first_reasons=[],
        packet_facts=[],
        tool_calls=[],
        grounding_ids=[],
        final_mode="ai_active",
        looped=False,
        violations=[],
        failures=[],
    )


def test_the_rate_counts_replies_after_a_hand_back_only() -> None:
    stale = ["shipment_estimated_delivery = '2026-11-25' (superseded by Ana: 'Saturday')"]
    records = [
        _record([_turn(1, after=False), _turn(2, after=True, contradictions=stale), _turn(3, after=True)]),
        _record([_turn(1, after=False), _turn(2, after=True)]),
    ]
    metrics = suite_metrics(records)
    assert metrics["contradiction_after_handback_rate"] == 0.3333  # 1 of 3 answers after a hand-back, rounded
    assert check_gates(metrics, {"contradiction_after_handback_rate": 0}) == [
        "contradiction_after_handback_rate = 0.3333 is above the maximum 0"
    ]
    assert "contradiction_after_handback_rate" in metrics_table({"c": metrics})
    assert suite_metrics([_record([_turn(1, after=False)])])["contradiction_after_handback_rate"] == 0.0


SUITE = """\
name: contradictions
gates: {contradiction_after_handback_rate: 0}
scenarios:
  - id: carrier-date-superseded
    setup: {customer: C-1001}
    turns:
      - "Where is my order ORD-1042?"
      - "I want to talk to a person"
      - "/takeover Ana"
      - "/handback did: upgraded ORD-1042 to express | fact: shipment_estimated_delivery=Saturday"
      - "Where is my order ORD-1042 now?"
    expect: {escalate: true, reasons: [explicit_request]}
"""


def _trusts_the_tool(body: dict[str, Any]) -> Behaviour:
    """A model that looks the shipment up and repeats the carrier's date, whatever a human said since."""
    if body["messages"][-1]["role"] == "tool":
        return Behaviour.answer("Your order ORD-1042 is on its way: the carrier expects to deliver it on Nov 25.")
    return Behaviour.answer(tool_calls=[{"name": "track_shipment", "arguments": {"order_id": "ORD-1042"}}])


def test_the_gate_catches_a_restated_superseded_value_and_passes_the_fixed_flows(tmp_path: Path) -> None:
    suite = parse_suite(SUITE, "contradictions.yaml")
    with fake_openai_server(responder=_trusts_the_tool) as server:
        offline = tmp_path / "offline.toml"
        offline.write_text("", encoding="utf-8")  # the offline engine answers everything
        configs = [offline]
        for mode in ("observe", "enforce"):
            path = tmp_path / f"{mode}.toml"
            path.write_text(
                f'[models.agents]\nresolver = "openai/fake"\n[models]\napi_base = "{server.base_url}"\n'
                f'[guard]\nmode = "{mode}"\n',
                encoding="utf-8",
            )
            configs.append(path)
        run = run_eval([suite], configs)

    by_config = {r.config: r for r in run.records}
    for label in ("offline", "observe", "enforce"):
        after = [t for t in by_config[label].turns if t.after_handback]
        assert len(after) == 1, "one AI answer after the hand-back is measured (the gate cannot pass vacuously)"

    # The model's reply reached the customer (observe mode): Nov 25 restates what Ana superseded.
    observe = by_config["observe"]
    assert run.metrics["observe"]["contradiction_after_handback_rate"] == 1.0
    [turn] = [t for t in observe.turns if t.after_handback]
    assert turn.reply is not None and "Nov 25" in turn.reply
    assert turn.contradictions == ["shipment_estimated_delivery = '2026-11-25' (superseded by Ana: 'Saturday')"]
    assert any(v.startswith("contradiction: step 5") for v in observe.violations)
    assert any("contradiction_after_handback_rate" in f for f in run.gate_failures["observe"])

    # The offline engine states the human's date; with the guard enforcing, the model's reply is replaced.
    for label in ("offline", "enforce"):
        assert run.metrics[label]["contradiction_after_handback_rate"] == 0.0
        assert label not in run.gate_failures
        [turn] = [t for t in by_config[label].turns if t.after_handback]
        assert turn.reply is not None and "Saturday" in turn.reply and "Nov 25" not in turn.reply
    [guarded] = [t for t in by_config["enforce"].turns if t.after_handback]
    assert guarded.guard is not None and guarded.guard.action == "offline"
    assert any(f.startswith("superseded: 2026-11-25") for f in guarded.guard.failed)
