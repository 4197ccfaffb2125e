"""Negative feedback on the assistant's last answer, in every supported language: negation forms, tenses,
"still" and "again", formal and informal address, accents dropped - and what is no rejection."""

from __future__ import annotations

import pytest

from relevo.models.offline import detect_dialogue_act, detect_rejection, without_accents
from relevo.models.offline._forms import finite_forms

REJECTIONS = {
    "en": [
        "that didn't help",
        "That did not help at all.",
        "didn't help",
        "nope, didn't help",
        "this didn't help either",
        "still not working",
        "it's still not working",
        "still doesn't work",
        "it didn't work again",
        "your solution doesn't work",
        "that is not helping",
        "that doesn't answer my question",
        "that still doesn't answer my question",
        "You didn't answer my question",
        "that's not what I asked",
        "that's not what i asked for",
        "that didnt help",
    ],
    "es": [
        "eso no me ayuda",
        "eso no me ayudó",
        "no me ayudo",
        "sigue sin ayudarme",
        "sigues sin responderme",
        "sigue sin funcionar",
        "todavía no funciona",
        "aun no funciona",
        "eso no funciona",
        "eso tampoco me ayuda",
        "no me ha ayudado",
        "no me has ayudado",
        "usted no me ha ayudado",
        "no me habéis ayudado",
        "no me estás ayudando",
        "no me está ayudando",
        "no me sirvió de nada",
        "eso no responde a mi pregunta",
        "no contestaste mi pregunta",
        "no respondió mi pregunta",
        "no es lo que pregunté",
        "no es eso lo que te pregunté",
    ],
    "pt": [
        "isso não me ajuda",
        "isso não ajudou",
        "não me ajudou",
        "nao me ajudou em nada",
        "você não me ajudou",
        "o senhor não me ajudou",
        "não está me ajudando",
        "isso tambem nao ajudou",
        "continua sem funcionar",
        "ainda não funciona",
        "isso não funcionou",
        "ainda não deu certo",
        "não me serviu de nada",
        "isso não responde minha pergunta",
        "não respondeu a minha pergunta",
        "não foi isso que eu perguntei",
        "não é o que eu perguntei",
    ],
    "vi": [
        "không giúp được gì",
        "khong giup duoc gi",
        "chẳng giúp được gì cả",
        "cái đó không giúp được gì",
        "vẫn không được",
        "van khong duoc",
        "vẫn chưa được",
        "vẫn không hoạt động",
        "bạn chưa trả lời câu hỏi của tôi",
        "không phải điều tôi hỏi",
        "cách đó không có tác dụng",
        "chưa giải quyết được vấn đề",
    ],
}

NOT_REJECTIONS = {
    "en": [
        "no",
        "no thanks",
        "no thank you",
        "nope",
        "that's all",
        "ok",
        "how long does a return take?",
        "my charger doesn't work",
        "it doesn't work when I plug it in",
        "my internet is not working",
    ],
    "es": [
        "no",
        "no, gracias",
        "nada más",
        "vale",
        "no hace falta",
        "¿cuánto cuesta el envío?",
        "mi router no funciona",
        "no funciona la app",
        "mi pedido no ha llegado",
    ],
    "pt": [
        "não",
        "não, obrigado",
        "é só isso",
        "beleza",
        "o carregador não funciona",
        "o app não funciona",
        "meu pedido não chegou",
    ],
    "vi": ["không", "không, cảm ơn", "vậy thôi", "ok", "điện thoại không hoạt động", "đơn hàng chưa tới"],
}


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang, texts in REJECTIONS.items() for t in texts])
def test_negative_feedback_on_the_answer_is_a_rejection(language: str, text: str) -> None:
    found = detect_rejection(text, language)

    assert found is not None, text
    assert found.kind == "rejection"
    # Written without accents, as customers often do, it is the same rejection.
    assert detect_rejection(without_accents(text), language) is not None


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang, texts in NOT_REJECTIONS.items() for t in texts])
def test_a_plain_no_or_a_new_problem_is_no_rejection(language: str, text: str) -> None:
    assert detect_rejection(text, language) is None


@pytest.mark.parametrize(("language", "text"), [(lang, t) for lang, texts in REJECTIONS.items() for t in texts])
def test_a_rejection_is_never_a_closing_act(language: str, text: str) -> None:
    assert detect_dialogue_act(text, language) is None


@pytest.mark.parametrize(
    ("infinitive", "language", "forms"),
    [
        (
            "ayudar",
            "es",
            [
                "ayuda",
                "ayudas",
                "ayudo",
                "ayudaste",
                "ayudaron",
                "ayudaba",
                "ha ayudado",
                "has ayudado",
                "habeis ayudado",
                "han ayudado",
                "esta ayudando",
                "estas ayudando",
            ],
        ),
        ("responder", "es", ["responde", "respondes", "respondio", "respondiste", "ha respondido", "respondeis"]),
        (
            "ajudar",
            "pt",
            ["ajuda", "ajudou", "ajudaste", "ajudaram", "ajudava", "tem ajudado", "esta ajudando", "esta a ajudar"],
        ),
        ("responder", "pt", ["responde", "respondeu", "respondeste", "tem respondido", "esta respondendo"]),
    ],
)
def test_finite_forms_cover_tenses_and_forms_of_address(infinitive: str, language: str, forms: list[str]) -> None:
    generated = finite_forms(infinitive, language)

    assert set(forms) <= set(generated), sorted(set(forms) - set(generated))
    assert list(generated) == sorted(generated, key=lambda form: (-len(form), form))


def test_finite_forms_leave_phrases_and_other_languages_alone() -> None:
    assert finite_forms("dar certo", "pt") == ("dar certo",)
    assert finite_forms("help", "en") == ("help",)
