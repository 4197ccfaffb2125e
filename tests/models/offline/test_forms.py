"""Generated verb forms: enclitic pronouns, every form of address, accents dropped."""

from __future__ import annotations

import pytest

from relevo.models.offline import detect_sensitive
from relevo.models.offline._forms import verb_forms


@pytest.mark.parametrize(
    ("infinitive", "language", "forms"),
    [
        ("denunciar", "es", ["denunciaros", "denunciarlos", "denunciarles", "denunciare", "denunciandolos"]),
        ("pasar", "es", ["pasame", "paseme", "pasenme", "pasadme", "pasarme", "pasaos"]),
        ("comunicar", "es", ["comuniqueme", "comuniquenme", "comunicame", "comunicadme"]),
        ("transferir", "es", ["transferirme", "transferidme", "transferiendome"]),
        ("processar", "pt", ["processa-los", "processar-me", "processarei", "me processa"]),
        ("passar", "pt", ["passa-me", "me passe", "passando-me"]),
    ],
)
def test_forms_customers_write_are_generated(infinitive: str, language: str, forms: list[str]) -> None:
    generated = verb_forms(infinitive, language)
    for form in forms:
        assert form in generated


def test_bare_imperatives_and_nouns_are_left_out() -> None:
    # "demanda" and "proceso" are nouns as much as verbs: generating them would flag "la demanda de productos".
    assert "demanda" not in verb_forms("demandar", "es")
    assert "processo" not in verb_forms("processar", "pt")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("voy a denunciaros", "es"),
        ("os voy a denunciar", "es"),
        ("voy a demandarlos a todos", "es"),
        ("denúncienlos", "es"),
        ("vou processá-los", "pt"),
        ("vou denunciá-los", "pt"),
        ("vou te processar", "pt"),
    ],
)
def test_legal_threats_in_generated_forms_are_sensitive(text: str, language: str) -> None:
    assert [m.topic for m in detect_sensitive(text, language)] == ["legal_threat"]


@pytest.mark.parametrize(("text", "language"), [("la demanda de productos es alta", "es"), ("processo de troca", "pt")])
def test_nouns_sharing_a_stem_are_not_threats(text: str, language: str) -> None:
    assert detect_sensitive(text, language) == []
