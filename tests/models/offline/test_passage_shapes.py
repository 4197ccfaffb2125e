"""Passages are whole in the shapes articles take: numbered steps with notes between them, a colon followed by
sections, tables, any bullet, a list right under its heading; in every supported language."""

from __future__ import annotations

import pytest

from relevo.agents import KnowledgeBase
from relevo.contracts import Article
from relevo.models.offline import segment_passages
from relevo.orchestrator import default_embedder

# (lead, step 1, note under step 1, step 2, step 3, closing paragraph)
STEPS = {
    "en": (
        "To book an appointment:",
        "Open the app.",
        "Online booking is open 24/7.",
        "Choose a dentist.",
        "Confirm.",
        "Cancel up to 24 hours before at no cost.",
    ),
    "es": (
        "Para pedir cita:",
        "Abre la app.",
        "La reserva online está abierta 24/7.",
        "Elige el dentista.",
        "Confirma.",
        "Cancela hasta 24 horas antes sin coste.",
    ),
    "pt": (
        "Para marcar uma consulta:",
        "Abra a app.",
        "A marcação online está aberta 24/7.",
        "Escolha o dentista.",
        "Confirme.",
        "Cancele até 24 horas antes sem custo.",
    ),
    "vi": (
        "Để đặt lịch hẹn:",
        "Mở ứng dụng.",
        "Đặt lịch trực tuyến mở 24/7.",
        "Chọn nha sĩ.",
        "Xác nhận.",
        "Hủy trước 24 giờ miễn phí.",
    ),
}


def _steps(language: str, indent: str) -> str:
    lead, one, note, two, three, closing = STEPS[language]
    return f"{lead}\n\n1. {one}\n\n{indent}{note}\n\n2. {two}\n3. {three}\n\n{closing}"


@pytest.mark.parametrize("indent", ["   ", ""], ids=["indented-note", "flush-note"])
@pytest.mark.parametrize("language", list(STEPS))
def test_a_note_between_numbered_steps_keeps_the_steps_together(language: str, indent: str) -> None:
    lead, one, note, two, three, closing = STEPS[language]
    texts = [text for _, text in segment_passages(_steps(language, indent))]

    assert texts == [f"{lead}\n1. {one}\n{note}\n2. {two}\n3. {three}", closing]


# (lead ending in a colon, section 1, its text, section 2, its items)
SECTIONS = {
    "en": (
        "Our reception team is available:",
        "By phone",
        "Monday to Friday, 9:00–19:00.",
        "In the clinic",
        ["Monday to Friday, 9:00–19:00", "Saturday, 9:00–13:00"],
    ),
    "es": (
        "Nuestro equipo de recepción está disponible:",
        "Por teléfono",
        "De lunes a viernes, de 9:00 a 19:00.",
        "En la clínica",
        ["De lunes a viernes, de 9:00 a 19:00", "Sábados, de 9:00 a 13:00"],
    ),
    "pt": (
        "A nossa equipa de receção está disponível:",
        "Por telefone",
        "De segunda a sexta, das 9:00 às 19:00.",
        "Na clínica",
        ["De segunda a sexta, das 9:00 às 19:00", "Sábado, das 9:00 às 13:00"],
    ),
    "vi": (
        "Bộ phận lễ tân của chúng tôi làm việc:",
        "Qua điện thoại",
        "Thứ hai đến thứ sáu, 9:00–19:00.",
        "Tại phòng khám",
        ["Thứ hai đến thứ sáu, 9:00–19:00", "Thứ bảy, 9:00–13:00"],
    ),
}


@pytest.mark.parametrize("language", list(SECTIONS))
def test_a_colon_followed_by_sections_keeps_them_as_its_items(language: str) -> None:
    lead, first, text, second, items = SECTIONS[language]
    body = f"{lead}\n\n### {first}\n{text}\n\n### {second}\n– {items[0]}\n\n– {items[1]}\n\n# Other\nMore."
    passages = segment_passages(body)

    assert passages[0] == ("", f"{lead}\n{first}:\n{text}\n{second}:\n– {items[0]}\n– {items[1]}")
    assert passages[1] == ("Other", "More.")


@pytest.mark.parametrize(
    "bullet", ["–", "—", "•", "·", "▪", "✓", "✔", "✅", "→", "a)", "a."], ids=lambda bullet: f"bullet {bullet}"
)
@pytest.mark.parametrize("language", list(SECTIONS))
def test_a_list_with_blank_lines_between_items_stays_one_list_whatever_its_bullet(language: str, bullet: str) -> None:
    lead, _, _, _, items = SECTIONS[language]
    markers = [bullet, "b" + bullet[1:]] if bullet.startswith("a") else [bullet, bullet]
    body = f"{lead}\n\n{markers[0]} {items[0]}\n\n{markers[1]} {items[1]}"

    assert [text for _, text in segment_passages(body)] == [f"{lead}\n{markers[0]} {items[0]}\n{markers[1]} {items[1]}"]


TABLES = {
    "en": ("Prices include VAT.", "| Treatment | Price |", "| Filling | 80 € |"),
    "es": ("Los precios incluyen IVA.", "| Tratamiento | Precio |", "| Empaste | 80 € |"),
    "pt": ("Os preços incluem IVA.", "| Tratamento | Preço |", "| Obturação | 80 € |"),
    "vi": ("Giá đã bao gồm VAT.", "| Điều trị | Giá |", "| Trám răng | 80 € |"),
}


@pytest.mark.parametrize("language", list(TABLES))
def test_a_table_stays_with_its_lead_and_a_list_under_a_heading_is_led_by_it(language: str) -> None:
    lead, header, row = TABLES[language]
    body = f"## {header.split('|')[1].strip()}\n{header}\n|---|---|\n{row}\n\n{lead}\n\n{header}\n|---|---|\n{row}"
    title = header.split("|")[1].strip()

    assert segment_passages(body) == [
        (title, f"{title}:\n{header}\n|---|---|\n{row}"),
        (title, f"{lead}\n{header}\n|---|---|\n{row}"),
    ]


@pytest.mark.parametrize("language", list(SECTIONS))
def test_a_colon_with_nothing_after_it_is_no_passage(language: str) -> None:
    lead, _, text, _, _ = SECTIONS[language]

    assert [text for _, text in segment_passages(f"{text}\n\n{lead}")] == [text]


def _articles() -> list[Article]:
    articles: list[Article] = []
    for language, (lead, first, text, second, items) in SECTIONS.items():
        body = f"{lead}\n\n### {first}\n{text}\n\n### {second}\n– {items[0]}\n\n– {items[1]}"
        articles.append(Article(id="KB-CONTACT", title=lead.rstrip(":"), topic="hours", language=language, body=body))
        articles.append(
            Article(
                id="KB-BOOK",
                title=STEPS[language][0].rstrip(":"),
                topic="book",
                language=language,
                body=_steps(language, "   "),
            )
        )
    return articles


QUESTIONS = [
    ("en", "when is the reception open?", "KB-CONTACT"),
    ("es", "¿cuándo está abierta la recepción?", "KB-CONTACT"),
    ("pt", "quando está aberta a receção?", "KB-CONTACT"),
    ("vi", "lễ tân làm việc khi nào?", "KB-CONTACT"),
    ("en", "how do I book an appointment?", "KB-BOOK"),
    ("es", "¿cómo pido cita?", "KB-BOOK"),
    ("pt", "como marco uma consulta?", "KB-BOOK"),
    ("vi", "đặt lịch hẹn thế nào?", "KB-BOOK"),
]


@pytest.mark.parametrize(("language", "question", "article"), QUESTIONS)
def test_an_answer_never_ends_on_a_colon_or_mid_list(language: str, question: str, article: str) -> None:
    found = KnowledgeBase(default_embedder(), _articles()).answer(question, language=language, min_score=0.75)

    assert found is not None and found.article_id == article and found.language == language
    assert not found.passage.rstrip().endswith(":"), found.passage
    last = SECTIONS[language][4][1] if article == "KB-CONTACT" else STEPS[language][4]
    assert found.passage.rstrip().endswith(last), found.passage
