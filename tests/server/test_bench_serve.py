"""``relevo bench serve``: a short real run (its figures are reported, never asserted), and how it counts replies."""

from __future__ import annotations

import httpx
import pytest

from relevo.bench import bench_serve
from relevo.bench._serve import SCRIPTS, _StampedRequests  # pyright: ignore[reportPrivateUsage]
from relevo.testing._channels import FakeGraphAPI

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


@pytest.mark.slow
def test_a_short_run_answers_every_message_once(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("RELEVO_DATABASE_URL", "RELEVO_CHROMA_URL"):
        monkeypatch.delenv(variable, raising=False)
    report = bench_serve(conversations=4, concurrency=2)
    assert set(report) >= KEYS
    assert report["channels"] == ["web", "whatsapp"]
    assert report["storage"] == "embedded"
    assert report.get("errors") is None
    assert report["messages"] == sum(len(lines) for _, lines in SCRIPTS[:4])
    assert report["redeliveries"] == report["messages"], "every message was delivered twice"
    assert report["lost"] == 0
    assert report["duplicated"] == 0
    assert 0 < report["ack_ms_p50"] <= report["ack_ms_p99"]
    assert 0 < report["turn_ms_p50"] <= report["turn_ms_p95"]
    assert report["turns_per_s"] > 0


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
