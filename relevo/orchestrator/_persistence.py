"""Conversation persistence: LangGraph checkpointers that revive relevo's typed state."""

from __future__ import annotations

import inspect
import sqlite3
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import BaseModel

import relevo.contracts as contracts
from relevo._errors import StorageError

__all__ = ["open_sqlite_checkpointer", "relevo_serializer"]


def relevo_serializer() -> JsonPlusSerializer:
    """A serializer that revives relevo's contract types, and only those, from checkpoints."""
    allowed = [
        (obj.__module__, obj.__name__)
        for _, obj in inspect.getmembers(contracts, inspect.isclass)
        if issubclass(obj, BaseModel)
    ]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


def open_sqlite_checkpointer(path: Path) -> SqliteSaver:
    """A SQLite checkpointer at ``path`` (created if missing), in WAL mode so readers never block the writer.

    Raises:
        StorageError: the file cannot be opened or is not a database.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn, serde=relevo_serializer())
        saver.setup()
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open the conversation store {path}: {exc}") from exc
    return saver
