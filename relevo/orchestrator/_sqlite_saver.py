"""A SQLite checkpointer that stores each channel value once per version, not the whole state at every step.

LangGraph's ``SqliteSaver`` serialises the complete state into every checkpoint: a turn of five steps writes the
whole transcript five times, and a conversation's file grows with the square of its length. This saver keeps
``SqliteSaver``'s tables and behaviour but moves channel values into ``relevo_blobs`` keyed by channel and version
(the layout LangGraph's Postgres saver uses): a step writes only the channels it changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.sqlite import SqliteSaver

__all__ = ["BlobSqliteSaver"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS relevo_blobs (
    thread_id TEXT NOT NULL,
    checkpoint_ns TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    version TEXT NOT NULL,
    type TEXT NOT NULL,
    blob BLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, channel, version)
)
"""
_EMPTY = "empty"


class BlobSqliteSaver(SqliteSaver):
    """``SqliteSaver`` with channel values stored per (channel, version); see the module docstring."""

    def setup(self) -> None:
        if self.is_setup:
            return
        super().setup()
        self.conn.execute(_SCHEMA)
        self.conn.commit()

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        thread_id, namespace = _thread(config)
        values = checkpoint["channel_values"]
        rows: list[tuple[str, str, str, str, str, bytes | None]] = []
        for channel, version in new_versions.items():
            if channel in values:
                kind, blob = self.serde.dumps_typed(values[channel])
            else:
                kind, blob = _EMPTY, None
            rows.append((thread_id, namespace, channel, str(version), kind, blob))
        bare: Checkpoint = {**checkpoint, "channel_values": {}}
        kind, serialized = self.serde.dumps_typed(bare)
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False).encode("utf-8", "ignore")
        with self.cursor() as cur:  # one transaction: the blobs and the checkpoint that names them
            cur.executemany(
                "INSERT OR REPLACE INTO relevo_blobs (thread_id, checkpoint_ns, channel, version, type, blob) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            cur.execute(
                "INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
                "type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    thread_id,
                    namespace,
                    checkpoint["id"],
                    config.get("configurable", {}).get("checkpoint_id"),
                    kind,
                    serialized,
                    meta,
                ),
            )
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": namespace, "checkpoint_id": checkpoint["id"]}}

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        found = super().get_tuple(config)
        return self._hydrate(found) if found is not None else None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        # SqliteSaver.list holds its lock while it yields; read the page first, then hydrate each checkpoint.
        page = [*super().list(config, filter=filter, before=before, limit=limit)]
        for found in page:
            yield self._hydrate(found)

    def has_thread(self, thread_id: str) -> bool:
        """Whether any checkpoint of ``thread_id`` exists (without loading it)."""
        with self.cursor(transaction=False) as cur:
            cur.execute("SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1", (str(thread_id),))
            return cur.fetchone() is not None

    def delete_thread(self, thread_id: str) -> None:
        super().delete_thread(thread_id)
        with self.cursor() as cur:
            cur.execute("DELETE FROM relevo_blobs WHERE thread_id = ?", (str(thread_id),))

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        # The base implementation walks checkpoints through get_tuple/list, which hydrate blobs; SqliteSaver's
        # fast path reads channel values from the checkpoint rows, where this saver keeps none.
        return super(SqliteSaver, self).get_delta_channel_history(config=config, channels=channels)

    def _hydrate(self, found: CheckpointTuple) -> CheckpointTuple:
        checkpoint = found.checkpoint
        versions = checkpoint.get("channel_versions", {})
        if not versions:
            return found
        thread_id, namespace = _thread(found.config)
        pairs = [part for channel, version in versions.items() for part in (channel, str(version))]
        values: dict[str, Any] = dict(checkpoint.get("channel_values", {}))
        with self.cursor(transaction=False) as cur:
            cur.execute(
                "SELECT channel, type, blob FROM relevo_blobs WHERE thread_id = ? AND checkpoint_ns = ?"
                f" AND (channel, version) IN (VALUES {','.join(['(?, ?)'] * len(versions))})",
                (thread_id, namespace, *pairs),
            )
            for channel, kind, blob in cur.fetchall():
                if kind != _EMPTY:
                    values[channel] = self.serde.loads_typed((kind, blob))
        return found._replace(checkpoint={**checkpoint, "channel_values": values})


def _thread(config: RunnableConfig) -> tuple[str, str]:
    configurable = config.get("configurable", {})
    return str(configurable["thread_id"]), str(configurable.get("checkpoint_ns", ""))
