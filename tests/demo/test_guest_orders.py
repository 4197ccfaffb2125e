"""A guest's order question on the demo desk: proving who they are, in whatever order they give the two pieces,
in every supported language."""

from __future__ import annotations

import pytest

from relevo.demo import DemoStore
from relevo.orchestrator import SupportDesk

# (language, "where is my order?", a bare-number answer, the same order again, the owner's email, the order)
GUESTS = [
    ("en", "where is my order?", "it's 1042", "I told you, ORD-1042", "maria.silva@example.com", "ORD-1042"),
    (
        "es",
        "¿dónde está mi pedido?",
        "es el 1043",
        "ya te lo dije, pedido 1043",
        "javier.morales@example.com",
        "ORD-1043",
    ),
    ("pt", "cadê meu pedido?", "é o 1045", "já falei, pedido 1045", "anabeatriz.costa@example.com", "ORD-1045"),
    (
        "vi",
        "đơn hàng của tôi đâu rồi?",
        "mã là 1040",
        "tôi nói rồi, đơn hàng 1040",
        "lan.nguyen@example.com",
        "ORD-1040",
    ),
]


@pytest.mark.parametrize(("language", "ask", "number", "again", "email", "order"), GUESTS)
def test_a_guest_who_gives_the_order_number_first_is_asked_only_for_the_email(
    desk: SupportDesk, language: str, ask: str, number: str, again: str, email: str, order: str
) -> None:
    conv = desk.start()
    first = desk.send(conv, ask)
    by_number = desk.send(conv, number)
    repeated = desk.send(conv, again)
    answered = desk.send(conv, email)

    replies = [t.reply or "" for t in (first, by_number, repeated, answered)]
    assert all(t.mode == "ai_active" for t in (first, by_number, repeated, answered)), replies
    assert order not in replies[0]
    assert order in replies[1] and order in replies[2], "the order number the guest gave is acknowledged"
    assert len(set(replies[:3])) == 3, "never the same question twice in a row"
    state = desk.state(conv)
    assert state.language == language
    assert {c.tool for c in state.tool_calls} >= {"lookup_customer", "lookup_order"}
    assert order in replies[3]


@pytest.mark.parametrize(
    "reply",
    [
        "it's 1042 euros",
        "1042 and 2077",
        "I paid 49.99 for it, it's 1042",
        "my order was placed with 3 items on 1042 street",
    ],
)
def test_a_bare_number_is_an_order_number_only_when_short_and_alone(desk: SupportDesk, reply: str) -> None:
    conv = desk.start()
    desk.send(conv, "where is my order?")
    desk.send(conv, reply)

    assert not [f for f in desk.state(conv).facts if f.name == "order_id"], "no order number read from that"


def test_a_verified_guest_is_offered_what_their_own_tier_allows(desk: SupportDesk) -> None:
    store = DemoStore.load()
    owner = store.customer("C-1001")
    assert owner is not None and owner.tier == "gold"
    conv = desk.start()
    desk.send(conv, "where is my order ORD-1042?")
    turn = desk.send(conv, "maria.silva@example.com")

    assert "Gold member" in (turn.reply or ""), turn.reply
    assert "guest member" not in (turn.reply or "").lower()


@pytest.mark.parametrize(
    ("ask", "email"),
    [
        ("where is my order ORD-1055?", "my email is someone.else@example.com"),
        ("¿dónde está mi pedido ORD-1055?", "mi correo es otra.persona@example.com"),
        ("cadê meu pedido ORD-1055?", "meu e-mail é outra.pessoa@example.com"),
        ("đơn hàng ORD-1055 của tôi đâu?", "email của tôi là nguoi.khac@example.com"),
    ],
)
def test_an_email_no_account_has_is_said_so_and_confirms_nothing(desk: SupportDesk, ask: str, email: str) -> None:
    conv = desk.start()
    asked = desk.send(conv, ask)
    turn = desk.send(conv, email)

    assert turn.mode == "ai_active" and turn.reply and turn.reply != asked.reply
    assert "ORD-1055" not in turn.reply and "Kettle" not in turn.reply
    assert "lookup_order" not in {c.tool for c in desk.state(conv).tool_calls}
