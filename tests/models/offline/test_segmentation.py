"""Knowledge-base passages end where their thought ends, never on a colon."""

from __future__ import annotations

from relevo.models.offline import segment_passages

BODY = """Our chat assistant answers 24 hours a day.

Our customer service team is available:

- Monday to Friday, 9:00–19:00
- Saturday, 10:00–14:00

- Closed on Sundays

## Warranty

To claim the warranty you need:
1. your order number
2. a photo of the fault

You can reach us by phone."""


def test_a_lead_in_keeps_its_list_and_a_list_stays_whole() -> None:
    passages = segment_passages(BODY)

    texts = [text for _, text in passages]
    assert texts[1] == (
        "Our customer service team is available:\n- Monday to Friday, 9:00–19:00\n- Saturday, 10:00–14:00\n"
        "- Closed on Sundays"
    )
    assert not any(text.rstrip().endswith(":") for text in texts)


def test_a_heading_ends_a_passage_and_labels_the_next() -> None:
    passages = segment_passages(BODY)

    assert passages[2] == ("Warranty", "To claim the warranty you need:\n1. your order number\n2. a photo of the fault")
    assert passages[3] == ("Warranty", "You can reach us by phone.")
    assert passages[0][0] == ""
