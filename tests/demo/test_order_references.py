"""The shop recognises order numbers through the ``order_id`` fact its intents.yaml declares (not the engine)."""

from __future__ import annotations

import pytest

from relevo.contracts import IntentCatalog
from relevo.demo import load_intent_catalog
from relevo.demo._skill import mentioned_order_ids


@pytest.fixture(scope="module")
def catalog() -> IntentCatalog:
    return load_intent_catalog().with_builtins()


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("ORD-1042", ["ORD-1042"]),
        ("ord 1042", ["ORD-1042"]),
        ("ORD-ab12 please", ["ORD-AB12"]),
        ("order #1042 is late", ["ORD-1042"]),
        ("my order number is 1042", ["ORD-1042"]),
        ("Order no. 778899", ["ORD-778899"]),
        ("pedido 1042", ["ORD-1042"]),
        ("¿Dónde está mi pedido ORD-1055?", ["ORD-1055"]),
        ("pedido nº 5567", ["ORD-5567"]),
        ("o pedido número 1042 não chegou", ["ORD-1042"]),
        ("Quero o reembolso de 149 euros do pedido ORD-1052", ["ORD-1052"]),
        ("đơn hàng 1042", ["ORD-1042"]),
        ("ĐƠN HÀNG 1042 chưa tới", ["ORD-1042"]),
        ("Mã đơn: 12345", ["ORD-12345"]),
        ("commande n° 4455", ["ORD-4455"]),
        ("ORD1042 and ord-1042, also order 2077", ["ORD-1042", "ORD-2077"]),
        ("order 150 euros", []),
        ("pedido de 3000 pesos", []),
        ("I ordered 3 items in 2023", []),
        ("hoàn 2 triệu cho đơn", []),
    ],
)
def test_the_declared_pattern_reads_order_numbers_in_every_language(
    catalog: IntentCatalog, text: str, ids: list[str]
) -> None:
    assert mentioned_order_ids(catalog, text) == ids


def test_the_catalog_declares_the_order_fact_with_a_question_per_language(catalog: IntentCatalog) -> None:
    spec = next(f for f in catalog.fact_specs() if f.name == "order_id")

    assert set(spec.ask) == {"en", "es", "pt", "vi"}


def test_a_catalog_without_the_fact_names_no_order(catalog: IntentCatalog) -> None:
    bare = IntentCatalog(intents=catalog.intents)

    assert mentioned_order_ids(bare, "ORD-1042") == []
