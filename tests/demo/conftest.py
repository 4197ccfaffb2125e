"""Fixtures for the demo shop's tests: the demo store and a tool context factory on it."""

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
            now=lambda: datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
            new_id=sequential_ids(),
            conversation_id="conv-test",
            customer_id=customer_id,
            facts={"compensation_granted_total": f"{granted_so_far:.2f}"} if granted_so_far else {},
            services=(store,),
        )

    return make
