"""PostgresServeStore beyond the conformance suite: separate processes, races on the same delivery, privacy, errors."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from relevo._errors import StorageError
from relevo.server._ports import Inbound
from relevo.server._postgres_store import PostgresServeStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def msg(message_id: str, handle: str, text: str = "hello") -> Inbound:
    return Inbound(channel="whatsapp", message_id=message_id, handle=handle, text=text, received_at=T0)


_WORKER = textwrap.dedent(
    """
    import json, sys, time
    from datetime import timedelta
    from pathlib import Path
    from relevo.server._postgres_store import PostgresServeStore

    url, name, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    store = PostgresServeStore(url)
    print("ready", flush=True)
    sys.stdin.readline()
    while True:
        claim = store.claim(name, timedelta(seconds=60))
        if claim is None:
            if stop.exists():
                break
            time.sleep(0.005)
            continue
        began = time.monotonic()
        time.sleep(0.02)  # a turn: hold the address a while so the other process has to work around it
        print(json.dumps({"handle": claim.handle, "ids": [m.message_id for m in claim.messages],
                          "began": began, "ended": time.monotonic()}), flush=True)
        store.complete(claim, [m.message_id for m in claim.messages])
    store.close()
    """
)


def test_two_processes_share_the_inbox_without_overlap(database_url: str, tmp_path: Path) -> None:
    store = PostgresServeStore(database_url)
    addresses = [f"+3460000{n:04d}" for n in range(10)]
    for address in addresses:
        for n in range(3):
            store.put(msg(f"{address}-{n}", address))
    stop = tmp_path / "stop"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, database_url, name, str(stop)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("proc-a", "proc-b")
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        # More messages arrive while both processes work.
        for n in range(3, 6):
            for address in addresses:
                assert store.put(msg(f"{address}-{n}", address))
                assert not store.put(msg(f"{address}-{n}", address)), "the redelivery is a duplicate"
            time.sleep(0.03)
        deadline = time.monotonic() + 60
        while any(store.pending("whatsapp", a) for a in addresses) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.touch()
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        store.close()
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    claims = {
        name: [json.loads(line) for line in out.splitlines() if line.strip()]
        for name, (out, _) in zip(("proc-a", "proc-b"), outputs, strict=True)
    }
    assert claims["proc-a"] and claims["proc-b"], "both processes took work"
    every = [c for found in claims.values() for c in found]
    processed = [i for c in every for i in c["ids"]]
    assert sorted(processed) == sorted(f"{a}-{n}" for a in addresses for n in range(6)), "each message exactly once"
    for address in addresses:
        mine = sorted((c for c in every if c["handle"] == address), key=lambda c: c["began"])
        assert [i for c in mine for i in c["ids"]] == [f"{address}-{n}" for n in range(6)], "in arrival order"
        for earlier, later in itertools.pairwise(mine):
            assert earlier["ended"] <= later["began"], f"{address} was held by two processes at once"


def test_racing_deliveries_of_one_message_queue_it_once(database_url: str) -> None:
    stores = [PostgresServeStore(database_url) for _ in range(4)]
    results: list[bool] = []
    guard = threading.Lock()
    start = threading.Barrier(len(stores))

    def deliver(store: PostgresServeStore) -> None:
        start.wait()
        for n in range(20):
            accepted = store.put(msg(f"wamid.{n}", "+34600000001"))
            with guard:
                results.append(accepted)

    threads = [threading.Thread(target=deliver, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert results.count(True) == 20
        assert results.count(False) == 60
        assert stores[0].pending("whatsapp", "+34600000001") == 20
    finally:
        for store in stores:
            store.close()


def test_a_processed_message_keeps_only_its_key(database_url: str) -> None:
    store = PostgresServeStore(database_url)
    try:
        store.put(msg("wamid.1", "+34600000001", text="my card is 4111 1111 1111 1111"))
        claim = store.claim("w1", timedelta(seconds=30))
        assert claim is not None and "4111" in claim.messages[0].text
        store.complete(claim, ["wamid.1"])
    finally:
        store.close()
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT message_id, text, processed_at FROM relevo_inbox").fetchall()
    assert len(rows) == 1
    message_id, text, processed_at = rows[0]
    assert (message_id, text) == ("wamid.1", None)
    assert processed_at is not None


def test_processes_starting_together_create_the_schema_once(database_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            PostgresServeStore(database_url, max_connections=1).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with psycopg.connect(database_url) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'relevo%'"
            )
        }
    assert tables == {"relevo_inbox", "relevo_addresses", "relevo_directory", "relevo_board", "relevo_outbound"}


def test_a_lock_held_by_a_dead_process_is_released(database_url: str) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from relevo.server._postgres_store import PostgresServeStore\n"
            "store = PostgresServeStore(sys.argv[1])\n"
            "with store.conversation_lock('conv-1'):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(600)\n",
            database_url,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    store = PostgresServeStore(database_url)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        acquired = threading.Event()

        def wait_for_it() -> None:
            with store.conversation_lock("conv-1"):
                acquired.set()

        thread = threading.Thread(target=wait_for_it)
        thread.start()
        assert not acquired.wait(0.5), "the lock is held by the other process"
        holder.kill()
        assert acquired.wait(30), "the crashed process' lock went with its session"
        thread.join(timeout=10)
    finally:
        holder.kill()
        holder.wait(timeout=30)
        store.close()


def test_an_unreachable_server_is_a_storage_error_without_the_password() -> None:
    with pytest.raises(StorageError, match=r"cannot open the server store in postgresql://relevo:\*\*\*@127") as err:
        PostgresServeStore("postgresql://relevo:s3cret-pw@127.0.0.1:1/relevo", timeout_s=2)
    assert "s3cret-pw" not in str(err.value)
