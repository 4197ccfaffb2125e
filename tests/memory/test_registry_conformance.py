"""One conformance suite for the memory registry: the SQLite file and PostgreSQL (scale-out mode)."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from relevo._errors import StorageError
from relevo.memory import CustomerRegistry
from relevo.memory._redact import PiiKind
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


RAW_VALUES: dict[PiiKind, str] = {
    "EMAIL": "maria.quartz7781@example.org",
    "PHONE": "+44 7911 123456",
    "IBAN": "PT50 0002 0123 1234 5678 9015 4",
    "ID_ES": "12345678Z",
}


def _stored(registry: Registry, request: pytest.FixtureRequest) -> bytes:
    """Every byte the registry keeps: its SQLite files (WAL included), or each PostgreSQL table's rows as text."""
    if isinstance(registry, CustomerRegistry):
        files = sorted(registry.path.parent.glob(f"{registry.path.name}*"))
        assert any(f.name.endswith("-wal") for f in files), "the scan must cover the write-ahead log"
        return b"".join(f.read_bytes() for f in files)
    import psycopg

    url: str = request.getfixturevalue("module_database_url")
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'relevo_memory_%'").fetchall()
        rows = [
            str(row[0])
            for (table,) in tables
            for row in conn.execute(f"SELECT t::text FROM {table} t").fetchall()  # type: ignore[arg-type]
        ]
    return "\n".join(rows).encode()


def _scope_keys(registry: Registry, request: pytest.FixtureRequest, scope: str) -> int:
    """How many vault keys the registry holds for ``scope``."""
    if isinstance(registry, CustomerRegistry):
        with sqlite3.connect(registry.path) as db:
            return int(db.execute("SELECT count(*) FROM vault_keys WHERE scope = ?", (scope,)).fetchone()[0])
    import psycopg

    with psycopg.connect(request.getfixturevalue("module_database_url"), autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM relevo_memory_vault_keys WHERE scope = %s", (scope,)).fetchone()
    return int(row[0]) if row else 0


def _forms(value: str) -> list[bytes]:
    return [value.encode(), value.replace(" ", "").encode(), re.sub(r"\D", "", value).encode() or value.encode()]


def test_the_vault_stores_no_raw_value_and_forget_shreds_its_key(
    registry: Registry, request: pytest.FixtureRequest
) -> None:
    registry.add_conversation("conv-1", "C-1", T0)
    tokens = {kind: registry.token_for("conv-1", kind, value) for kind, value in RAW_VALUES.items()}
    assert registry.vault("conv-1") == {tokens[kind]: (kind, value) for kind, value in RAW_VALUES.items()}
    assert registry.token_for("conv-1", "EMAIL", RAW_VALUES["EMAIL"]) == tokens["EMAIL"], "same value, same token"
    stored = _stored(registry, request)
    leaked = [form for value in RAW_VALUES.values() for form in _forms(value) if form in stored]
    assert leaked == [], f"raw values in the registry: {leaked}"
    assert _scope_keys(registry, request, "conv-1") == 1
    assert registry.forget("C-1")["vault_entries"] == len(RAW_VALUES)
    assert _scope_keys(registry, request, "conv-1") == 0, "the conversation's vault key goes with its entries"
    assert registry.vault("conv-1") == {}


def test_dropping_a_scope_drops_its_key(registry: Registry, request: pytest.FixtureRequest) -> None:
    registry.token_for("inbox:web:h1:m1", "EMAIL", "ana@example.com")
    registry.token_for("inbox:web:h1:m2", "EMAIL", "ana@example.com")
    assert registry.drop_vault("inbox:web:h1:m1") == 1
    assert _scope_keys(registry, request, "inbox:web:h1:m1") == 0
    assert _scope_keys(registry, request, "inbox:web:h1:m2") == 1
    assert registry.drop_vault("inbox:web:h1:", prefix=True) == 1
    assert _scope_keys(registry, request, "inbox:web:h1:m2") == 0


def _plaintext_rows() -> list[tuple[str, str, str, str]]:
    return [
        ("conv-old", "[EMAIL_1]", "EMAIL", RAW_VALUES["EMAIL"]),
        ("conv-old", "[PHONE_1]", "PHONE", RAW_VALUES["PHONE"]),
        ("conv-other", "[IBAN_1]", "IBAN", RAW_VALUES["IBAN"]),
    ]


def test_a_plaintext_vault_of_an_older_relevo_is_sealed_on_open(
    open_registry: Opener, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    old_table = "vault" if request.node.callspec.params["open_registry"] == "sqlite" else "relevo_memory_vault"
    old_schema = (
        f"CREATE TABLE {old_table} (conversation_id TEXT NOT NULL, token TEXT NOT NULL, kind TEXT NOT NULL, "
        "value TEXT NOT NULL, PRIMARY KEY (conversation_id, token))"
    )
    if old_table == "vault":
        with sqlite3.connect(tmp_path / "registry.sqlite") as db:
            db.execute(old_schema)
            db.executemany("INSERT INTO vault VALUES (?, ?, ?, ?)", _plaintext_rows())
    else:
        import psycopg

        with psycopg.connect(request.getfixturevalue("module_database_url"), autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS relevo_memory_vault, relevo_memory_vault_keys")
            conn.execute(old_schema.encode())
            for row in _plaintext_rows():
                conn.execute("INSERT INTO relevo_memory_vault VALUES (%s, %s, %s, %s)", row)
    registry = open_registry()
    assert registry.reveal("conv-old", "[EMAIL_1] / [PHONE_1]") == f"{RAW_VALUES['EMAIL']} / {RAW_VALUES['PHONE']}"
    assert registry.vault("conv-other") == {"[IBAN_1]": ("IBAN", RAW_VALUES["IBAN"])}
    assert registry.token_for("conv-old", "EMAIL", RAW_VALUES["EMAIL"]) == "[EMAIL_1]", "tokens survive migration"
    assert registry.token_for("conv-old", "EMAIL", "new@example.com") == "[EMAIL_2]"
    registry.token_for("conv-new", "EMAIL", "x@example.com")  # writes to the WAL, so the scan reads one
    stored = _stored(registry, request)
    leaked = [form for _, _, _, value in _plaintext_rows() for form in _forms(value) if form in stored]
    assert leaked == [], f"raw values left by the migration: {leaked}"
    assert open_registry().vault("conv-old")["[EMAIL_1]"] == ("EMAIL", RAW_VALUES["EMAIL"]), "reopening is a no-op"


def test_an_altered_vault_entry_is_refused(registry: Registry, request: pytest.FixtureRequest) -> None:
    registry.token_for("conv-1", "EMAIL", "ana@example.com")
    registry.token_for("conv-2", "EMAIL", "bob@example.com")
    # Move conv-2's sealed value onto conv-1's entry: it was sealed for another scope and token.
    if isinstance(registry, CustomerRegistry):
        with sqlite3.connect(registry.path) as db:
            db.execute(
                "UPDATE vault SET sealed = (SELECT sealed FROM vault WHERE conversation_id = 'conv-2') "
                "WHERE conversation_id = 'conv-1'"
            )
    else:
        import psycopg

        with psycopg.connect(request.getfixturevalue("module_database_url"), autocommit=True) as conn:
            conn.execute(
                "UPDATE relevo_memory_vault SET sealed = "
                "(SELECT sealed FROM relevo_memory_vault WHERE conversation_id = 'conv-2') "
                "WHERE conversation_id = 'conv-1'"
            )
    with pytest.raises(StorageError, match=r"vault entry \[EMAIL_1\] fails its integrity check"):
        registry.reveal("conv-1", "[EMAIL_1]")
