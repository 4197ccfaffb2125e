"""The packet's summary and next step speak of the customer's issue: no small talk as attempts, and a desk's own
rule gives the human its evidence instead of a bare code."""

from __future__ import annotations

from pathlib import Path

from relevo import DeskBuilder, DeskProfile, PolicyView, trigger
from relevo._config import load_config
from relevo.contracts import IntentCatalog, IntentDefinition


@trigger("dental_emergency", priority="urgent")
def dental_emergency(view: PolicyView) -> str | None:
    text = view.state.messages[-1].text.lower() if view.state.messages else ""
    return "swelling after an extraction" if "swelling" in text else None


CATALOG = IntentCatalog(
    intents=[
        IntentDefinition(
            name="post_op_care",
            description="care after a treatment",
            queue="care",
            skill="care",
            examples={"en": ["what should I do after an extraction?", "I have pain after my treatment"]},
        )
    ]
)


def test_small_talk_is_not_an_attempt_and_a_custom_rule_gives_its_evidence(tmp_path: Path) -> None:
    builder = (
        DeskBuilder(load_config())
        .with_profile(DeskProfile(name="Sonrisa Dental", scope="appointments and care", languages=["en"]))
        .with_catalog(CATALOG)
        .add_trigger(dental_emergency)
    )
    with builder.open(tmp_path) as desk:
        conv = desk.start()
        desk.send(conv, "hello")
        turn = desk.send(conv, "there is some swelling after my extraction, is that normal?")
    assert turn.packet is not None
    assert "greeting" not in turn.packet.summary, turn.packet.summary
    assert turn.packet.reasons[0].code == "dental_emergency"
    assert "swelling after an extraction" in turn.packet.suggested_next_step
    assert "Handle dental_emergency" not in turn.packet.suggested_next_step
