"""A generated desk folder for ``relevo bench desk-load``: neutral subjects (a town's services), any size.

The texts are deterministic, so a second run finds every vector in the embedding cache.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import yaml

from relevo._errors import BadInputError

__all__ = ["BENCH_LANGUAGES", "write_bench_desk"]

BENCH_LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "vi")

# Twenty subjects, each in en, es, pt and vi: the intents and the articles' topics.
_SUBJECTS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "library_card",
        {"en": "a library card", "es": "el carné de biblioteca", "pt": "o cartão da biblioteca", "vi": "thẻ thư viện"},
    ),
    (
        "parking_permit",
        {
            "en": "a parking permit",
            "es": "el permiso de aparcamiento",
            "pt": "a autorização de estacionamento",
            "vi": "giấy phép đỗ xe",
        },
    ),
    (
        "gym_locker",
        {"en": "a gym locker", "es": "la taquilla del gimnasio", "pt": "o cacifo do ginásio", "vi": "tủ đồ phòng tập"},
    ),
    (
        "bike_rental",
        {
            "en": "bike rental",
            "es": "el alquiler de bicicletas",
            "pt": "o aluguer de bicicletas",
            "vi": "dịch vụ thuê xe đạp",
        },
    ),
    (
        "event_tickets",
        {
            "en": "event tickets",
            "es": "las entradas para eventos",
            "pt": "os bilhetes para eventos",
            "vi": "vé sự kiện",
        },
    ),
    (
        "swimming_lessons",
        {"en": "swimming lessons", "es": "las clases de natación", "pt": "as aulas de natação", "vi": "lớp học bơi"},
    ),
    (
        "recycling_pickup",
        {
            "en": "recycling pickup",
            "es": "la recogida de reciclaje",
            "pt": "a recolha de reciclagem",
            "vi": "việc thu gom rác tái chế",
        },
    ),
    (
        "water_meter",
        {"en": "the water meter", "es": "el contador de agua", "pt": "o contador da água", "vi": "đồng hồ nước"},
    ),
    (
        "language_course",
        {
            "en": "a language course",
            "es": "el curso de idiomas",
            "pt": "o curso de línguas",
            "vi": "khóa học ngoại ngữ",
        },
    ),
    (
        "room_cleaning",
        {
            "en": "room cleaning",
            "es": "la limpieza de la habitación",
            "pt": "a limpeza do quarto",
            "vi": "dịch vụ dọn phòng",
        },
    ),
    (
        "guest_wifi",
        {"en": "the guest wifi", "es": "el wifi de invitados", "pt": "o wifi de convidados", "vi": "wifi cho khách"},
    ),
    (
        "lost_keys",
        {"en": "lost keys", "es": "las llaves perdidas", "pt": "as chaves perdidas", "vi": "chìa khóa bị mất"},
    ),
    (
        "noise_report",
        {"en": "a noise report", "es": "la denuncia por ruido", "pt": "a queixa de ruído", "vi": "phản ánh tiếng ồn"},
    ),
    (
        "photo_printing",
        {"en": "photo printing", "es": "la impresión de fotos", "pt": "a impressão de fotos", "vi": "dịch vụ in ảnh"},
    ),
    (
        "tennis_court",
        {"en": "the tennis court", "es": "la pista de tenis", "pt": "o campo de ténis", "vi": "sân quần vợt"},
    ),
    (
        "museum_visit",
        {
            "en": "a museum visit",
            "es": "la visita al museo",
            "pt": "a visita ao museu",
            "vi": "chuyến tham quan bảo tàng",
        },
    ),
    (
        "pet_registration",
        {
            "en": "pet registration",
            "es": "el registro de mascotas",
            "pt": "o registo de animais",
            "vi": "việc đăng ký thú cưng",
        },
    ),
    (
        "snow_clearing",
        {"en": "snow clearing", "es": "la retirada de nieve", "pt": "a remoção de neve", "vi": "việc dọn tuyết"},
    ),
    (
        "tax_certificate",
        {
            "en": "a tax certificate",
            "es": "el certificado fiscal",
            "pt": "a certidão fiscal",
            "vi": "giấy chứng nhận thuế",
        },
    ),
    (
        "garden_plot",
        {"en": "a garden plot", "es": "la parcela del huerto", "pt": "o talhão da horta", "vi": "mảnh vườn cộng đồng"},
    ),
)

# Ten ways to ask about a subject, per language.
_ASKS: dict[str, tuple[str, ...]] = {
    "en": (
        "how do I apply for {x}?",
        "what does {x} cost?",
        "I have a problem with {x}",
        "can I cancel {x}?",
        "who can I ask about {x}?",
        "is {x} available this week?",
        "I need help with {x}",
        "what are the rules for {x}?",
        "how long does {x} take?",
        "tell me more about {x}",
    ),
    "es": (
        "¿cómo solicito {x}?",
        "¿cuánto cuesta {x}?",
        "tengo un problema con {x}",
        "¿puedo cancelar {x}?",
        "¿a quién pregunto por {x}?",
        "¿está disponible {x} esta semana?",
        "necesito ayuda con {x}",
        "¿cuáles son las normas sobre {x}?",
        "¿cuánto tarda {x}?",
        "cuéntame más sobre {x}",
    ),
    "pt": (
        "como peço {x}?",
        "quanto custa {x}?",
        "tenho um problema com {x}",
        "posso cancelar {x}?",
        "a quem pergunto sobre {x}?",
        "{x} está disponível esta semana?",
        "preciso de ajuda com {x}",
        "quais são as regras sobre {x}?",
        "quanto tempo demora {x}?",
        "diga-me mais sobre {x}",
    ),
    "vi": (
        "làm sao để đăng ký {x}?",
        "{x} giá bao nhiêu?",
        "tôi gặp vấn đề với {x}",
        "tôi có thể hủy {x} không?",
        "tôi hỏi ai về {x}?",
        "tuần này {x} còn không?",
        "tôi cần giúp về {x}",
        "quy định về {x} là gì?",
        "{x} mất bao lâu?",
        "cho tôi biết thêm về {x}",
    ),
}

# An article: a title and paragraphs, per language ({x}: the subject, {n}: a number that varies by article).
_TITLES = {"en": "All about {x}", "es": "Todo sobre {x}", "pt": "Tudo sobre {x}", "vi": "Tất cả về {x}"}
_PARAGRAPHS: dict[str, tuple[str, ...]] = {
    "en": (
        "You can apply for {x} at the front office or online. Bring an identity document and proof of address; "
        "the request is usually handled within {n} working days.",
        "The yearly fee for {x} is {n} euros. Residents over 65 and students pay half, and the first month is "
        "free for new applicants.",
        "To cancel {x}, write to us at least {n} days before the end of the month. Fees already paid for the "
        "current month are not refunded.",
        "If something goes wrong with {x}, tell us the date and what happened. A colleague answers within {n} "
        "hours on working days.",
    ),
    "es": (
        "Puedes solicitar {x} en la oficina o en línea. Trae un documento de identidad y un justificante de "
        "domicilio; la solicitud suele tramitarse en {n} días laborables.",
        "La cuota anual de {x} es de {n} euros. Los mayores de 65 años y los estudiantes pagan la mitad, y el "
        "primer mes es gratis para las nuevas altas.",
        "Para cancelar {x}, escríbenos al menos {n} días antes de fin de mes. Las cuotas ya pagadas del mes en "
        "curso no se devuelven.",
        "Si algo falla con {x}, cuéntanos la fecha y lo que pasó. Un compañero responde en {n} horas en días "
        "laborables.",
    ),
    "pt": (
        "Pode pedir {x} no balcão ou online. Traga um documento de identificação e um comprovativo de morada; o "
        "pedido costuma ser tratado em {n} dias úteis.",
        "A taxa anual de {x} é de {n} euros. Residentes com mais de 65 anos e estudantes pagam metade, e o "
        "primeiro mês é grátis para novas inscrições.",
        "Para cancelar {x}, escreva-nos pelo menos {n} dias antes do fim do mês. As taxas já pagas do mês em "
        "curso não são devolvidas.",
        "Se algo correr mal com {x}, diga-nos a data e o que aconteceu. Um colega responde em {n} horas nos dias "
        "úteis.",
    ),
    "vi": (
        "Bạn có thể đăng ký {x} tại quầy hoặc trực tuyến. Hãy mang giấy tờ tùy thân và giấy xác nhận địa chỉ; "
        "yêu cầu thường được xử lý trong {n} ngày làm việc.",
        "Phí hằng năm cho {x} là {n} euro. Người trên 65 tuổi và sinh viên trả một nửa, tháng đầu miễn phí cho "
        "người đăng ký mới.",
        "Để hủy {x}, hãy báo cho chúng tôi ít nhất {n} ngày trước cuối tháng. Phí đã trả cho tháng hiện tại "
        "không được hoàn lại.",
        "Nếu có sự cố với {x}, hãy cho chúng tôi biết ngày và chuyện đã xảy ra. Đồng nghiệp sẽ trả lời trong "
        "{n} giờ vào ngày làm việc.",
    ),
}


def write_bench_desk(
    folder: Path,
    *,
    intents: int = 20,
    examples: int = 10,
    articles: int = 50,
    languages: Sequence[str] = BENCH_LANGUAGES,
) -> dict[str, int]:
    """Write a desk of ``intents`` intents with ``examples`` examples per language each, and ``articles``
    knowledge-base files spread over ``languages``, into ``folder`` (created).

    Returns:
        What was written: ``intents``, ``examples`` (in all languages), ``articles``.

    Raises:
        BadInputError: more than 20 intents, a count below 1, or a language other than en, es, pt, vi.
    """
    if not 1 <= intents <= len(_SUBJECTS) or examples < 1 or articles < 0:
        raise BadInputError(f"intents must be 1..{len(_SUBJECTS)}, examples at least 1, articles at least 0")
    stray = sorted(set(languages) - set(BENCH_LANGUAGES))
    if stray or not languages:
        raise BadInputError(f"languages must be some of {', '.join(BENCH_LANGUAGES)}; got {stray or 'none'}")
    subjects = _SUBJECTS[:intents]
    (folder / "kb").mkdir(parents=True, exist_ok=True)
    scope = {
        "en": "the town's services",
        "es": "los servicios municipales",
        "pt": "os serviços municipais",
        "vi": "các dịch vụ của thành phố",
    }
    toml = [
        "[desk]",
        'name = "Bench Town"',
        f"languages = {json.dumps(list(languages))}",
        f'default_language = "{languages[0]}"',
        "",
        "[desk.scope]",
        *(f'{lang} = "{scope[lang]}"' for lang in languages),
        "",
    ]
    (folder / "desk.toml").write_text("\n".join(toml), encoding="utf-8")
    catalog = {
        "intents": [
            {
                "name": slug,
                "description": f"Questions about {names['en']}.",
                "queue": "general",
                "skill": "general",
                "kb_topic": slug,
                "examples": {lang: _examples(names[lang], lang, examples) for lang in languages},
            }
            for slug, names in subjects
        ]
    }
    (folder / "intents.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False), "utf-8")
    for k in range(articles):
        slug, names = subjects[k % len(subjects)]
        language = languages[(k // len(subjects)) % len(languages)]
        round_ = k // (len(subjects) * len(languages))
        _write_article(folder / "kb", slug, names[language], language, n=3 + k % 7, round_=round_)
    return {"intents": intents, "examples": intents * examples * len(languages), "articles": articles}


def _examples(subject: str, language: str, count: int) -> list[str]:
    asks = _ASKS[language]
    out = [asks[i % len(asks)].format(x=subject) for i in range(count)]
    # Beyond ten, repeat the asks with a number so that every example is its own text.
    return [text if i < len(asks) else f"{text} ({i // len(asks)})" for i, text in enumerate(out)]


def _write_article(kb: Path, slug: str, subject: str, language: str, *, n: int, round_: int) -> None:
    name = slug.replace("_", "-") + (f"-{round_}" if round_ else "")
    title = _TITLES[language].format(x=subject)
    body = "\n\n".join(p.format(x=subject, n=n + i) for i, p in enumerate(_PARAGRAPHS[language]))
    article_id = f"KB-{name.upper()}"
    front = yaml.safe_dump(
        {"id": article_id, "title": title, "topic": slug, "language": language}, allow_unicode=True, sort_keys=False
    )
    (kb / f"{name}.{language}.md").write_text(f"---\n{front}---\n\n# {title}\n\n{body}\n", encoding="utf-8")
