"""One writer per embedded data directory: a second server, or an erasure while a server runs, is refused at
start with a clear message (never a server that silently drops messages); the lock goes with the process."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from serve_harness import Completions, serve_settings

from relevo._config import load_config
from relevo._data_dir_lock import DataDirLock
from relevo._errors import StorageError
from relevo.channels import ChannelGateway
from relevo.cli import main
from relevo.contracts import AIMessage
from relevo.orchestrator import RunContext
from relevo.server import open_runtime
from relevo.server._sqlite_store import SqliteServeStore

_SECOND_PROCESS = """
import sys
from pathlib import Path
from relevo._errors import StorageError
from relevo._data_dir_lock import DataDirLock
try:
    DataDirLock(Path(sys.argv[1]))
except StorageError as exc:
    print(exc)
    sys.exit(3)
sys.exit(0)
"""


def _second_process(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS, str(data_dir)], capture_output=True, text=True, timeout=60
    )


def test_a_second_server_on_the_same_data_dir_is_refused_at_start(
    tmp_path: Path, run_context: RunContext, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    settings = serve_settings(data_dir)
    first = open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway.from_env({}))
    try:
        second = _second_process(data_dir)
        assert second.returncode == 3, second.stderr
        assert f"the data directory {data_dir} is in use by relevo serve (pid " in second.stdout
        assert "RELEVO_DATABASE_URL and RELEVO_CHROMA_URL" in second.stdout, "the message says what to do instead"
        with pytest.raises(StorageError, match=r"in use by relevo serve \(pid \d+\)"):
            open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway.from_env({}))
        assert main(["memory", "forget", "C-1001", "--data-dir", str(data_dir)]) == 1
        assert "relevo memory forget: the data directory" in capsys.readouterr().err
        script = tmp_path / "script.txt"
        script.write_text("hello\n")
        assert main(["chat", "--script", str(script), "--data-dir", str(data_dir)]) == 1
        assert "relevo chat: the data directory" in capsys.readouterr().err
    finally:
        first.close()
    assert _second_process(data_dir).returncode == 0, "a stopped server releases the directory"


def test_scale_out_needs_no_lock_and_the_lock_is_reentrant_after_release(tmp_path: Path) -> None:
    assert DataDirLock.needed("", "") and DataDirLock.needed("postgresql://db", "")
    assert DataDirLock.needed("", "http://chroma:8000")
    assert not DataDirLock.needed("postgresql://db", "http://chroma:8000")
    lock = DataDirLock(tmp_path)
    lock.release()
    lock.release()  # idempotent
    DataDirLock(tmp_path).release()


_DIES_HOLDING_A_LEASE = """
import os, signal, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from relevo.server import Inbound
from relevo.server._sqlite_store import SqliteServeStore
store = SqliteServeStore(Path(sys.argv[1]) / "serve.sqlite")
store.put(Inbound(channel="whatsapp", message_id="wamid.orphan", handle="351910000042", text=sys.argv[2],
                  received_at=datetime.now(UTC)))
assert store.claim("a worker of a killed server", timedelta(hours=1)) is not None
with store.conversation_lock("conv-of-the-killed-server"):
    os.kill(os.getpid(), signal.SIGKILL)  # mid-turn: the lease and the conversation lock stay in the file
"""


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Where is my order?"),
        ("es", "¿Dónde está mi pedido?"),
        ("pt", "Onde está a minha encomenda?"),
        ("vi", "Đơn hàng của tôi đâu rồi?"),
    ],
)
def test_a_server_starting_on_its_data_dir_answers_what_a_killed_one_had_leased_at_once(
    tmp_path: Path, run_context: RunContext, monkeypatch: pytest.MonkeyPatch, language: str, text: str
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    killed = subprocess.run([sys.executable, "-c", _DIES_HOLDING_A_LEASE, str(data_dir), text], timeout=120)
    assert killed.returncode == -signal.SIGKILL
    # An hour's lease: without the release at start the message would wait that long.
    settings = serve_settings(data_dir, lease_seconds=3600)
    runtime = open_runtime(settings, config=load_config(), context=run_context, gateway=ChannelGateway())
    try:
        with sqlite3.connect(data_dir / "serve.sqlite") as db:
            assert db.execute("SELECT count(*) FROM leases").fetchone() == (0,)
            assert db.execute("SELECT count(*) FROM conversation_locks").fetchone() == (0,)
        assert isinstance(runtime.store, SqliteServeStore)
        done = Completions(runtime.store, monkeypatch)
        runtime.service.start()
        assert done.wait(1) == ["wamid.orphan"]
        conversation = runtime.store.current_conversation("whatsapp", "351910000042")
        assert conversation is not None
        [reply] = [m for m in runtime.desk.state(conversation).messages if isinstance(m, AIMessage)]
        assert reply.language == language
    finally:
        runtime.close()
