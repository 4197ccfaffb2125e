"""The SQLite checkpointer stores channel values once per version, revives them whole, and erases them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from relevo._config import load_config
from relevo.orchestrator import DeskBuilder
from relevo.orchestrator._context import RunContext
from relevo.orchestrator._persistence import open_sqlite_checkpointer


def _talk(tmp_path: Path, run_context: RunContext, turns: list[str]) -> str:
    with DeskBuilder(load_config()).open_with_context(tmp_path, run_context) as desk:
        conv = desk.start(customer_id="C-1001")
        for text in turns:
            desk.send(conv, text)
        return conv


def test_a_reopened_store_revives_the_whole_state_and_its_history(tmp_path: Path, run_context: RunContext) -> None:
    conv = _talk(tmp_path, run_context, ["Hi", "where is my order ORD-1042?", "I want to talk to a human"])
    with DeskBuilder(load_config()).open_with_context(tmp_path, run_context) as desk:
        state = desk.state(conv)
        assert state.mode == "pending_human" and state.packet is not None
        assert [m.text for m in state.messages if m.kind == "customer"][-1] == "I want to talk to a human"
        history = list(desk.graph.get_state_history({"configurable": {"thread_id": conv}}))
        sizes = [len(h.values.get("messages", [])) for h in history]
        assert sizes[0] == len(state.messages) and min(sizes) < sizes[0], "older checkpoints hold older states"


def test_checkpoint_rows_hold_no_channel_values_and_each_version_is_stored_once(
    tmp_path: Path, run_context: RunContext
) -> None:
    conv = _talk(tmp_path, run_context, ["Hi", "how do I return an item?", "and the refund?", "thanks"])
    saver = open_sqlite_checkpointer(tmp_path / "conversations.sqlite")
    try:
        rows = saver.conn.execute("SELECT type, checkpoint FROM checkpoints WHERE thread_id = ?", (conv,)).fetchall()
        assert len(rows) > 10
        for kind, blob in rows:
            assert saver.serde.loads_typed((kind, blob))["channel_values"] == {}
        per_version = saver.conn.execute(
            "SELECT channel, version, COUNT(*) FROM relevo_blobs WHERE thread_id = ? GROUP BY channel, version",
            (conv,),
        ).fetchall()
        assert all(count == 1 for _, _, count in per_version)
        messages = [v for channel, v, _ in per_version if channel == "messages"]
        # one stored transcript per change of the transcript, not one per step of every turn
        assert len(messages) < len(rows) / 2
    finally:
        saver.conn.close()


def test_deleting_a_thread_erases_its_values(tmp_path: Path, run_context: RunContext) -> None:
    keep = _talk(tmp_path, run_context, ["Hello"])
    gone = _talk(tmp_path, run_context, ["My card number is 4111 1111 1111 1111, where is ORD-1042?"])
    saver = open_sqlite_checkpointer(tmp_path / "conversations.sqlite")
    try:
        saver.delete_thread(gone)
        assert saver.get_tuple({"configurable": {"thread_id": gone}}) is None
        count = saver.conn.execute("SELECT COUNT(*) FROM relevo_blobs WHERE thread_id = ?", (gone,)).fetchone()
        assert count == (0,)
        assert saver.get_tuple({"configurable": {"thread_id": keep}}) is not None
    finally:
        saver.conn.close()
    with sqlite3.connect(tmp_path / "conversations.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM relevo_blobs WHERE thread_id = ?", (keep,)).fetchone()[0] > 0
