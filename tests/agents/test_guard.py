"""The grounding guard on a table of claim kinds in en/es/pt/vi, each grounded and ungrounded."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from relevo._errors import ConfigurationError
from relevo.agents import Evidence, GroundingGuard


@dataclass(frozen=True)
class Case:
    lang: str
    kind: str
    reply: str
    evidence: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()
    ungrounded: bool = False

    @property
    def name(self) -> str:
        return f"{self.lang}-{self.kind}-{'bad' if self.ungrounded else 'ok'}"


ORDER = '{"id": "K-5521", "total": 129.0, "currency": "EUR", "eta": "2026-12-03", "days_late": 6}'
ORDER_BRL = '{"id": "K-5521", "total": 129.0, "currency": "BRL", "eta": "2026-12-03"}'
ORDER_VND = '{"id": "K-5521", "total": 129000, "currency": "VND", "eta": "2026-12-03"}'
TICKET = '{"ticket_id": "TK-88213", "status": "open"}'
DISCOUNT = '{"code": "WELCOME", "discount_percent": 10}'
ARTICLE_EN = "Returns: items can be returned within 30 days. Full policy: https://help.example.org/returns"
ARTICLE_ES = "Devoluciones: tiene 30 días para devolver un artículo. Política: https://help.example.org/es/devoluciones"
ARTICLE_PT = "Devoluções: você tem 30 dias para devolver um item. Política: https://help.example.org/pt/devolucoes"
ARTICLE_VI = "Đổi trả: bạn có 30 ngày để đổi trả sản phẩm. Chính sách: https://help.example.org/vi/doi-tra"

CASES: tuple[Case, ...] = (
    # -- links and addresses ------------------------------------------------------------------------------
    Case("en", "url", "You can read the whole policy at https://help.example.org/returns.", (ARTICLE_EN,)),
    Case("en", "url", "Here's a link to the product: https://www.amazon.com/Bosch-Sterling-x", ungrounded=True),
    Case("es", "url", "Puede leer la política en https://help.example.org/es/devoluciones", (ARTICLE_ES,)),
    Case("es", "url", "Puede ver el producto aquí: https://tienda-falsa.example.net/p/77", ungrounded=True),
    Case("pt", "url", "Você pode ler a política em https://help.example.org/pt/devolucoes", (ARTICLE_PT,)),
    Case("pt", "url", "Veja o produto aqui: www.loja-inventada.com.br/produto", ungrounded=True),
    Case("vi", "url", "Bạn có thể đọc chính sách tại https://help.example.org/vi/doi-tra", (ARTICLE_VI,)),
    Case("vi", "url", "Bạn có thể xem sản phẩm tại https://shop.example.vn/sp/1", ungrounded=True),
    Case(
        "en", "email", "Write to us at care@help.example.org and we will read it.", ("contact: care@help.example.org",)
    ),
    Case("en", "email", "Please write to refunds@totally-real.example.com about it.", ungrounded=True),
    # -- money --------------------------------------------------------------------------------------------
    Case("en", "amount", "The order total was 129.00 EUR.", (ORDER,)),
    Case("en", "amount", "A refund of 45 EUR applies to this order.", (ORDER,), ungrounded=True),
    Case("es", "amount", "El total del pedido fue de 129,00 €.", (ORDER,)),
    Case("es", "amount", "Le corresponde un reembolso de 45 € por este pedido.", (ORDER,), ungrounded=True),
    Case("pt", "amount", "O total do pedido foi R$ 129,00.", (ORDER_BRL,)),
    Case("pt", "amount", "O reembolso deste pedido é de R$ 45,00.", (ORDER_BRL,), ungrounded=True),
    Case("vi", "amount", "Tổng đơn hàng của bạn là 129.000 ₫.", (ORDER_VND,)),
    Case("vi", "amount", "Bạn được hoàn lại 45.000 ₫ cho đơn hàng này.", (ORDER_VND,), ungrounded=True),
    Case("en", "currency", "The order total was 129.00 USD.", (ORDER,), ungrounded=True),
    Case("en", "percent", "Your code WELCOME takes 10% off your next purchase.", (DISCOUNT,)),
    Case("en", "percent", "Your code WELCOME takes 25% off your next purchase.", (DISCOUNT,), ungrounded=True),
    Case("es", "percent", "Su código WELCOME descuenta un 10 % de la próxima compra.", (DISCOUNT,)),
    Case("es", "percent", "Su código WELCOME descuenta un 25 % de la próxima compra.", (DISCOUNT,), ungrounded=True),
    # -- dates and durations ------------------------------------------------------------------------------
    Case("en", "date", "It should arrive on Dec 3, six days late.", (ORDER,)),
    Case("en", "date", "It should arrive on December 9, sorry for the wait.", (ORDER,), ungrounded=True),
    Case("es", "date", "Debería llegar el 3 de diciembre.", (ORDER,)),
    Case("es", "date", "Debería llegar el 9 de diciembre.", (ORDER,), ungrounded=True),
    Case("pt", "date", "Deve chegar em 03/12/2026.", (ORDER_BRL,)),
    Case("pt", "date", "Deve chegar em 09/12/2026.", (ORDER_BRL,), ungrounded=True),
    Case("vi", "date", "Đơn hàng sẽ đến vào ngày 3 tháng 12.", (ORDER_VND,)),
    Case("vi", "date", "Đơn hàng sẽ đến vào ngày 9 tháng 12.", (ORDER_VND,), ungrounded=True),
    Case("en", "duration", "It is 6 days late; I am sorry about that.", (ORDER,)),
    Case("en", "duration", "You have 30 days to return it.", (ARTICLE_EN,)),
    Case("en", "duration", "You have 60 days to return it.", (ARTICLE_EN,), ungrounded=True),
    Case("es", "duration", "Tiene 30 días para devolverlo.", (ARTICLE_ES,)),
    Case("es", "duration", "Tiene 90 días para devolverlo.", (ARTICLE_ES,), ungrounded=True),
    Case("pt", "duration", "Você tem 30 dias para devolver.", (ARTICLE_PT,)),
    Case("pt", "duration", "Você tem 14 dias úteis para devolver.", (ARTICLE_PT,), ungrounded=True),
    Case("vi", "duration", "Bạn có 30 ngày để đổi trả sản phẩm.", (ARTICLE_VI,)),
    Case("vi", "duration", "Bạn có 45 ngày để đổi trả sản phẩm.", (ARTICLE_VI,), ungrounded=True),
    # -- ids ----------------------------------------------------------------------------------------------
    Case("en", "id", "Your ticket is TK-88213; we keep it open.", (TICKET,)),
    Case("en", "id", "Your tracking number is 1Z999AA10123456784.", (ORDER,), ungrounded=True),
    Case("es", "id", "Su pedido K-5521 está en camino.", (ORDER,)),
    Case("es", "id", "Su número de seguimiento es 7741-2290-55.", (ORDER,), ungrounded=True),
    Case("pt", "id", "Seu chamado TK-88213 continua aberto.", (TICKET,)),
    Case("pt", "id", "Seu chamado #48213 continua aberto.", (TICKET,), ungrounded=True),
    Case("vi", "id", "Đơn hàng K-5521 của bạn đang được giao.", (ORDER,)),
    Case("vi", "id", "Mã vận đơn của bạn là VN220419883.", (ORDER,), ungrounded=True),
    # -- promises: only the commitment ledger (tool results, humans) backs one ---------------------------------
    Case("en", "promise", "I'll make sure a colleague calls you back.", (TICKET,), ("callback by a colleague",)),
    Case("en", "promise", "I'll make sure to get them as soon as possible.", ungrounded=True),
    Case("en", "promise", "As agreed before, you will receive a full refund.", ungrounded=True),
    Case("es", "promise", "Me aseguraré de que un compañero le llame.", (TICKET,), ("llamada de un compañero",)),
    Case("es", "promise", "Le prometo que llegará muy pronto.", ungrounded=True),
    Case("pt", "promise", "Prometo que um colega vai ligar para você.", (TICKET,), ("retorno de um colega",)),
    Case("pt", "promise", "Vou garantir que chegue logo.", ungrounded=True),
    Case("vi", "promise", "Tôi hứa đồng nghiệp sẽ gọi lại cho bạn.", (TICKET,), ("gọi lại",)),
    Case("vi", "promise", "Tôi đảm bảo đơn hàng sẽ đến sớm.", ungrounded=True),
    # -- no claims at all ---------------------------------------------------------------------------------
    Case("en", "none", "Thanks for writing. What can I help you with?"),
    Case("es", "none", "Gracias por escribir. ¿En qué puedo ayudarle?"),
    Case("pt", "none", "Obrigado por escrever. Como posso ajudar?"),
    Case("vi", "none", "Cảm ơn bạn đã liên hệ. Tôi có thể giúp gì cho bạn?"),
    # -- bad output -------------------------------------------------------------------------------------------
    Case("en", "format", "", ungrounded=True),
    Case("en", "format", '{"intent": "order_status", "confidence": 0.9}', ungrounded=True),
    Case("es", "language", "Your order is on its way and should arrive soon, thank you for waiting.", ungrounded=True),
)


def _flagged(case: Case) -> bool:
    evidence = Evidence(texts=case.evidence, commitments=case.commitments)
    return not GroundingGuard().check(case.reply, evidence, language=case.lang).passed


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_claims_are_checked_against_evidence(case: Case) -> None:
    check = GroundingGuard().check(
        case.reply, Evidence(texts=case.evidence, commitments=case.commitments), language=case.lang
    )
    if case.ungrounded:
        assert not check.passed, f"{case.reply!r} passed; claims found: {check.claims}"
        if case.kind not in ("format", "language", "none"):
            assert any(v.kind == case.kind for v in check.violations), check.violations
    else:
        assert check.passed, f"{case.reply!r} flagged: {check.violations}"
        if case.kind not in ("none",):
            assert any(c.kind == case.kind for c in check.claims), f"no {case.kind} claim found in {case.reply!r}"


def test_precision_and_recall_over_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    flagged = {c.name: _flagged(c) for c in CASES}
    tp = sum(1 for c in CASES if c.ungrounded and flagged[c.name])
    fp = sum(1 for c in CASES if not c.ungrounded and flagged[c.name])
    fn = sum(1 for c in CASES if c.ungrounded and not flagged[c.name])
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nguard on {len(CASES)} cases: precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})"
        )
    assert (precision, recall) == (1.0, 1.0)
    assert {c.lang for c in CASES if c.ungrounded} == {"en", "es", "pt", "vi"}


def test_the_desk_allow_list_and_customer_given_ids() -> None:
    guard = GroundingGuard(id_patterns=[r"\bREF\d{3}\b"])
    allowed = Evidence(allowed=("help.example.org", "care@example.org"))
    assert guard.check(
        "See https://help.example.org/any/page or write to care@example.org.", allowed, language="en"
    ).passed
    assert not guard.check("See https://evil.example.com/help.example.org", allowed, language="en").passed
    said = Evidence(customer_texts=("my reference is REF123",))
    assert guard.check("Thanks, I have REF123 noted.", said, language="en").passed
    # An amount or a promise the customer wrote is not evidence: they may be wrong or testing us.
    claimed = Evidence(customer_texts=("you promised me 500 EUR",))
    assert not guard.check("Right, 500 EUR it is.", claimed, language="en").passed
    assert not guard.check("Thanks, I have REF999 noted.", said, language="en").passed


def test_vault_tokens_are_not_ids() -> None:
    assert GroundingGuard().check("I have sent it to [EMAIL_1] and [PHONE_12].", Evidence(), language="en").passed


def test_a_broken_id_pattern_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"guard\.id_patterns"):
        GroundingGuard(id_patterns=["(unclosed"])


def test_long_input_is_checked_in_bounded_time() -> None:
    check = GroundingGuard().check("a" * 200_000 + "@" + "b" * 100_000, Evidence(), language="en")
    assert check.passed and check.claims == []
