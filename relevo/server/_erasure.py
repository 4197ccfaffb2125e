"""A deployment's customer data, opened the way the server opens it: for ``relevo memory`` and erasure.

``relevo memory show/export/forget`` must read and erase the same stores ``relevo serve`` writes, in the
embedded mode (SQLite files and embedded Chroma in the data directory) and in scale-out mode (PostgreSQL and a
Chroma server) alike: :func:`open_customer_data` picks them from the same configuration, and
:func:`forget_customer` is the one erasure path over all of them.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from relevo._config import RelevoConfig
from relevo._data_dir_lock import DataDirLock
from relevo.memory import CustomerMemory, ForgetReceipt
from relevo.orchestrator import open_postgres_checkpointer, open_sqlite_checkpointer
from relevo.server._ports import ServeStore

__all__ = ["CustomerData", "forget_customer", "open_customer_data"]


@dataclass(frozen=True)
class CustomerData:
    """Every store of a deployment that holds customer data (None: that store was never created)."""

    memory: CustomerMemory
    checkpointer: BaseCheckpointSaver[Any] | None
    serve: ServeStore | None


@contextmanager
def open_customer_data(config: RelevoConfig, data_dir: Path, *, purpose: str) -> Generator[CustomerData]:
    """Open the deployment's stores as ``relevo serve`` does; in the embedded mode, as the data directory's
    one writer (a running server must be stopped first).

    Raises:
        StorageError: a store cannot be opened, or a server holds the data directory.
    """
    from relevo.server._runtime import open_serve_store

    database_url = config.storage.database_url
    with ExitStack() as stack:
        lock = DataDirLock.for_config(config, data_dir, purpose=purpose)
        if lock is not None:
            stack.callback(lock.release)
        memory = CustomerMemory.open(data_dir, config.memory, database_url=database_url)
        stack.callback(memory.close)
        checkpointer: BaseCheckpointSaver[Any] | None = None
        if database_url:
            postgres = open_postgres_checkpointer(database_url)
            stack.callback(postgres.conn.close)
            checkpointer = postgres
        elif (data_dir / "conversations.sqlite").exists():
            sqlite = open_sqlite_checkpointer(data_dir / "conversations.sqlite")
            stack.callback(sqlite.conn.close)
            checkpointer = sqlite
        serve: ServeStore | None = None
        if database_url or (data_dir / "serve.sqlite").exists():
            serve = open_serve_store(config, data_dir)
            stack.callback(serve.close)
        yield CustomerData(memory=memory, checkpointer=checkpointer, serve=serve)


def forget_customer(data: CustomerData, customer_id: str) -> ForgetReceipt:
    """Erase ``customer_id`` from every store of ``data``; the receipt counts what was deleted per store."""
    return data.memory.forget(customer_id, data.checkpointer, rows=[data.serve] if data.serve is not None else [])
