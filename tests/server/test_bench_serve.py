"""``relevo bench serve``: short real runs on the demo and the telecom desk (figures reported, never asserted), the
conversations it replays, and how it counts replies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from relevo import load_config
from relevo.bench import bench_conversations, bench_serve
from relevo.bench._serve import _StampedRequests  # pyright: ignore[reportPrivateUsage]
from relevo.demo import BENCH
from relevo.desks import DEFAULT_DESK, desk_definition
from relevo.testing._channels import FakeGraphAPI

TELECOM = Path(__file__).parent.parent.parent / "examples" / "telecom"

KEYS = {
    "ack_ms_p50",
    "ack_ms_p99",
    "turn_ms_p50",
    "turn_ms_p95",
    "turns_per_s",
    "lost",
    "duplicated",
    "messages",
    "redeliveries",
}


def _check_run(report: dict[str, Any], messages: int) -> None:
    assert set(report) >= KEYS
    assert report["channels"] == ["web", "whatsapp"]
    assert report["storage"] == "embedded"
    assert report.get("errors") is None
    assert report["messages"] == messages
    assert report["redeliveries"] == report["messages"], "every message was delivered twice"
    assert report["lost"] == 0
    assert report["duplicated"] == 0
    assert 0 < report["ack_ms_p50"] <= report["ack_ms_p99"]
    assert 0 < report["turn_ms_p50"] <= report["turn_ms_p95"]
    assert report["turns_per_s"] > 0


@pytest.mark.slow
def test_a_short_run_on_the_demo_answers_every_message_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("RELEVO_DATABASE_URL", "RELEVO_CHROMA_URL", "RELEVO_DESK"):
        monkeypatch.delenv(variable, raising=False)
    report = bench_serve(desk_definition(DEFAULT_DESK), conversations=4, concurrency=2)
    # The demo's conversations but the one whose angry last message waits for a person (as before this bench
    # read them from the desk: its figures stay comparable).
    usable = [c for c in BENCH if c.customer != "C-1004"]
    _check_run(report, sum(len(c.messages) for c in usable[:4]))
    assert report["desk"] == DEFAULT_DESK
    assert report["skipped"] == [
        "C-1004: 'Where is my order?'…: message 3 ('this is ridiculous, nobody helps') gets no reply"
    ]


@pytest.mark.slow
def test_a_short_run_on_the_telecom_desk_serves_that_desk(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("RELEVO_DATABASE_URL", "RELEVO_CHROMA_URL", "RELEVO_DESK"):
        monkeypatch.delenv(variable, raising=False)
    telecom = desk_definition(TELECOM)
    report = bench_serve(telecom, conversations=2, concurrency=2)
    script = bench_conversations(telecom.builder(load_config()))
    # The first is V-1001's, over web chat: a server running any other desk refuses that customer (an error).
    assert script[0].customer == "V-1001"
    _check_run(report, sum(len(c.messages) for c in script[:2]))
    assert report["desk"] == str(TELECOM) and "skipped" not in report


def _reply(fake: FakeGraphAPI, to: str, text: str) -> None:
    response = httpx.post(
        f"{fake.base_url}/v23.0/{fake.phone_number_id}/messages",
        json={"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": text}},
        headers={"Authorization": f"Bearer {fake.access_token}"},
    )
    assert response.status_code == 200, response.text


def test_the_graph_stand_in_stamps_replies_and_counts_extra_ones() -> None:
    fake = FakeGraphAPI()
    stamped = _StampedRequests()
    fake.requests = stamped
    fake.start()
    try:
        _reply(fake, "15550000001", "first answer")
        _reply(fake, "15550000001", "the same answer again")
        _reply(fake, "15550000002", "an answer")
        first = stamped.wait_for("15550000001", 1, timeout=5)
        second = stamped.wait_for("15550000001", 2, timeout=5)
        assert first is not None and second is not None and first <= second
        assert stamped.wait_for("15550000002", 2, timeout=0.1) is None, "a reply that never came"
        assert stamped.extra_replies({"15550000001": 1, "15550000002": 1, "15550000003": 1}) == 1
        assert [m["text"]["body"] for m in fake.messages][:1] == ["first answer"], "the fake still records"
    finally:
        fake.stop()
