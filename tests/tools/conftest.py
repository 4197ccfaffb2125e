"""Fixtures for the tools tests: the demo store and a context factory with a pinned clock and ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from relevo.demo import DemoStore
from relevo.tools import ToolContext, sequential_ids

Contexts = Callable[..., ToolContext]


@pytest.fixture
def store() -> DemoStore:
    return DemoStore.load()


@pytest.fixture
def contexts(store: DemoStore) -> Contexts:
    """Build a ``ToolContext`` on the demo store; keyword arguments override the defaults."""

    def make(customer_id: str | None = None, granted_so_far: float = 0.0) -> ToolContext:
        return ToolContext(
            store=store,
            now=lambda: datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
            new_id=sequential_ids(),
            conversation_id="conv-test",
            customer_id=customer_id,
            granted_so_far=granted_so_far,
        )

    return make
