"""One conformance suite for every ServeStore: SQLite in the data directory and PostgreSQL (scale-out).

Named ``test_serve_store_conformance`` because ``tests/memory/test_store_conformance.py`` already took the
shorter module name (the tests folders are not packages).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from relevo.contracts import Mode
from relevo.server._ports import BoardRow, Claim, Inbound, ServeStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


class Clock:
    """The stores' injected clock; tests move it by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


Opener = Callable[[], ServeStore]
"""Opens one more handle (own connections) on the same storage, as another process would."""


def _truncate(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass('relevo_inbox') IS NOT NULL").fetchone()
        if exists and exists[0]:
            conn.execute(
                "TRUNCATE relevo_inbox, relevo_addresses, relevo_directory, relevo_board, relevo_outbound "
                "RESTART IDENTITY"
            )


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Iterator[Opener]:
    """Every ServeStore implementation; the suite runs against each."""
    opened: list[ServeStore] = []

    if request.param == "sqlite":
        from relevo.server._sqlite_store import SqliteServeStore

        def opener() -> ServeStore:
            store: Any = SqliteServeStore(tmp_path / "serve.sqlite", clock=clock)
            opened.append(store)
            return store

    else:
        url: str = request.getfixturevalue("module_database_url")
        _truncate(url)
        from relevo.server._postgres_store import PostgresServeStore

        def opener() -> ServeStore:
            store = PostgresServeStore(url, clock=clock)
            opened.append(store)
            return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(open_store: Opener) -> ServeStore:
    return open_store()


def msg(message_id: str, handle: str = "+34600000001", text: str = "", *, channel: Any = "whatsapp") -> Inbound:
    return Inbound(
        channel=channel,
        message_id=message_id,
        handle=handle,
        text=text or f"text of {message_id}",
        received_at=T0,
    )


def row(conversation_id: str, mode: Mode, updated_at: datetime, **extra: Any) -> BoardRow:
    return BoardRow(
        conversation_id=conversation_id,
        channel="whatsapp",
        handle="+34600000001",
        customer_id="C-1001",
        mode=mode,
        language="en",
        started_at=T0,
        updated_at=updated_at,
        **extra,
    )


# -- inbox: dedupe and order ---------------------------------------------------------------------------------------
def test_a_message_delivered_twice_is_queued_once(store: ServeStore) -> None:
    assert store.put(msg("wamid.1")) is True
    assert store.put(msg("wamid.1", text="the retry")) is False
    assert store.pending("whatsapp", "+34600000001") == 1
    claim = store.claim("w1", LEASE)
    assert claim is not None
    assert [m.text for m in claim.messages] == ["text of wamid.1"]


def test_the_same_id_on_another_channel_is_another_message(store: ServeStore) -> None:
    assert store.put(msg("m-1", handle="alice", channel="whatsapp"))
    assert store.put(msg("m-1", handle="alice", channel="sms"))
    assert store.pending("whatsapp", "alice") == 1
    assert store.pending("sms", "alice") == 1


def test_a_message_is_deduplicated_after_it_was_processed(store: ServeStore) -> None:
    store.put(msg("wamid.1"))
    claim = store.claim("w1", LEASE)
    assert claim is not None
    store.complete(claim, ["wamid.1"])
    assert store.put(msg("wamid.1")) is False, "a late redelivery must not be answered again"
    assert store.claim("w1", LEASE) is None


def test_a_claim_has_every_pending_message_of_the_address_in_arrival_order(store: ServeStore) -> None:
    for n in range(1, 4):
        store.put(msg(f"a{n}", text=f"message {n}"))
    claim = store.claim("w1", LEASE)
    assert claim is not None
    assert (claim.channel, claim.handle, claim.worker) == ("whatsapp", "+34600000001", "w1")
    assert claim.lease_until == T0 + LEASE
    assert [m.message_id for m in claim.messages] == ["a1", "a2", "a3"]
    assert claim.messages[0] == msg("a1", text="message 1"), "a message comes back as it was put"


def test_the_address_with_the_oldest_pending_message_is_claimed_first(store: ServeStore) -> None:
    store.put(msg("b1", handle="bob"))
    store.put(msg("a1", handle="alice"))
    store.put(msg("b2", handle="bob"))
    first = store.claim("w1", LEASE)
    second = store.claim("w2", LEASE)
    assert first is not None and second is not None
    assert (first.handle, [m.message_id for m in first.messages]) == ("bob", ["b1", "b2"])
    assert (second.handle, [m.message_id for m in second.messages]) == ("alice", ["a1"])
    assert store.claim("w3", LEASE) is None


def test_nothing_to_do_is_none(store: ServeStore) -> None:
    assert store.claim("w1", LEASE) is None
    assert store.pending("whatsapp", "nobody") == 0


# -- leases ----------------------------------------------------------------------------------------------------------
def test_a_leased_address_is_not_claimed_again_until_completed(store: ServeStore) -> None:
    store.put(msg("a1"))
    claim = store.claim("w1", LEASE)
    assert claim is not None
    store.put(msg("a2"))
    assert store.claim("w2", LEASE) is None, "a2 waits: its address is leased"
    assert store.pending("whatsapp", "+34600000001") == 2
    store.complete(claim, ["a1"])
    assert store.pending("whatsapp", "+34600000001") == 1
    again = store.claim("w2", LEASE)
    assert again is not None and [m.message_id for m in again.messages] == ["a2"]


def test_an_expired_lease_can_be_claimed_by_another_worker(store: ServeStore, clock: Clock) -> None:
    store.put(msg("a1"))
    assert store.claim("w1", LEASE) is not None
    clock.advance(LEASE - timedelta(seconds=1))
    assert store.claim("w2", LEASE) is None
    clock.advance(timedelta(seconds=2))
    taken = store.claim("w2", LEASE)
    assert taken is not None
    assert taken.worker == "w2" and [m.message_id for m in taken.messages] == ["a1"]


def test_a_stale_worker_completing_does_not_free_the_new_workers_lease(store: ServeStore, clock: Clock) -> None:
    store.put(msg("a1"))
    stale = store.claim("w1", LEASE)
    assert stale is not None
    clock.advance(LEASE * 2)
    fresh = store.claim("w2", LEASE)
    assert fresh is not None
    store.put(msg("a2"))
    store.complete(stale, ["a1"])
    assert store.claim("w3", LEASE) is None, "w2 still holds the address"
    store.complete(fresh, ["a1"])
    left = store.claim("w3", LEASE)
    assert left is not None and [m.message_id for m in left.messages] == ["a2"]


def test_release_gives_the_messages_back_in_order(store: ServeStore) -> None:
    store.put(msg("a1"))
    store.put(msg("a2"))
    claim = store.claim("w1", LEASE)
    assert claim is not None
    store.release(claim)
    assert store.pending("whatsapp", "+34600000001") == 2
    again = store.claim("w2", LEASE)
    assert again is not None and [m.message_id for m in again.messages] == ["a1", "a2"]


def test_completing_part_of_a_claim_leaves_the_rest_pending(store: ServeStore) -> None:
    for n in range(1, 4):
        store.put(msg(f"a{n}"))
    claim = store.claim("w1", LEASE)
    assert claim is not None
    store.complete(claim, ["a1"])
    rest = store.claim("w1", LEASE)
    assert rest is not None and [m.message_id for m in rest.messages] == ["a2", "a3"]


def test_concurrent_workers_process_every_message_once_and_in_order(open_store: Opener) -> None:
    """Workers on separate handles (separate connections) race for the same inbox."""
    stores = [open_store() for _ in range(4)]
    addresses = [f"+3460000{n:04d}" for n in range(8)]
    for n in range(5):
        for address in addresses:
            assert stores[0].put(msg(f"{address}-{n}", handle=address))
    processed: list[tuple[str, str]] = []
    holding: set[str] = set()
    overlaps: list[str] = []
    guard = threading.Lock()
    errors: list[BaseException] = []

    def work(index: int) -> None:
        store = stores[index]
        idle = 0
        try:
            while idle < 3:
                claim = store.claim(f"w{index}", LEASE)
                if claim is None:
                    idle += 1
                    time.sleep(0.01)
                    continue
                idle = 0
                with guard:
                    if claim.handle in holding:
                        overlaps.append(claim.handle)
                    holding.add(claim.handle)
                    processed.extend((claim.handle, m.message_id) for m in claim.messages)
                with guard:
                    holding.discard(claim.handle)
                store.complete(claim, [m.message_id for m in claim.messages])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert overlaps == [], "two workers held the same address at once"
    ids = [m for _, m in processed]
    assert sorted(ids) == sorted(f"{a}-{n}" for a in addresses for n in range(5)), "every message exactly once"
    for address in addresses:
        assert [m for a, m in processed if a == address] == [f"{address}-{n}" for n in range(5)], "in order"


# -- conversation lock -----------------------------------------------------------------------------------------------
def test_the_conversation_lock_is_exclusive_across_handles(open_store: Opener) -> None:
    first, second = open_store(), open_store()
    inside: list[str] = []
    attempted = threading.Event()

    def late() -> None:
        attempted.set()
        with second.conversation_lock("conv-1"):
            inside.append("second")

    with first.conversation_lock("conv-1"):
        inside.append("first")
        thread = threading.Thread(target=late)
        thread.start()
        attempted.wait(5)
        thread.join(timeout=0.5)
        assert thread.is_alive(), "the second holder waits while the first holds the lock"
        assert inside == ["first"]
    thread.join(timeout=10)
    assert inside == ["first", "second"]


def test_other_conversations_are_not_blocked(open_store: Opener) -> None:
    first, second = open_store(), open_store()
    done = threading.Event()

    def other() -> None:
        with second.conversation_lock("conv-2"):
            done.set()

    with first.conversation_lock("conv-1"):
        thread = threading.Thread(target=other)
        thread.start()
        assert done.wait(10), "conv-2 must not wait for conv-1"
    thread.join(timeout=10)


def test_the_lock_is_released_when_the_block_raises(store: ServeStore) -> None:
    with pytest.raises(RuntimeError, match="turn failed"), store.conversation_lock("conv-1"):
        raise RuntimeError("turn failed")
    done = threading.Event()

    def again() -> None:
        with store.conversation_lock("conv-1"):
            done.set()

    thread = threading.Thread(target=again)
    thread.start()
    assert done.wait(10)
    thread.join(timeout=10)


def test_many_threads_never_overlap_inside_the_lock(open_store: Opener) -> None:
    stores = [open_store(), open_store()]
    active = 0
    peak = 0
    guard = threading.Lock()

    def turn(index: int) -> None:
        nonlocal active, peak
        for _ in range(5):
            with stores[index % 2].conversation_lock("conv-busy"):
                with guard:
                    active += 1
                    peak = max(peak, active)
                time.sleep(0.002)
                with guard:
                    active -= 1

    threads = [threading.Thread(target=turn, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert peak == 1


# -- directory -------------------------------------------------------------------------------------------------------
def test_the_directory_binds_an_address_to_its_current_conversation(store: ServeStore) -> None:
    assert store.current_conversation("whatsapp", "+34600000001") is None
    store.bind("whatsapp", "+34600000001", "conv-1")
    assert store.current_conversation("whatsapp", "+34600000001") == "conv-1"
    assert store.current_conversation("sms", "+34600000001") is None, "addresses are per channel"
    store.bind("whatsapp", "+34600000001", "conv-2")
    assert store.current_conversation("whatsapp", "+34600000001") == "conv-2"


# -- board -----------------------------------------------------------------------------------------------------------
def test_the_board_keeps_one_row_per_conversation(store: ServeStore) -> None:
    assert store.board("conv-1") is None
    first = row("conv-1", "ai_active", T0)
    store.upsert_board(first)
    assert store.board("conv-1") == first
    later = row(
        "conv-1",
        "pending_human",
        T0 + timedelta(minutes=1),
        queue="orders",
        skill="orders",
        priority="high",
        reasons=["explicit_request"],
        waiting_since=T0 + timedelta(minutes=1),
        sentiment=-0.4,
    )
    store.upsert_board(later)
    assert store.board("conv-1") == later
    assert list(store.board_rows()) == [later]


def ids(rows: Iterator[BoardRow]) -> set[str]:
    return {r.conversation_id for r in rows}


def test_board_rows_filter_by_mode_and_time(store: ServeStore) -> None:
    store.upsert_board(row("conv-1", "ai_active", T0))
    store.upsert_board(row("conv-2", "pending_human", T0 + timedelta(minutes=1)))
    store.upsert_board(row("conv-3", "human_active", T0 + timedelta(minutes=2)))
    store.upsert_board(row("conv-4", "closed", T0 + timedelta(minutes=3)))
    assert ids(store.board_rows()) == {"conv-1", "conv-2", "conv-3", "conv-4"}
    assert ids(store.board_rows(modes=("pending_human", "human_active"))) == {"conv-2", "conv-3"}
    assert ids(store.board_rows(since=T0 + timedelta(minutes=2))) >= {"conv-3", "conv-4"}
    assert "conv-1" not in ids(store.board_rows(since=T0 + timedelta(minutes=2)))
    assert ids(store.board_rows(modes=("closed",), since=T0 + timedelta(minutes=1))) == {"conv-4"}
    assert ids(store.board_rows(modes=())) == set()


# -- outbound status -------------------------------------------------------------------------------------------------
def test_delivery_status_only_moves_forward(store: ServeStore) -> None:
    store.record_outbound("wamid.out1", "conv-1", "whatsapp")
    assert store.status("wamid.out1") == "queued"
    assert store.advance_status("wamid.out1", "delivered", T0) is True
    assert store.advance_status("wamid.out1", "sent", T0) is False, "a late 'sent' callback changes nothing"
    assert store.status("wamid.out1") == "delivered"
    assert store.advance_status("wamid.out1", "delivered", T0) is False
    assert store.advance_status("wamid.out1", "read", T0) is True
    assert store.status("wamid.out1") == "read"


def test_failed_is_final(store: ServeStore) -> None:
    store.record_outbound("wamid.out2", "conv-1", "whatsapp")
    assert store.advance_status("wamid.out2", "sent", T0)
    assert store.advance_status("wamid.out2", "failed", T0)
    for later in ("queued", "sent", "delivered", "read", "failed"):
        assert store.advance_status("wamid.out2", later, T0) is False
    assert store.status("wamid.out2") == "failed"


def test_a_status_that_beats_the_record_is_kept(store: ServeStore) -> None:
    assert store.status("wamid.early") is None
    assert store.advance_status("wamid.early", "delivered", T0) is True, "the callback came before record_outbound"
    store.record_outbound("wamid.early", "conv-1", "whatsapp")
    assert store.status("wamid.early") == "delivered", "recording the message later does not reset its status"
    assert store.advance_status("wamid.early", "sent", T0) is False


def test_recording_an_outbound_message_again_keeps_its_status(store: ServeStore) -> None:
    store.record_outbound("wamid.out3", "conv-1", "whatsapp")
    store.advance_status("wamid.out3", "delivered", T0)
    store.record_outbound("wamid.out3", "conv-1", "whatsapp")
    assert store.status("wamid.out3") == "delivered"


# -- persistence -----------------------------------------------------------------------------------------------------
def test_everything_survives_reopening(open_store: Opener) -> None:
    first = open_store()
    first.put(msg("a1"))
    first.bind("whatsapp", "+34600000001", "conv-1")
    first.upsert_board(row("conv-1", "pending_human", T0))
    first.record_outbound("wamid.out", "conv-1", "whatsapp")
    first.close()
    second = open_store()
    assert second.put(msg("a1")) is False
    assert second.current_conversation("whatsapp", "+34600000001") == "conv-1"
    board = second.board("conv-1")
    assert board is not None and board.mode == "pending_human"
    assert second.status("wamid.out") == "queued"
    claim: Claim | None = second.claim("w1", LEASE)
    assert claim is not None and [m.message_id for m in claim.messages] == ["a1"]


# -- dead letters and erasure --------------------------------------------------------------------------------------
def test_a_dead_lettered_message_keeps_its_error_and_frees_the_address(store: ServeStore, clock: Clock) -> None:
    store.put(msg("m1"))
    store.put(msg("m2"))
    claim = store.claim("w1", LEASE)
    assert claim is not None
    clock.advance(timedelta(seconds=5))
    store.dead_letter(claim, "m1", "RuntimeError: the model backend broke")
    [dead] = store.dead_letters()
    assert (dead.channel, dead.message_id, dead.handle) == ("whatsapp", "m1", "+34600000001")
    assert (dead.error, dead.at) == ("RuntimeError: the model backend broke", T0 + timedelta(seconds=5))
    following = store.claim("w2", LEASE)
    assert following is not None and [m.message_id for m in following.messages] == ["m2"], "the rest goes on"
    assert store.put(msg("m1")) is False, "a redelivery of the dead letter is not run again"


def test_erasing_a_customer_removes_their_rows_and_keeps_everyone_elses(store: ServeStore) -> None:
    for message_id, handle in (("m1", "+34600000001"), ("m2", "+34600000001"), ("m3", "+34600000003")):
        store.put(msg(message_id, handle))
    store.put(Inbound(channel="web", message_id="web-s1:1", handle="web-s1", text="hi", received_at=T0))
    store.bind("whatsapp", "+34600000001", "conv-1")
    store.bind("web", "web-s1", "conv-2")
    store.bind("whatsapp", "+34600000003", "conv-3")
    store.upsert_board(row("conv-1", "pending_human", T0))
    store.upsert_board(row("conv-2", "ai_active", T0).model_copy(update={"channel": "web", "handle": "web-s1"}))
    store.upsert_board(
        row("conv-3", "ai_active", T0).model_copy(update={"customer_id": "C-9", "handle": "+34600000003"})
    )
    store.record_outbound("wamid.out.1", "conv-1", "whatsapp")
    store.record_outbound("wamid.out.3", "conv-3", "whatsapp")

    conversations, addresses = store.footprint("C-1001", ["conv-1"])
    assert conversations == ["conv-1", "conv-2"], "the board knows conversations the index may not"
    assert addresses == [("web", "web-s1"), ("whatsapp", "+34600000001")]
    counts = store.erase_customer("C-1001", ["conv-1"])
    assert counts == {"inbox": 3, "board": 2, "directory": 2, "outbound": 1}
    assert store.board("conv-1") is None and store.board("conv-2") is None
    assert store.current_conversation("whatsapp", "+34600000001") is None
    assert store.pending("whatsapp", "+34600000001") == 0 and store.status("wamid.out.1") is None
    assert [r.conversation_id for r in store.board_rows()] == ["conv-3"], "the other customer is untouched"
    assert store.pending("whatsapp", "+34600000003") == 1 and store.status("wamid.out.3") == "queued"
    assert store.erase_customer("C-1001", []) == {"inbox": 0, "board": 0, "directory": 0, "outbound": 0}
    assert isinstance(store.compact(), str)
    claim = store.claim("w", LEASE)
    assert claim is not None and claim.handle == "+34600000003", "the queue still works"
