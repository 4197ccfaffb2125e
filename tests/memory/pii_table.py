"""Personal data as customers write it, in en/es/pt/vi sentences: valid values (to be redacted, exactly their span)
and lookalikes (invalid check digits, order ids, dates, amounts, times: to be left alone)."""

from __future__ import annotations

# (sentence, the raw value inside it, its kind). Values sit next to other tokens on purpose: an expiry and CVC
# after a card, a BIC after an IBAN, digits and words glued on either side.
VALID: list[tuple[str, str, str]] = [
    # the two sentences of issue 12, verbatim
    (
        "Please refund ORD-1042 to my account IBAN: PT50 0002 0123 1234 5678 9015 4 BIC: BCOMPTPL",
        "PT50 0002 0123 1234 5678 9015 4",
        "IBAN",
    ),
    ("or charge the card 4111 1111 1111 1111 12/27 cvc 123", "4111 1111 1111 1111", "CARD"),
    # cards
    ("Mi tarjeta es 5500-0000-0000-0004, caduca 03/28", "5500-0000-0000-0004", "CARD"),
    ("Cartão 3782 822463 10005 validade 11/26 CVV 1234", "3782 822463 10005", "CARD"),
    ("Thẻ của tôi 6011111111111117 hết hạn 12/27", "6011111111111117", "CARD"),
    ("card no.3530111333300000 exp 0927", "3530111333300000", "CARD"),
    ("tarjeta 2223 0031 2200 3222 1227 123", "2223 0031 2200 3222", "CARD"),
    ("Thẻ NAPAS 9704 3600 0000 0008, ngày hết hạn 05/29", "9704 3600 0000 0008", "CARD"),
    ("cartão Hipercard 6062826000000000/12", "6062826000000000", "CARD"),
    ("pay with 41111111111111111227 please", "4111111111111111", "CARD"),
    # IBANs, grouped or not, upper or lower case, followed by a BIC or a word
    ("Mi IBAN es ES91 2100 0418 4502 0005 1332 BIC CAIXESBBXXX", "ES91 2100 0418 4502 0005 1332", "IBAN"),
    ("O meu IBAN: PT50000201231234567890154, obrigado", "PT50000201231234567890154", "IBAN"),
    ("IBAN DE89 3704 0044 0532 0130 00 Commerzbank", "DE89 3704 0044 0532 0130 00", "IBAN"),
    ("virement sur FR14 2004 1010 0505 0001 3M02 606 merci", "FR14 2004 1010 0505 0001 3M02 606", "IBAN"),
    ("refund to GB82WEST12345698765432 today", "GB82WEST12345698765432", "IBAN"),
    ("conto IT60 X054 2811 1010 0000 0123 456 grazie", "IT60 X054 2811 1010 0000 0123 456", "IBAN"),
    ("rekening nl91abna0417164300 bedankt", "nl91abna0417164300", "IBAN"),
    ("conta BR1800360305000010009795493C1 no Brasil", "BR1800360305000010009795493C1", "IBAN"),
    ("Tài khoản IBAN: MT84 MALT 0110 0001 2345 MTLC AST0 01S nhé", "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "IBAN"),
    # phones as written in the US, Spain, Portugal, Brazil and Vietnam
    ("call me at (415) 555-0132 after 5pm", "(415) 555-0132", "PHONE"),
    ("my cell is 415.555.0132.", "415.555.0132", "PHONE"),
    ("or 1-212-736-5000 (office)", "1-212-736-5000", "PHONE"),
    ("reach me on +1 212 736 5000 tomorrow", "+1 212 736 5000", "PHONE"),
    ("Llámame al 612 345 678 por la tarde", "612 345 678", "PHONE"),
    ("mi fijo es el 91 123 45 67, gracias", "91 123 45 67", "PHONE"),
    ("Mi móvil: +34 612 34 56 78", "+34 612 34 56 78", "PHONE"),
    ("teléfono (+34) 612-345-678 o email", "(+34) 612-345-678", "PHONE"),
    ("desde fuera 0034 612345678", "0034 612345678", "PHONE"),
    ("O meu telemóvel é 912 345 678.", "912 345 678", "PHONE"),
    ("ligue para +351 912 345 678 amanhã", "+351 912 345 678", "PHONE"),
    ("telefone fixo 21 123 4567 em Lisboa", "21 123 4567", "PHONE"),
    ("Meu celular é (11) 91234-5678, ok?", "(11) 91234-5678", "PHONE"),
    ("WhatsApp +55 11 91234-5678 obrigado", "+55 11 91234-5678", "PHONE"),
    ("ligue no +55 (21) 2345-6789 por favor", "+55 (21) 2345-6789", "PHONE"),
    ("Số điện thoại của tôi là 0912 345 678 nhé", "0912 345 678", "PHONE"),
    ("gọi cho tôi số +84 912 345 678", "+84 912 345 678", "PHONE"),
    ("văn phòng: 028 3829 5555", "028 3829 5555", "PHONE"),
    ("số 091.234.5678 ạ", "091.234.5678", "PHONE"),
    # emails
    ("write to maria.silva@example.com, thanks", "maria.silva@example.com", "EMAIL"),
    ("Mi correo: joao+pedidos@exemplo.com.br.", "joao+pedidos@exemplo.com.br", "EMAIL"),
    ("email của tôi là nguyen.van.a@example.vn", "nguyen.van.a@example.vn", "EMAIL"),
    # national ids
    ("DNI 48291735-S para la factura", "48291735-S", "ID_ES"),
    ("mi NIE es Y4829173S.", "Y4829173S", "ID_ES"),
    ("NIF 184739268 para a fatura", "184739268", "ID_PT"),
    ("CPF: 384.729.100-91, obrigado", "384.729.100-91", "ID_BR"),
    ("my SSN is 536-82-4719", "536-82-4719", "ID_US"),
    ("CCCD 079185002736 của tôi", "079185002736", "ID_VN"),
    ("CURP GODE561231HDFRRN00 por favor", "GODE561231HDFRRN00", "ID_MX"),
]

# Sentences with nothing personal in them: broken check digits, and the numbers support conversations are full of.
LOOKALIKES: list[str] = [
    "card 4111 1111 1111 1112 expired",  # fails Luhn
    "tarjeta 5500 0000 0000 0005",  # fails Luhn
    "IBAN: PT50 0002 0123 1234 5678 9015 5 BIC: BCOMPTPL",  # fails mod-97
    "IBAN ES91 2100 0418 4502 0005 1333",  # fails mod-97
    "DNI 12345678A",  # wrong check letter
    "NIF 123456788",  # wrong check digit
    "CPF 529.982.247-26",  # wrong check digits
    "SSN 000-45-6789",  # never issued
    "call (000) 555-0132",  # no area code 000 (nor 00 in Brazil)
    "llama al 112 345 678",  # no Spanish number starts with 1
    "số 0912 345 67",  # a digit short
    "order ORD-1042 costs €19.35, arriving 2026-03-02",
    "pedido #10423 de 1.234,56 € el 02/03/2026 a las 10:30",
    "encomenda 2026-000123, total R$ 1.299,90",
    "đơn hàng tổng cộng 250.000.000 VND, giao lúc 14h30",
    "Tổng cộng 1.250.000 đồng",
    "refund of $1,299.99 on 12/27/2026",
    "CEP 01310-100, São Paulo",
    "código postal 28013 Madrid",
    "version 2.4.1 released 2026.03.02",
    "ticket 12 34 56 opened at 10:30-11:45",
    "qty 3 x 2 = 6, cvc 123",
]
