"""Shared fixtures: one fitted offline engine per test session, a fresh data directory per test, scratch
PostgreSQL databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from relevo._config import load_config
from relevo.demo import desk as demo_desk
from relevo.orchestrator import DeskBuilder, RunContext, SupportDesk
from relevo.testing._postgres import postgres_unreachable, scratch_database
from relevo.testing._services import service_missing


@pytest.fixture(scope="session")
def run_context() -> RunContext:
    """The demo shop desk's context (fits the classifier once per session)."""
    return demo_desk(load_config()).context()


@pytest.fixture
def desk(tmp_path: Path, run_context: RunContext) -> Iterator[SupportDesk]:
    """A desk on the shared context with its own conversation store."""
    builder = DeskBuilder(load_config())
    with builder.open_with_context(tmp_path / "data", run_context) as opened:
        yield opened


def _scratch_postgres() -> Iterator[str]:
    reason = postgres_unreachable()
    if reason:
        service_missing(reason)
    with scratch_database() as url:
        yield url


@pytest.fixture
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards (a failure in CI when Postgres is missing)."""
    yield from _scratch_postgres()


@pytest.fixture(scope="module")
def module_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database shared by one test module."""
    yield from _scratch_postgres()


EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.fixture(scope="session")
def telecom_context() -> RunContext:
    """The example telecom desk's context (``examples/telecom``), fitted once per session."""
    from relevo.desks import load_desk

    return load_desk(EXAMPLES / "telecom").context()
