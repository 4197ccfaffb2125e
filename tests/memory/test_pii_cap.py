"""The message cap comes before redaction: detectors never see more than MAX_MESSAGE_CHARS of one message, a cut
message says so (a mark in the text, a note with both lengths), and a cut never leaves half a number behind."""

from __future__ import annotations

import pytest

from relevo.contracts import CustomerMessage, SystemEvent
from relevo.memory import CustomerMemory
from relevo.orchestrator import MAX_MESSAGE_CHARS, SupportDesk, normalise_text
from relevo.orchestrator._normalise import TRUNCATION_MARK


def test_a_megabyte_message_is_cut_before_it_is_redacted(desk: SupportDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    memory = desk.context.memory
    assert isinstance(memory, CustomerMemory)
    seen: list[int] = []
    redact = memory.redact

    def recording(conversation_id: str, text: str) -> str:
        seen.append(len(text))
        return redact(conversation_id, text)

    monkeypatch.setattr(memory, "redact", recording)
    conversation = desk.start(customer_id="C-1001")
    sent = "please refund maria.silva@example.com " + "a" * 1_000_000
    desk.send(conversation, sent)
    assert seen and max(seen) <= MAX_MESSAGE_CHARS
    messages = desk.state(conversation).messages
    customer = [m for m in messages if isinstance(m, CustomerMessage)][-1]
    assert customer.text.startswith("please refund [EMAIL_1] ")
    assert customer.text.endswith(TRUNCATION_MARK) and len(customer.text) <= MAX_MESSAGE_CHARS
    notes = [m.text for m in messages if isinstance(m, SystemEvent)]
    assert any(f"of {len(sent)} characters" in note for note in notes), notes


@pytest.mark.parametrize(
    "number", ["4111 1111 1111 1111", "PT50 0002 0123 1234 5678 9015 4", "+34 612 345 678", "41111111111111111111"]
)
def test_a_cut_never_leaves_half_a_number(number: str) -> None:
    for offset in range(len(number) + 1):
        # the cap falls at every position inside the number
        words = "x" * (MAX_MESSAGE_CHARS - len(TRUNCATION_MARK) - offset - 1)
        clean = normalise_text(f"{words} {number} and more words after it")
        assert clean.truncated
        kept = clean.text.removesuffix(TRUNCATION_MARK)
        assert clean.text.endswith(TRUNCATION_MARK) and len(clean.text) <= MAX_MESSAGE_CHARS
        assert kept.endswith(number) or kept == words, (offset, kept[-40:])


def test_a_short_message_is_not_marked() -> None:
    clean = normalise_text("call me at 612 345 678")
    assert not clean.truncated and clean.text == "call me at 612 345 678"
