"""Loading demo-format files: clear configuration errors, and the in-memory store's behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from relevo._errors import ConfigurationError
from relevo.demo import DATA_DIR, DemoStore, load_articles, load_intent_catalog, load_store_data

ARTICLE = """---
id: KB-TEST-01
title: A test article
topic: orders
language: {language}
---
Body text.
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"store\.yaml: cannot read file"):
        load_store_data(tmp_path / "store.yaml")


def test_yaml_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "intents.yaml", "intents:\n  - name: greeting\n    examples: [unclosed\n")
    with pytest.raises(ConfigurationError, match=r"intents\.yaml: invalid YAML at line 4"):
        load_intent_catalog(path)


def test_validation_error_names_the_field_path(tmp_path: Path) -> None:
    text = (DATA_DIR / "store.yaml").read_text(encoding="utf-8").replace("tier: gold", "tier: diamond", 1)
    path = write(tmp_path / "store.yaml", text)
    with pytest.raises(ConfigurationError, match=r"not a valid StoreData: customers\.0\.tier: Input should be"):
        load_store_data(path)


def test_dangling_references_are_reported(tmp_path: Path) -> None:
    text = (DATA_DIR / "store.yaml").read_text(encoding="utf-8").replace("customer_id: C-1001", "customer_id: C-0000")
    path = write(tmp_path / "store.yaml", text)
    with pytest.raises(ConfigurationError, match="order ORD-0987 refers to unknown customer C-0000"):
        load_store_data(path)


def test_repeated_intent_names(tmp_path: Path) -> None:
    intent = "  - {name: greeting, description: d, queue: general, skill: general, examples: {en: [hi]}}\n"
    path = write(tmp_path / "intents.yaml", "intents:\n" + intent * 2)
    with pytest.raises(ConfigurationError, match="intent names must be unique; repeated: greeting"):
        load_intent_catalog(path)


def test_articles_load_with_front_matter(tmp_path: Path) -> None:
    write(tmp_path / "test.en.md", ARTICLE.format(language="en"))
    write(tmp_path / "test.es.md", ARTICLE.format(language="es"))
    articles = load_articles(tmp_path)
    assert [(a.id, a.language, a.title, a.body) for a in articles] == [
        ("KB-TEST-01", "en", "A test article", "Body text."),
        ("KB-TEST-01", "es", "A test article", "Body text."),
    ]


def test_article_language_must_match_the_file_name(tmp_path: Path) -> None:
    write(tmp_path / "test.pt.md", ARTICLE.format(language="es"))
    with pytest.raises(ConfigurationError, match="front matter says language 'es' but the file name says 'pt'"):
        load_articles(tmp_path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("test.md", ARTICLE.format(language="en"), r"article files must be named <slug>\.<lang>\.md"),
        ("test.en.md", "no front matter\n", "missing front matter"),
        ("test.en.md", "---\n- a list\n---\nbody\n", "front matter must be a mapping"),
        ("test.en.md", "---\nid: [unclosed\n---\nbody\n", "invalid YAML at line 2"),
        (
            "test.en.md",
            ARTICLE.format(language="en").replace("topic: orders", "topic:"),
            r"not a valid Article: topic",
        ),
    ],
)
def test_malformed_articles(tmp_path: Path, name: str, text: str, message: str) -> None:
    write(tmp_path / name, text)
    with pytest.raises(ConfigurationError, match=message):
        load_articles(tmp_path)


def test_missing_kb_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="knowledge-base directory not found"):
        load_articles(tmp_path / "kb")


# -- DemoStore ------------------------------------------------------------------------------------------


def test_lookups_ignore_case_and_phone_formatting() -> None:
    store = DemoStore.load()
    assert store.order("ord-1042") == store.order("ORD-1042") is not None
    for written in ("+351 912 345 678", "00351-912-345-678", "(+351) 912345678", "MARIA.SILVA@example.com"):
        found = store.find_customer(written)
        assert found is not None and found.id == "C-1001", written
    assert store.find_customer("+351 000") is None
    assert store.find_customer("") is None
    assert store.customer("C-9999") is None
    assert store.product("aud-100") is not None


def test_orders_for_is_newest_first_and_only_the_customers() -> None:
    store = DemoStore.load()
    assert [o.id for o in store.orders_for("C-1007")] == ["ORD-1050", "ORD-1051"]
    assert store.orders_for("C-9999") == []


def test_tickets_are_numbered_and_kept() -> None:
    store = DemoStore.load()
    assert store.create_ticket("C-1001", "First", "body") == "T-3001"
    assert store.create_ticket(None, "Second", "body", "urgent") == "T-3002"
    assert [(t.id, t.customer_id, t.priority) for t in store.tickets] == [
        ("T-3001", "C-1001", "normal"),
        ("T-3002", None, "urgent"),
    ]
    store.tickets.clear()  # a copy: the store's own list is untouched
    assert len(store.tickets) == 2
