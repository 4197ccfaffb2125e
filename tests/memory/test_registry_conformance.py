"""One conformance suite for the memory registry: the SQLite file and PostgreSQL (scale-out mode)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from relevo.memory import CustomerRegistry
from relevo.memory._registry import Registry

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

Opener = Callable[[], Registry]


@pytest.fixture(params=["sqlite", "postgres"])
def open_registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens handles on one registry (a second handle is what another process would have)."""
    opened: list[Registry] = []
    if request.param == "sqlite":

        def opener() -> Registry:
            registry = CustomerRegistry(tmp_path / "registry.sqlite")
            opened.append(registry)
            return registry

    else:
        import psycopg

        from relevo.memory._registry_postgres import PostgresCustomerRegistry

        url: str = request.getfixturevalue("module_database_url")
        with psycopg.connect(url, autocommit=True) as conn:
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'relevo_memory_%'").fetchall()
            for (table,) in tables:
                conn.execute(f"TRUNCATE {table}")  # type: ignore[arg-type]

        def opener() -> Registry:
            registry = PostgresCustomerRegistry(url)
            opened.append(registry)
            return registry

    yield opener
    for registry in opened:
        registry.close()


@pytest.fixture
def registry(open_registry: Opener) -> Registry:
    return open_registry()


def test_consent_is_none_until_the_customer_chooses(registry: Registry) -> None:
    assert registry.consent("C-1") is None
    registry.set_consent("C-1", False, T0)
    assert registry.consent("C-1") is False
    registry.set_consent("C-1", True, T0 + timedelta(days=1))
    assert registry.consent("C-1") is True


def test_identities_resolve_case_and_space_insensitively(registry: Registry) -> None:
    registry.link("web", " Maria@Example.com ", "C-1")
    registry.link("whatsapp", "+351900000001", "C-1")
    assert registry.resolve("web", "maria@example.com") == "C-1"
    assert registry.resolve("whatsapp", "+351900000001") == "C-1"
    assert registry.resolve("sms", "+351900000001") is None
    assert registry.identities("C-1") == [("web", "maria@example.com"), ("whatsapp", "+351900000001")]
    registry.link("web", "maria@example.com", "C-2")
    assert registry.resolve("web", "maria@example.com") == "C-2", "a handle belongs to one customer"


def test_conversations_are_indexed_oldest_first(registry: Registry) -> None:
    registry.add_conversation("conv-b", "C-1", T0 + timedelta(hours=1))
    registry.add_conversation("conv-a", "C-1", T0)
    registry.add_conversation("conv-x", "C-2", T0)
    assert registry.conversations("C-1") == ["conv-a", "conv-b"]


def test_vault_tokens_are_stable_and_numbered_per_conversation(registry: Registry) -> None:
    first = registry.token_for("conv-1", "EMAIL", "maria@example.com")
    assert first == "[EMAIL_1]"
    assert registry.token_for("conv-1", "EMAIL", "maria@example.com") == first
    assert registry.token_for("conv-1", "EMAIL", "other@example.com") == "[EMAIL_2]"
    assert registry.token_for("conv-2", "EMAIL", "other@example.com") == "[EMAIL_1]"
    assert registry.reveal("conv-1", "mail [EMAIL_2] or [EMAIL_1], not [EMAIL_9]") == (
        "mail other@example.com or maria@example.com, not [EMAIL_9]"
    )
    assert registry.reveal("conv-2", "[EMAIL_2]") == "[EMAIL_2]", "tokens are per conversation"


def test_card_numbers_are_never_stored(registry: Registry) -> None:
    token = registry.token_for("conv-1", "CARD", "4111 1111 1111 1234")
    assert registry.reveal("conv-1", token) == "card ending 1234"


def test_secrets_are_created_once(open_registry: Opener) -> None:
    first, second = open_registry(), open_registry()
    assert first.secret("C-1", create=False) is None
    key = first.secret("C-1", create=True)
    assert key is not None and len(key) == 32
    assert second.secret("C-1", create=True) == key, "another handle (process) gets the same key"
    assert first.drop_secret("C-1") == 1
    assert second.secret("C-1", create=False) is None


def test_handles_racing_to_create_a_key_agree_on_one(open_registry: Opener) -> None:
    handles = [open_registry() for _ in range(3)]
    keys: list[bytes | None] = []
    start = threading.Barrier(len(handles))

    def make(handle: Registry) -> None:
        start.wait()
        keys.append(handle.secret("C-race", create=True))

    threads = [threading.Thread(target=make, args=(h,)) for h in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0] is not None


def test_outcomes_are_anonymous_counts(registry: Registry) -> None:
    registry.count_outcome("order_status", "resolved", "ai")
    registry.count_outcome("order_status", "resolved", "ai")
    registry.count_outcome("order_status", "escalated", "human")
    assert registry.outcomes("order_status") == {"resolved by ai": 2, "escalated by human": 1}
    assert registry.outcomes("refund_request") == {}


def test_forget_removes_everything_about_the_customer(registry: Registry) -> None:
    registry.set_consent("C-1", True, T0)
    registry.link("web", "maria@example.com", "C-1")
    registry.add_conversation("conv-1", "C-1", T0)
    registry.token_for("conv-1", "EMAIL", "maria@example.com")
    registry.token_for("conv-1", "PHONE", "+351900000001")
    registry.add_conversation("conv-2", "C-2", T0)
    registry.token_for("conv-2", "EMAIL", "bob@example.com")
    assert registry.secret("C-1", create=True)
    counts: dict[str, Any] = registry.forget("C-1")
    assert counts == {"vault_entries": 2, "identities": 1, "conversation_index": 1, "consent": 1, "keys": 1}
    assert registry.secret("C-1", create=False) is None
    assert registry.consent("C-1") is None
    assert registry.resolve("web", "maria@example.com") is None
    assert registry.conversations("C-1") == []
    assert registry.reveal("conv-1", "[EMAIL_1]") == "[EMAIL_1]"
    assert registry.reveal("conv-2", "[EMAIL_1]") == "bob@example.com", "other customers are untouched"
    assert isinstance(registry.compact(), str)


def test_handles_minting_tokens_at_once_never_share_a_number(open_registry: Opener) -> None:
    handles = [open_registry() for _ in range(3)]
    minted: list[tuple[str, str]] = []
    guard = threading.Lock()
    start = threading.Barrier(len(handles))

    def mint(index: int) -> None:
        start.wait()
        for n in range(10):
            value = f"person{index}-{n}@example.com"
            token = handles[index].token_for("conv-1", "EMAIL", value)
            with guard:
                minted.append((token, value))

    threads = [threading.Thread(target=mint, args=(i,)) for i in range(len(handles))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(minted) == 30
    assert len({token for token, _ in minted}) == 30, "one number per value"
    for token, value in minted:
        assert handles[0].reveal("conv-1", token) == value


def test_vault_scopes_are_read_and_dropped_exactly_or_by_prefix(registry: Registry) -> None:
    registry.token_for("inbox:web:h1:m1", "EMAIL", "ana@example.com")
    registry.token_for("inbox:web:h1:m1", "CARD", "4111 1111 1111 1111")
    registry.token_for("inbox:web:h1:m10", "PHONE", "+351900000002")
    registry.token_for("inbox:web:h2:m1", "EMAIL", "bob@example.com")
    assert registry.vault("inbox:web:h1:m1") == {
        "[EMAIL_1]": ("EMAIL", "ana@example.com"),
        "[CARD_1]": ("CARD", "card ending 1111"),
    }
    assert registry.drop_vault("inbox:web:h1:m1") == 2, "exact: m10 is another message"
    assert registry.vault("inbox:web:h1:m10") == {"[PHONE_1]": ("PHONE", "+351900000002")}
    assert registry.drop_vault("inbox:web:h1:", prefix=True) == 1
    assert registry.vault("inbox:web:h2:m1") == {"[EMAIL_1]": ("EMAIL", "bob@example.com")}, "other address kept"
