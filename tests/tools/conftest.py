"""Fixtures for the tools tests: a context factory with a pinned clock and ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from relevo.tools import ToolContext, sequential_ids

Contexts = Callable[..., ToolContext]


@pytest.fixture
def contexts() -> Contexts:
    """Build a ``ToolContext``; keyword arguments override the defaults."""

    def make(customer_id: str | None = None, services: tuple[object, ...] = ()) -> ToolContext:
        return ToolContext(
            now=lambda: datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
            new_id=sequential_ids(),
            conversation_id="conv-test",
            customer_id=customer_id,
            services=services,
        )

    return make
