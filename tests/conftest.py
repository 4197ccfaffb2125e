"""Shared fixtures: one fitted offline engine per test session, a fresh data directory per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relevo._config import load_config
from relevo.orchestrator import DeskBuilder, RunContext, SupportDesk


@pytest.fixture(scope="session")
def run_context() -> RunContext:
    """The prebuilt support graph's context on the demo store (fits the classifier once per session)."""
    return DeskBuilder(load_config()).context()


@pytest.fixture
def desk(tmp_path: Path, run_context: RunContext) -> Iterator[SupportDesk]:
    """A desk on the shared context with its own conversation store."""
    builder = DeskBuilder(load_config())
    with builder.open_with_context(tmp_path / "data", run_context) as opened:
        yield opened
