"""An offer that spends money is accepted only by a yes said in so many words, in every supported language."""

from __future__ import annotations

import pytest

from relevo.models.offline import agrees
from relevo.orchestrator import SupportDesk

# (customer, the late-order complaint (ORD-1042 is late: its owner is offered a refund), not a yes, a yes)
OFFERS = [
    ("C-1001", "my headphones still have not arrived", "the first one", "yes please"),
    ("C-1001", "my headphones still have not arrived", "the second one", "ok, go ahead"),
    ("C-1001", "mi pedido ORD-1042 todavía no ha llegado", "el primero", "sí, por favor"),
    ("C-1001", "meu pedido ORD-1042 ainda não chegou", "o primeiro", "sim, pode aplicar"),
    ("C-1001", "đơn hàng ORD-1042 của tôi vẫn chưa đến", "cái đầu tiên", "vâng, áp dụng giúp tôi"),
]


@pytest.mark.parametrize(("customer", "complaint", "not_a_yes", "yes"), OFFERS)
def test_an_offer_is_applied_only_on_a_yes_in_words(
    desk: SupportDesk, customer: str, complaint: str, not_a_yes: str, yes: str
) -> None:
    conv = desk.start(customer_id=customer)
    desk.send(conv, complaint)
    assert desk.state(conv).pending_offer is not None, "the late order is offered compensation"
    desk.send(conv, not_a_yes)
    state = desk.state(conv)
    assert state.pending_offer is not None, "still waiting for a yes or a no"
    assert "create_ticket" not in {c.tool for c in state.tool_calls}, "nothing applied on a guess"

    desk.send(conv, yes)
    state = desk.state(conv)
    assert state.pending_offer is None
    assert "create_ticket" in {c.tool for c in state.tool_calls}


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("yes please", "en", True),
        ("sure, do it", "en", True),
        ("the first one", "en", False),
        ("no thanks", "en", False),
        ("sí, por favor", "es", True),
        ("vale", "es", True),
        ("el primero", "es", False),
        ("sim, pode aplicar", "pt", True),
        ("o primeiro", "pt", False),
        ("vâng, áp dụng giúp tôi", "vi", True),
        ("cái đầu tiên", "vi", False),
        ("👍", "en", True),
    ],
)
def test_agreement_words(text: str, language: str, expected: bool) -> None:
    assert agrees(text, language) is expected
