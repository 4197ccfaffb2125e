"""What every PostgreSQL-backed store of relevo does the same way: create its tables once, name errors well."""

from __future__ import annotations

import psycopg

from relevo._errors import StorageError

__all__ = ["create_schema", "first_line"]


def first_line(exc: BaseException) -> str:
    """The first line of a database error (psycopg's messages go on with hints and context)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def create_schema(url: str, schema: str, *, lock: int, timeout_s: float, what: str, where: str) -> None:
    """Run ``schema`` (idempotent DDL) under the advisory lock ``lock``, so processes starting together do not
    race on Postgres' catalog.

    Raises:
        StorageError: the database is unreachable or refuses the DDL (the message names ``what`` and ``where``,
            never the password).
    """
    try:
        with (
            psycopg.connect(url, autocommit=True, connect_timeout=max(1, round(timeout_s))) as conn,
            conn.transaction(),
        ):
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
            conn.execute(schema.encode())
    except psycopg.Error as exc:
        raise StorageError(f"cannot open the {what} in {where}: {first_line(exc)}") from exc
