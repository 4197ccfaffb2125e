"""Negation scope and other shapes of a request for a person, in every supported language."""

from __future__ import annotations

import pytest

from relevo.models.offline import detect_declined_human_request, detect_human_request

DECLINED = [
    ("I never asked to talk to a human, I asked about my refund", "en", "never asked to talk to a human"),
    ("I don't need a human, just tell me how long a return takes", "en", "don't need a human"),
    ("I don't want to talk to a human, just tell me where my order is", "en", "don't want to talk to a human"),
    ("I never asked for an agent", "en", "never asked for an agent"),
    ("nunca pedí hablar con un humano, pregunté por mi reembolso", "es", "nunca pedí hablar con un humano"),
    ("no necesito un humano, solo dime cuánto tarda una devolución", "es", "no necesito un humano"),
    ("no quiero que me pasen con un agente, dime dónde está mi pedido", "es", "no quiero que me pasen con un agente"),
    (
        "eu nunca pedi para falar com um atendente, perguntei sobre meu reembolso",
        "pt",
        "nunca pedi para falar com um atendente",
    ),
    ("não preciso de um atendente, só me diz onde está meu pedido", "pt", "não preciso de um atendente"),
    ("não quero falar com humano, quero saber do reembolso", "pt", "não quero falar com humano"),
    ("tôi không cần nhân viên, chỉ cần cho biết đơn hàng của tôi ở đâu", "vi", "không cần nhân viên"),
    ("tôi chưa bao giờ yêu cầu gặp nhân viên, tôi hỏi về hoàn tiền", "vi", "chưa bao giờ yêu cầu gặp nhân viên"),
]


@pytest.mark.parametrize(("text", "language", "evidence"), DECLINED)
def test_a_declined_human_is_no_request(text: str, language: str, evidence: str) -> None:
    assert detect_human_request(text, language) is None
    declined = detect_declined_human_request(text, language)
    assert declined is not None
    assert declined.kind == "declined_human_request"
    assert declined.evidence == evidence


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I want to talk to a human", "en"),
        ("no, I want a human", "en"),
        ("I can't reach a live agent", "en"),
        ("¿no me pasas con un agente?", "es"),
        ("quero falar com um atendente", "pt"),
        ("cho tôi gặp nhân viên", "vi"),
    ],
)
def test_a_request_is_not_read_as_declined(text: str, language: str) -> None:
    assert detect_declined_human_request(text, language) is None
    assert detect_human_request(text, language) is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # a contrast with the bot
        ("not a bot, a person", "en"),
        ("no bots, a real human please", "en"),
        ("no un bot, una persona", "es"),
        ("nada de bots, quiero un asesor", "es"),
        ("não um robô, uma pessoa", "pt"),
        ("nada de robô, quero um atendente", "pt"),
        ("không phải bot, người thật", "vi"),
        ("đừng bot nữa, cho gặp nhân viên", "vi"),
        # whether someone is available
        ("is there an agent available?", "en"),
        ("are any representatives online?", "en"),
        ("any agents available?", "en"),
        ("¿hay algún agente disponible?", "es"),
        ("¿tienen un asesor libre?", "es"),
        ("tem algum atendente disponível?", "pt"),
        ("vocês têm um atendente online?", "pt"),
        ("có nhân viên nào đang trực không?", "vi"),
        ("nhân viên có online không", "vi"),
        # every form of address ("tú", "usted", "ustedes", "vosotros") with the pronoun attached
        ("pásame con un agente", "es"),
        ("páseme con un asesor", "es"),
        ("pásenme con un supervisor", "es"),
        ("pasadme con un agente", "es"),
        ("comuníqueme con un representante", "es"),
        ("passa-me para um atendente", "pt"),
        ("me transfira para um atendente", "pt"),
    ],
)
def test_other_shapes_of_a_request_are_found(text: str, language: str) -> None:
    assert detect_human_request(text, language) is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("is there an update available?", "en"),
        ("are any discounts available?", "en"),
        ("¿hay algún descuento disponible?", "es"),
        ("tem algum cupom disponível?", "pt"),
        ("có mã giảm giá nào không?", "vi"),
        ("not a bot question, just shipping", "en"),
    ],
)
def test_availability_of_other_things_is_no_request(text: str, language: str) -> None:
    assert detect_human_request(text, language) is None
