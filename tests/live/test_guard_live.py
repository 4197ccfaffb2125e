"""The grounding guard in front of a real model (SmolLM2-135M on llama.cpp, loopback): whatever the tiny model
writes, nothing it cannot back with a tool result or an article reaches the customer, and the turn says what the
guard did."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo._config import load_config
from relevo._transcript import turn_json
from relevo.agents import Evidence, GroundingGuard
from relevo.contracts import AIMessage
from relevo.demo import desk as demo_desk
from relevo.testing import LocalLLMServer

pytestmark = pytest.mark.slow

# The issue's conversation: C-1001's headphones have not arrived (SmolLM2 invented a link and a promise).
ISSUE_MESSAGE = "Hi, my headphones still have not arrived"


def test_the_guard_decides_on_the_local_models_reply(llm: LocalLLMServer, tmp_path: Path) -> None:
    config = load_config(
        overrides={"models": {"agents": {"resolver": llm.model}, "api_base": llm.base_url, "timeout_s": 120}}
    )
    with demo_desk(config).open(tmp_path / "data") as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, ISSUE_MESSAGE)
        state = desk.state(conv)
    payload = turn_json(turn)
    print(f"\nguard on SmolLM2: {payload['guard']}\nreply: {turn.reply!r}\ngrounding: {payload['grounding']}")
    assert turn.guard is not None and payload["guard"] is not None, "the model wrote a reply: the guard checked it"
    assert turn.guard.action in ("sent", "regenerated", "offline", "handoff")
    assert turn.guard.replies in (1, 2)
    # Whatever was said rests on this turn's evidence: re-check the sent reply independently.
    said = [m for m in turn.messages if isinstance(m, AIMessage) and m.agent == "resolver"]
    if turn.guard.action in ("sent", "regenerated"):
        assert said, "a passed reply was sent by the resolver"
        evidence = Evidence(
            texts=[f"{c.result} {c.error}" for c in state.tool_calls] + [f"{f.name}: {f.value}" for f in state.facts],
            customer_texts=[ISSUE_MESSAGE],
            commitments=[c.what for c in state.commitments],
        )
        # Articles found this turn back the reply too: their ids are in its grounding.
        if not any(g.startswith("KB-") for g in said[-1].grounding):
            check = GroundingGuard().check(said[-1].text, evidence, language="en")
            assert check.passed, check.violations
    else:
        assert turn.guard.failed, "a replaced reply names its violations"
        assert "amazon" not in (turn.reply or "").lower()
