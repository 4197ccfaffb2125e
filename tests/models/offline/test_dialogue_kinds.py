"""Closings, declined humans and requests for a person in the shapes real customers write them: informal,
typo-laden, accents dropped, emoji, code-switched, in every supported language (issue 11, kinds 1, 2, 7)."""

from __future__ import annotations

import pytest

from relevo.models.offline import (
    detect_declined_human_request,
    detect_dialogue_act,
    detect_human_request,
    score_sentiment,
)
from relevo.models.offline._forms import subjunctive_forms

CLOSING_ACTS = [
    # goodbyes, alone or with an emoji
    ("bye!", "en", "close"),
    ("see ya 👋", "en", "close"),
    ("👋", "en", "close"),
    ("🙏", "en", "close"),
    ("adiós", "es", "close"),
    ("chao, gracias", "es", "close"),
    ("hasta luego", "es", "close"),
    ("tchau", "pt", "close"),
    ("falou, valeu", "pt", "close"),
    ("tạm biệt", "vi", "close"),
    ("chào nhé", "vi", "close"),
    ("bai", "vi", "close"),
    # dropping the matter
    ("never mind", "en", "close"),
    ("nvm", "en", "close"),
    ("ok forget it", "en", "close"),
    ("olvídalo", "es", "close"),
    ("olvídelo", "es", "close"),
    ("olvidenlo", "es", "close"),
    ("déjalo, gracias", "es", "close"),
    ("no importa", "es", "close"),
    ("deixa pra lá", "pt", "close"),
    ("esquece", "pt", "close"),
    ("thôi bỏ qua", "vi", "close"),
    ("thoi khoi", "vi", "close"),
    # "that's all" with "for now"
    ("no that's all for now 🙂", "en", "close"),
    ("nada más por hoy", "es", "close"),
    ("era isso 🙂", "pt", "close"),
    ("hết rồi nha", "vi", "close"),
    ("nothing, just saying hi", "en", "close"),
    ("nada, solo saludaba", "es", "close"),
    ("nada, só passando", "pt", "close"),
    ("không có gì, chào thôi", "vi", "close"),
    # declines in informal register, typos and short thanks
    ("nah im good", "en", "decline"),
    ("all set", "en", "decline"),
    ("no ty", "en", "decline"),
    ("we're good here", "en", "decline"),
    ("no no", "es", "decline"),
    ("tranqui", "es", "decline"),
    ("nao obg", "pt", "decline"),
    ("to de boa", "pt", "decline"),
    ("nada não", "pt", "decline"),
    ("ko ko", "vi", "decline"),
    ("k cần nữa", "vi", "decline"),
    # acknowledgements
    ("👍🏽", "en", "acknowledge"),
    ("👌", "es", "acknowledge"),
    ("okey dokey", "en", "acknowledge"),
    ("vale vale", "es", "acknowledge"),
    ("okis", "es", "acknowledge"),
    ("certinho", "pt", "acknowledge"),
    ("tá, valeu", "pt", "acknowledge"),
    ("oke oke", "vi", "acknowledge"),
    ("dc roi", "vi", "acknowledge"),
    # a bare hello is a greeting, and Vietnamese "chào" is a hello (Spanish "chao" is a goodbye)
    ("hi", "en", "greet"),
    ("hola", "es", "greet"),
    ("oi", "pt", "greet"),
    ("chào", "vi", "greet"),
    ("xin chào shop", "vi", "greet"),
]


@pytest.mark.parametrize(("text", "language", "act"), CLOSING_ACTS)
def test_informal_closings_are_recognised_in_every_language(text: str, language: str, act: str) -> None:
    assert detect_dialogue_act(text, language) == act


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bye, where is my order?", "en"),
        ("never mind the colour, is it in stock?", "en"),
        ("hola, ¿dónde está mi pedido?", "es"),
        ("olvídalo, quiero un reembolso", "es"),
        ("tchau, mas cadê meu pedido?", "pt"),
        ("thôi, cho tôi hỏi phí ship", "vi"),
    ],
)
def test_a_closing_word_before_a_request_is_no_act(text: str, language: str) -> None:
    assert detect_dialogue_act(text, language) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("no ty", "en"),
        ("no thx", "en"),
        ("no cheers", "en"),
        ("no i'm good", "en"),
        ("no, todo bien", "es"),
        ("no, estoy bien gracias", "es"),
        ("nao obg", "pt"),
        ("não, tá tudo bem", "pt"),
        ("không, cảm ơn", "vi"),
    ],
)
def test_a_polite_decline_is_not_negative(text: str, language: str) -> None:
    assert score_sentiment(text, language).score >= 0


@pytest.mark.parametrize(
    ("text", "language"), [("no estoy bien", "es"), ("no, not good", "en"), ("no todo bien", "es")]
)
def test_a_negated_good_without_the_polite_comma_stays_negative(text: str, language: str) -> None:
    assert score_sentiment(text, language).score < 0


DECLINED = [
    ("no need to transfer me, just answer: how long is shipping?", "en"),
    ("no human needed, what's the return policy?", "en"),
    ("don't transfer me to an agent, just tell me where my order is", "en"),
    ("pls dont connect me to a human, i only need the refund status", "en"),
    ("i never said i wanted an agent", "en"),
    ("no agent pls, where is my package", "en"),
    ("no quiero hablar con nadie, solo saber dónde está mi pedido", "es"),
    ("sin agente porfa, solo el número de seguimiento", "es"),
    ("no me pases con nadie, dime donde esta mi pedido", "es"),
    ("no me pasen con un asesor, dime el precio del envío", "es"),
    ("no quiero q me transfieran, solo dime cuanto cuesta el envio", "es"),
    ("ni se te ocurra pasarme con un humano, dime el precio del envío", "es"),
    ("nao quero falar com ninguem, so saber onde ta meu pedido", "pt"),
    ("não precisa de atendente, quanto custa o frete?", "pt"),
    ("não quero ser transferido, só me diz o prazo de entrega", "pt"),
    ("sem atendente por favor, só o código de rastreio", "pt"),
    ("não me passa pra ninguém, só quero saber do meu pedido", "pt"),
    ("não me passe para um atendente, qual é o frete?", "pt"),
    ("tôi không muốn nói chuyện với ai cả, chỉ muốn biết đơn hàng ở đâu", "vi"),
    ("tôi đâu có yêu cầu gặp nhân viên, tôi hỏi về hoàn tiền", "vi"),
    ("đừng chuyển cho nhân viên, cho tôi biết phí vận chuyển", "vi"),
    ("không cần chuyển máy đâu, phí ship bao nhiêu", "vi"),
]


@pytest.mark.parametrize(("text", "language"), DECLINED)
def test_a_declined_or_refused_transfer_is_no_request(text: str, language: str) -> None:
    assert detect_human_request(text, language) is None
    assert detect_declined_human_request(text, language) is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("não quero falar com robô, quero um atendente", "pt"),
        ("no quiero hablar con el bot, pásame con un agente", "es"),
        ("I don't want a bot, get me a person", "en"),
        ("không muốn nói chuyện với AI, cho gặp nhân viên", "vi"),
    ],
)
def test_refusing_the_bot_is_still_a_request(text: str, language: str) -> None:
    assert detect_human_request(text, language) is not None


SHAPES = [
    # a person asked to handle the case
    ("can a person look at this?", "en"),
    ("can a real human check my order", "en"),
    ("could somebody from support check this", "en"),
    ("let a human handle this", "en"),
    ("please have a human review this", "en"),
    ("can an actual person answer me", "en"),
    ("¿puede una persona revisar esto?", "es"),
    ("¿alguien me puede atender?", "es"),
    ("quiero que lo vea una persona", "es"),
    ("que alguien de su equipo revise mi caso", "es"),
    ("¿me atiende una persona real?", "es"),
    ("uma pessoa pode ver isso?", "pt"),
    ("alguém pode me atender?", "pt"),
    ("quero que um humano veja meu caso", "pt"),
    ("quero alguem que resolva", "pt"),
    ("ai đó xem giúp em với", "vi"),
    ("người thật kiểm tra giúp tôi", "vi"),
    # is anyone there
    ("anyone there??", "en"),
    ("hello? anyone real here?", "en"),
    ("is anybody real on this chat", "en"),
    ("hay alguien ahi??", "es"),
    ("¿hay alguien?", "es"),
    ("tem atendente?", "pt"),
    ("tem alguém aí?", "pt"),
    ("có ai là người thật không?", "vi"),
    ("có ai ở đó không?", "vi"),
    ("có nhân viên không?", "vi"),
    ("co nguoi that ko", "vi"),
    ("nhân viên đâu rồi", "vi"),
    # a contrast with the bot, either way round, and a person wanted said last
    ("bot no, human yes", "en"),
    ("I'd prefer a person over a bot", "en"),
    ("are you a bot? i need a person", "en"),
    ("where are the humans", "en"),
    ("bot no, una persona", "es"),
    ("¿eres un bot? quiero una persona", "es"),
    ("robô não, gente", "pt"),
    ("não é robô? quero uma pessoa", "pt"),
    ("bot à? cho gặp người", "vi"),
    # impatience before a one-word request
    ("stop, human pls", "en"),
    ("basta, un agente", "es"),
    ("chega, atendente!", "pt"),
    ("thôi, nhân viên", "vi"),
]


@pytest.mark.parametrize(("text", "language"), SHAPES)
def test_requests_for_a_person_in_other_shapes_are_found(text: str, language: str) -> None:
    assert detect_human_request(text, language) is not None


PEOPLE_MENTIONED = [
    ("can a person return an item for someone else?", "en"),
    ("my husband ordered it", "en"),
    ("can someone else pick up my parcel?", "en"),
    ("can another person sign for the delivery?", "en"),
    ("is anyone else having this issue?", "en"),
    ("do you need a person to sign for it?", "en"),
    ("the delivery person left it at the door", "en"),
    ("¿puede otra persona devolver un artículo por mí?", "es"),
    ("¿puede alguien recoger mi paquete?", "es"),
    ("¿hay alguien que pueda recibirlo en mi casa?", "es"),
    ("¿hay algún descuento para personas mayores?", "es"),
    ("outra pessoa pode devolver um item por mim?", "pt"),
    ("alguém pode retirar meu pacote?", "pt"),
    ("tem alguém em casa pra receber?", "pt"),
    ("meu marido fez o pedido", "pt"),
    ("người khác có thể trả hàng giúp tôi không?", "vi"),
    ("ai đó có thể nhận hàng giúp tôi không?", "vi"),
    ("nhân viên giao hàng đâu rồi", "vi"),
    ("có giảm giá cho người già không?", "vi"),
    ("stop the order", "en"),
    ("basta de cobrarme dos veces", "es"),
]


@pytest.mark.parametrize(("text", "language"), PEOPLE_MENTIONED)
def test_ordinary_questions_that_mention_people_are_no_request(text: str, language: str) -> None:
    assert detect_human_request(text, language) is None


@pytest.mark.parametrize(
    ("infinitive", "language", "forms"),
    [
        ("pasar", "es", {"pase", "pases", "pasen", "paseis", "pasemos"}),
        ("comunicar", "es", {"comunique", "comuniques", "comuniquen"}),
        ("derivar", "es", {"derive", "deriven"}),
        ("passar", "pt", {"passe", "passes", "passem"}),
        ("colocar", "pt", {"coloque", "coloquem"}),
        ("atender", "pt", {"atenda", "atendam"}),
    ],
)
def test_subjunctive_forms_cover_every_form_of_address(infinitive: str, language: str, forms: set[str]) -> None:
    assert forms <= set(subjunctive_forms(infinitive, language))
