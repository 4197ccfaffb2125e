"""What the SQLite store adds to the shared conformance suite: real OS processes sharing one file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from relevo.server import Inbound, SqliteServeStore

WORKER = textwrap.dedent(
    """
    import json, sys, time
    from datetime import timedelta
    from pathlib import Path
    from relevo.server import SqliteServeStore

    store = SqliteServeStore(Path(sys.argv[1]))
    name = sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start together
    done = []
    idle = 0
    while idle < 20:
        claim = store.claim(name, timedelta(seconds=30))
        if claim is None:
            idle += 1
            continue
        idle = 0
        first = claim.messages[0]
        done.append(first.message_id)
        time.sleep(0.002)  # the turn
        store.complete(claim, [first.message_id])
    print(json.dumps(done))
    """
)

HOLDER = textwrap.dedent(
    """
    import sys
    from datetime import timedelta
    from pathlib import Path
    from relevo.server import SqliteServeStore

    store = SqliteServeStore(Path(sys.argv[1]), lock_ttl=timedelta(seconds=float(sys.argv[2])))
    with store.conversation_lock("conv-1"):
        print("locked", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
    """
)


def _python(code: str, *args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stdin=stdin,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )


def _message(n: int, handle: str) -> Inbound:
    return Inbound(
        channel="whatsapp", message_id=f"m{n:04d}", handle=handle, text=f"text {n}", received_at=datetime.now(UTC)
    )


def test_two_processes_share_the_inbox_and_process_every_message_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "serve.sqlite"
    store = SqliteServeStore(path)
    messages = [_message(n, f"+35191000{n % 10:04d}") for n in range(120)]
    for message in messages:
        assert store.put(message)
    workers = [_python(WORKER, str(path), f"w{n}", stdin=subprocess.PIPE) for n in range(2)]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [json.loads(w.communicate(timeout=120)[0]) for w in workers]
    done = outputs[0] + outputs[1]
    assert sorted(done) == [m.message_id for m in messages]  # each exactly once
    assert all(outputs)  # both processes did work
    for handle in {m.handle for m in messages}:
        expected = [m.message_id for m in messages if m.handle == handle]
        for output in outputs:  # within each process, an address's messages came in arrival order
            mine = [d for d in output if d in expected]
            assert mine == sorted(mine)
    assert store.pending("whatsapp", messages[0].handle) == 0


def test_the_conversation_lock_holds_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "serve.sqlite"
    here = SqliteServeStore(path, lock_ttl=timedelta(seconds=30))
    holder = _python(HOLDER, str(path), "30", stdin=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"
    acquired = threading.Event()

    def take() -> None:
        with here.conversation_lock("conv-1"):
            acquired.set()

    taker = threading.Thread(target=take)
    taker.start()
    assert not acquired.wait(0.5)  # blocked while the other process holds it
    with here.conversation_lock("conv-2"):  # other conversations are free
        pass
    holder.stdin.write("\n")
    holder.stdin.flush()
    assert acquired.wait(30)
    taker.join()
    assert holder.stdout.readline().strip() == "released"
    holder.wait(30)


def test_a_lock_held_by_a_killed_process_expires(tmp_path: Path) -> None:
    path = tmp_path / "serve.sqlite"
    here = SqliteServeStore(path, lock_ttl=timedelta(seconds=1))
    holder = _python(HOLDER, str(path), "1", stdin=subprocess.PIPE)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait(30)
    killed = time.monotonic()
    with here.conversation_lock("conv-1"):
        waited = time.monotonic() - killed
    assert waited < 10  # the dead holder's lease ran out; nobody waits forever


def test_processed_messages_keep_no_text(tmp_path: Path) -> None:
    path = tmp_path / "serve.sqlite"
    store = SqliteServeStore(path)
    store.put(_message(1, "+351910000001"))
    claim = store.claim("w", timedelta(seconds=30))
    assert claim is not None
    store.complete(claim, ["m0001"])
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT text FROM inbox").fetchall() == [(None,)]
