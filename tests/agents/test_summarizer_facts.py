"""The handoff packet carries what the customer said the desk declares as a fact, in any desk and language."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo import load_desk

TELECOM = Path(__file__).parents[2] / "examples" / "telecom"


@pytest.mark.parametrize(
    ("text", "country"),
    [
        ("I'm flying to France tomorrow, I want to talk to a person", "France"),
        ("Mañana viajo a Francia, quiero hablar con una persona", "Francia"),
        ("Amanhã vou para a Itália, quero falar com uma pessoa", "Itália"),
    ],
)
def test_a_declared_fact_the_customer_mentioned_reaches_the_packet_unconfirmed(
    tmp_path: Path, text: str, country: str
) -> None:
    with load_desk(TELECOM).open(tmp_path) as desk:
        conv = desk.start(customer_id="V-1001")
        turn = desk.send(conv, text)
        said = [m.id for m in desk.state(conv).messages if m.kind == "customer"]
    assert turn.mode == "pending_human" and turn.packet is not None
    facts = {f.name: f for f in turn.packet.facts}
    assert (facts["country"].value, facts["country"].confidence) == (country, 0.5)
    assert facts["country"].source == said[-1]
    assert f"country = {country} (mentioned, unconfirmed)" in turn.packet.summary


def test_nothing_is_added_when_the_customer_named_no_declared_fact(tmp_path: Path) -> None:
    with load_desk(TELECOM).open(tmp_path) as desk:
        conv = desk.start(customer_id="V-1001")
        turn = desk.send(conv, "I want to talk to a person")
    assert turn.packet is not None
    assert [f for f in turn.packet.facts if f.confidence == 0.5] == []
    assert "Known:" not in turn.packet.summary
