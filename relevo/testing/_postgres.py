"""A throwaway PostgreSQL database per test run, so runs on one server never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from relevo.orchestrator._persistence import describe_database_url

__all__ = ["POSTGRES_ADMIN_URL", "postgres_unreachable", "scratch_database"]

POSTGRES_ADMIN_URL = os.environ.get("RELEVO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
"""The server tests create their databases on (``RELEVO_TEST_POSTGRES_URL`` overrides it)."""


def postgres_unreachable(admin_url: str = POSTGRES_ADMIN_URL) -> str | None:
    """Why no scratch database can be made on ``admin_url`` (None when one can)."""
    import psycopg

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"PostgreSQL at {describe_database_url(admin_url)} is unreachable: {first}"
    return None


@contextmanager
def scratch_database(admin_url: str = POSTGRES_ADMIN_URL, *, prefix: str = "relevo_test") -> Generator[str]:
    """Create an empty database next to ``admin_url``'s, yield its URL, then drop it (closing its sessions)."""
    import psycopg
    from psycopg import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
