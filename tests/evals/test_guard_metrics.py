"""ungrounded_reply_rate and guard_fired_rate: computed from what the guard did per model-written reply, gated."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo.contracts import GuardAction, GuardReport
from relevo.evals import check_gates, parse_suite, run_eval, suite_metrics
from relevo.evals._records import ConversationRecord, TurnRecord
from relevo.evals._report import metrics_table
from relevo.evals._runner import close_desks
from relevo.evals._scenario import Expectations
from relevo.testing import fake_openai_server


@pytest.fixture(autouse=True)
def _fresh_desks() -> None:
    close_desks()  # desks are per process: each test starts on new ones


def _conversation(name: str, actions: list[GuardAction | None]) -> ConversationRecord:
    turns = [
        TurnRecord(
            step=i + 1,
            customer_turn=i + 1,
            input="hi",
            actor="ai",
            reply="ok",
            mode="ai_active",
            guard=None if action is None else GuardReport(action=action, failed=[] if action == "sent" else ["url: x"]),
        )
        for i, action in enumerate(actions)
    ]
    return ConversationRecord(
        key=f"c/s/{name}#0",
        config="c",
        suite="s",
        scenario=name,
        repetition=0,
        expect=Expectations(escalate=False),
        turns=turns,
        escalated=False,
        first_escalation_turn=None,
        first_reasons=[],
        packet_facts=[],
        tool_calls=[],
        grounding_ids=[],
        final_mode="ai_active",
        looped=False,
        violations=[],
        failures=[],
    )


def test_rates_count_model_written_replies_only() -> None:
    records = [
        _conversation("a", ["sent", "regenerated", None]),  # None: the offline engine wrote it
        _conversation("b", ["offline", "observed"]),
    ]
    metrics = suite_metrics(records)
    assert metrics["guard_fired_rate"] == 0.75  # regenerated, offline, observed of 4 checked replies
    assert metrics["ungrounded_reply_rate"] == 0.25  # only "observed" reached the customer ungrounded
    assert check_gates(metrics, {"ungrounded_reply_rate": 0}) == ["ungrounded_reply_rate = 0.25 is above the maximum 0"]
    assert "ungrounded_reply_rate" in metrics_table({"c": metrics})


def test_no_model_no_rates() -> None:
    metrics = suite_metrics([_conversation("a", [None, None])])
    assert (metrics["ungrounded_reply_rate"], metrics["guard_fired_rate"]) == (0.0, 0.0)
    assert check_gates(metrics, {"ungrounded_reply_rate": 0}) == []


SUITE = """\
name: guarded
gates: {ungrounded_reply_rate: 0}
scenarios:
  - id: late-headphones
    setup: {customer: C-1001}
    turns: ["Hi, my headphones still have not arrived"]
    expect: {escalate: false}
"""

SMOLLM2_REPLY = (
    "I'm sorry for your loss. I'll make sure to get them as soon as possible. Here's a link to the product: "
    "https://www.amazon.com/Bosch-Sterling-Headphones/dp/B0000 I hope this helps."
)


def test_eval_measures_the_guard_on_a_model_that_invents(tmp_path: Path) -> None:
    with fake_openai_server(SMOLLM2_REPLY) as server:
        configs = []
        for mode in ("enforce", "observe"):
            path = tmp_path / f"{mode}.toml"
            path.write_text(
                f'[models.agents]\nresolver = "openai/fake"\n[models]\napi_base = "{server.base_url}"\n'
                f'[guard]\nmode = "{mode}"\n',
                encoding="utf-8",
            )
            configs.append(path)
        run = run_eval([parse_suite(SUITE, "guarded.yaml")], configs)
    enforce, observe = run.metrics["enforce"], run.metrics["observe"]
    assert (enforce["ungrounded_reply_rate"], enforce["guard_fired_rate"]) == (0.0, 1.0)
    assert (observe["ungrounded_reply_rate"], observe["guard_fired_rate"]) == (1.0, 1.0)
    assert enforce["tokens_per_conversation"] > 0, "the model's calls are counted"
    assert "enforce" not in run.gate_failures
    assert any("ungrounded_reply_rate" in f for f in run.gate_failures["observe"])
    turn = next(r for r in run.records if r.config == "enforce").turns[0]
    assert turn.guard is not None and turn.guard.action == "offline" and turn.reply and "amazon" not in turn.reply
