"""Scale-out conversation state: LangGraph's Postgres checkpointer on the real server at 127.0.0.1:5432."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from relevo._config import load_config
from relevo._errors import StorageError
from relevo.contracts import HumanAgentMessage
from relevo.demo import desk as demo_desk
from relevo.orchestrator import DeskBuilder, RunContext, open_postgres_checkpointer
from relevo.orchestrator._persistence import describe_database_url


def _builder(module_database_url: str) -> DeskBuilder:
    return demo_desk(load_config(overrides={"storage": {"database_url": module_database_url}}))


def test_a_conversation_continues_on_a_second_desk_with_its_own_pool(
    module_database_url: str, tmp_path: Path, run_context: RunContext
) -> None:
    # Two desks open at once, as two server processes would be: each has its own connection pool (and data dir).
    with (
        _builder(module_database_url).open_with_context(tmp_path / "a", run_context) as first,
        _builder(module_database_url).open_with_context(tmp_path / "b", run_context) as second,
    ):
        assert first.checkpointer is not second.checkpointer
        conv = first.start(customer_id="C-1001")
        found = first.send(conv, "Where is my order?")
        assert found.reply is not None and "ORD-1042" in found.reply

        escalated = second.send(conv, "I want to talk to a person please")
        assert escalated.mode == "pending_human"
        assert second.state(conv).fact("order_id") is not None, "the second desk sees the first desk's facts"
        assert escalated.packet is not None
        assert any(f.name == "order_id" and f.value == "ORD-1042" for f in escalated.packet.facts)

        assert first.takeover(conv, "Ana").mode == "human_active"
        assert second.state(conv).mode == "human_active"
        assert second.state(conv).assigned_agent == "Ana"
        second.human_reply(conv, "Hi Maria, I upgraded ORD-1042 to express delivery.")
        back = first.hand_back(conv, "Upgraded ORD-1042 to express delivery")
        assert back.mode == "ai_active"
        follow = second.send(conv, "Can you confirm the status of my order?")
        assert follow.reply is not None and "ORD-1042" in follow.reply
        assert "order number" not in follow.reply.lower(), "nothing known is asked again"

    # And after both are closed, a third desk (a restarted process) finds it all.
    with _builder(module_database_url).open_with_context(tmp_path / "c", run_context) as third:
        state = third.state(conv)
        assert state.mode == "ai_active"
        assert any(isinstance(m, HumanAgentMessage) and "express" in m.text for m in state.messages)
        assert third.resolve(conv).mode == "closed"


def test_processes_starting_together_set_up_the_tables_once(module_database_url: str) -> None:
    errors: list[BaseException] = []
    savers: list[object] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            saver = open_postgres_checkpointer(module_database_url, max_connections=1)
            savers.append(saver)
            saver.conn.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(savers) == 4


def test_an_unreachable_database_is_a_storage_error_without_the_password() -> None:
    url = "postgresql://relevo:s3cret-pw@127.0.0.1:1/relevo"
    shown = r"cannot open the conversation database postgresql://relevo:\*\*\*@127\.0\.0\.1:1/relevo"
    with pytest.raises(StorageError, match=shown) as err:
        open_postgres_checkpointer(url, timeout_s=2)
    assert "s3cret-pw" not in str(err.value)


def test_a_missing_database_is_named(module_database_url: str) -> None:
    missing = module_database_url.rsplit("/", 1)[0] + "/relevo_no_such_database"
    with pytest.raises(StorageError, match="relevo_no_such_database"):
        open_postgres_checkpointer(missing, timeout_s=2)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:pw@db.example:5433/relevo", "postgresql://app:***@db.example:5433/relevo"),
        ("postgresql://app@db/relevo", "postgresql://app@db/relevo"),
        ("host=db user=app password=pw dbname=relevo", "host=db user=app password=*** dbname=relevo"),
    ],
)
def test_database_urls_are_shown_without_passwords(url: str, shown: str) -> None:
    assert describe_database_url(url) == shown
