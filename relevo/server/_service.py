"""The serving loop: inbound messages in, worker threads running turns one conversation at a time, replies out.

HTTP handlers and webhooks only validate and :meth:`ServeService.accept` (a dedupe-checked insert into the
inbox), so they acknowledge in milliseconds. Worker threads :meth:`~ServeStore.claim` an address with pending
messages, run its oldest message as a turn under the conversation lock, update the board, deliver the reply, and
mark the message done. One message per claim: the lease is released only with the message completed, so
messages of one address are processed strictly in order, never twice, never interleaved, by whichever worker
of whichever process gets there first. A worker that dies mid-turn leaves its message pending: it is retried
when the lease runs out.

Personal data never reaches the inbox raw: :meth:`ServeService.accept` redacts the text into vault tokens of
the message's own scope before it is stored; the worker moves them to the conversation's vault.

No message is dropped in silence: one that keeps failing (``_MAX_ATTEMPTS``) is dead-lettered with its error,
and its conversation is handed to a human with reason ``processing_error`` (the customer is told).

The human side's commands (take over, reply, hand back, resolve) run synchronously under the same lock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from relevo._errors import BadInputError, ModeError, RelevoError, UnknownConversationError
from relevo.channels import ChannelError, Outbound
from relevo.contracts import (
    AIMessage,
    Channel,
    ConversationState,
    CustomerMessage,
    HandBack,
    HumanAgentMessage,
    Message,
)
from relevo.memory import inbox_scope, redact_pii
from relevo.orchestrator import SupportDesk, TurnResult, normalise_text
from relevo.server._agents import AgentAccount, AgentDirectory
from relevo.server._board import Kpis, choose_agent, compute_kpis, next_row, queue_for
from relevo.server._ports import BoardRow, Claim, DeadLetter, DeliveryStatus, Inbound, ServeStore
from relevo.server._pulse import Pulse

__all__ = ["AccessError", "SenderLookup", "ServeService"]

_log = logging.getLogger("relevo.server")

SenderLookup = Callable[[Channel, str], Outbound | None]
"""Who sends to an address ``(channel, handle)``; None: nobody (the web chat reads its transcript instead)."""

_MAX_ATTEMPTS = 5
_ACTIVE_MODES = ("pending_human", "human_active")


class AccessError(BadInputError):
    """The signed-in agent may not do this to this conversation."""


def _no_sender(channel: Channel, handle: str) -> Outbound | None:
    return None


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Delivery:
    """One customer-visible message relevo handed to a channel."""

    conversation_id: str
    message_id: str
    provider_message_id: str | None


class ServeService:
    """A support desk served to many customers and agents at once; see the module docstring.

    Args:
        desk: runs the conversations.
        store: inbox, locks, directory, board and outbound statuses (shared by every process).
        agents: the console's accounts (for routing handoffs).
        senders: who delivers replies on channels other than web chat (``ChannelGateway.sender``).
        workers: threads running turns.
        lease: how long a worker owns an address's messages before another may retry them.
        poll: how often idle workers look for messages another process received.
        clock: wall-clock time for the board and KPIs.
    """

    def __init__(
        self,
        desk: SupportDesk,
        store: ServeStore,
        agents: AgentDirectory,
        *,
        senders: SenderLookup = _no_sender,
        workers: int = 2,
        lease: timedelta = timedelta(seconds=120),
        poll: float = 0.25,
        retry_backoff: float = 0.5,
        pending_timeout: timedelta | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        if workers < 1:
            raise ValueError("a server needs at least one worker")
        self.desk = desk
        self.store = store
        self.agents = agents
        self._senders = senders
        self._workers = workers
        self._lease = lease
        self._poll = poll
        self._retry_backoff = retry_backoff
        seconds = desk.context.config.routing.pending_timeout_s
        self._pending_timeout = pending_timeout if pending_timeout is not None else timedelta(seconds=seconds)
        self._next_sweep = 0.0
        self._sweep_guard = threading.Lock()
        self._clock = clock
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._failures: dict[tuple[str, str], int] = {}
        self._failures_guard = threading.Lock()
        self._name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.deliveries: deque[Delivery] = deque(maxlen=1000)
        self.pulse = Pulse()
        """Wakes this process's event streams when a turn here changed the board."""
        self._undelivered: dict[str, list[str]] = {}
        self._undelivered_guard = threading.Lock()
        """Messages handed to a channel sender by this process (the most recent 1,000)."""

    # -- lifecycle ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker threads (idempotent)."""
        if self._threads:
            return
        self._stopping.clear()
        for n in range(self._workers):
            thread = threading.Thread(target=self._work, args=(f"{self._name}-w{n}",), name=f"relevo-worker-{n}")
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Let running turns finish and stop the workers."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    @property
    def running(self) -> bool:
        """Whether worker threads are running."""
        return any(t.is_alive() for t in self._threads)

    # -- inbound --------------------------------------------------------------------------------------
    def accept(self, inbound: Inbound) -> bool:
        """Redact the message's personal data (into vault tokens), queue it and wake a worker; False when it was
        delivered before (nothing queued)."""
        memory = self.desk.memory
        scope = inbox_scope(inbound.channel, inbound.handle, inbound.message_id)
        # Capped and cleaned first, so redaction's work is bounded whatever the channel delivered (a cut message
        # ends with a visible mark); then redacted before the inbox stores it.
        clean = normalise_text(inbound.text).text
        text = memory.redact(scope, clean) if memory is not None else redact_pii(clean).text
        fresh = self.store.put(inbound.model_copy(update={"text": text}))
        if not fresh and memory is not None and self.store.pending(inbound.channel, inbound.handle) == 0:
            # A redelivery of a message already processed: its arrival vault was dropped then, and what this
            # redaction minted again would outlive it. (While the first delivery is pending, its processing
            # drops the scope, this delivery's entries included.)
            memory.registry.drop_vault(scope)
        if fresh:
            with self._wake:
                self._wake.notify()
            self.pulse.beat()  # the chat page shows "typing" while the message waits
        return fresh

    def record_status(self, provider_message_id: str, status: DeliveryStatus, at: datetime) -> bool:
        """A channel reported on a message relevo sent; statuses only move forward."""
        return self.store.advance_status(provider_message_id, status, at)

    def open_web_session(self, customer_id: str | None) -> tuple[str, str]:
        """Start a web chat conversation: ``(conversation_id, handle)``, the handle being the new session id."""
        handle = f"web-{uuid.uuid4().hex}"
        conversation_id = self.desk.start(customer_id=customer_id, channel="web", handle=handle)
        self.store.bind("web", handle, conversation_id)
        state = self.desk.state(conversation_id)
        self.store.upsert_board(next_row(state, None, handle=handle, now=self._clock()))
        return conversation_id, handle

    # -- workers --------------------------------------------------------------------------------------
    def run_once(self, worker: str | None = None) -> bool:
        """Claim and process one message; False when there was nothing to do."""
        claim = self.store.claim(worker or f"{self._name}-once", self._lease)
        if claim is None:
            return False
        if not claim.messages:  # a race with complete() elsewhere; nothing left
            self.store.release(claim)
            return True
        self._process(claim)
        return True

    def _work(self, worker: str) -> None:
        while not self._stopping.is_set():
            try:
                did = self.run_once(worker)
            except RelevoError as exc:
                _log.error("worker %s: %s", worker, exc)
                did = False
            except Exception:  # a store hiccup must not kill the worker: back off and try again
                _log.exception("worker %s: unexpected error; retrying after %.1f s", worker, self._poll)
                did = False
            if not did:
                try:
                    self.expire_waits()
                except Exception:
                    _log.exception("worker %s: sweeping the queue for expired waits failed", worker)
                with self._wake:
                    if not self._stopping.is_set():
                        self._wake.wait(self._poll)

    def expire_waits(self, *, force: bool = False) -> list[str]:
        """Give conversations that waited longer than ``routing.pending_timeout_s`` for a human back to the AI
        (apology, follow-up promise); at most one sweep a second per process unless ``force``. Returns their ids.

        Safe with several workers and processes: each conversation is re-read under its lock, so it is expired
        once, and never after an agent took it.
        """
        if self._pending_timeout <= timedelta(0):
            return []
        with self._sweep_guard:
            now_mono = time.monotonic()
            if not force and now_mono < self._next_sweep:
                return []
            self._next_sweep = now_mono + 1.0
        cutoff = self._clock() - self._pending_timeout
        expired: list[str] = []
        for row in list(self.store.board_rows(modes=("pending_human",))):
            if row.waiting_since is None or row.waiting_since > cutoff:
                continue
            with self.store.conversation_lock(row.conversation_id):
                current = self.store.board(row.conversation_id)
                if current is None or current.mode != "pending_human" or current.waiting_since is None:
                    continue
                if current.waiting_since > cutoff:
                    continue
                waited = (self._clock() - current.waiting_since).total_seconds()
                result = self.desk.expire_wait(row.conversation_id, waited_s=waited)
                updated = self._update_board(row.conversation_id)
                self._deliver(updated, result.messages)
            _log.info("%s waited %.0f s for a human; back with the AI", row.conversation_id, waited)
            expired.append(row.conversation_id)
        return expired

    def _process(self, claim: Claim) -> None:
        message = claim.messages[0]
        key = (message.channel, message.message_id)
        try:
            conversation_id = self._conversation_for(message)
            with self.store.conversation_lock(conversation_id):
                done = self.store.board(conversation_id)
                answered = done is not None and done.last_inbound_id == message.message_id
                if not answered and self.desk.has_message(conversation_id, message.message_id):
                    # The message is in the conversation's checkpoint: its turn ran, or started. A turn a failure
                    # stopped part-way (an exception, a killed process) is finished from its checkpoint; a whole
                    # turn whose worker died before the board said so, so before the reply went out (the board is
                    # written first), has its reply sent now. Never run the turn again.
                    answered = True
                    if self.desk.finish_turn(conversation_id) is not None:
                        _log.warning("finished the turn of message %s from its checkpoint", message.message_id)
                    done = self._update_board(
                        conversation_id,
                        message.handle,
                        customer_wrote=message.received_at,
                        inbound_id=message.message_id,
                    )
                    self._deliver(done, _replies_to(self.desk.state(conversation_id).messages, message.message_id))
                if answered and done is not None:
                    # A worker ran this turn and died before completing the message: never answer twice.
                    _log.warning(
                        "message %s already answered in %s; completing it", message.message_id, done.conversation_id
                    )
                    self.store.complete(claim, [message.message_id])
                    return
                started = time.perf_counter()
                text = message.text
                if self.desk.memory is not None:
                    text = self.desk.memory.adopt(self._scope(message), conversation_id, text)
                result = self.desk.send(conversation_id, text, channel=message.channel, external_id=message.message_id)
                row = self._update_board(
                    conversation_id,
                    message.handle,
                    customer_wrote=message.received_at,
                    inbound_id=message.message_id,
                )
                self._deliver(row, result.messages)
            # Ids, modes and timings only: never the text or the customer's address.
            _log.info(
                "%s turn in %s: %s, reply by %s, %.0f ms",
                message.channel,
                conversation_id,
                row.mode,
                result.actor,
                (time.perf_counter() - started) * 1000,
            )
        except BadInputError as exc:
            # The message itself is unusable: retrying cannot help. Drop it, keep the reason (never the text).
            _log.warning("dropped %s message %s: %s", message.channel, message.message_id, exc)
            self.store.complete(claim, [message.message_id])
            self._drop_scope(message)
            return
        except Exception as exc:
            with self._failures_guard:
                attempts = self._failures.get(key, 0) + 1
                self._failures[key] = attempts
            if attempts >= _MAX_ATTEMPTS:
                _log.exception("gave up on %s message %s after %d attempts", *key, attempts)
                self._dead_letter(claim, message, f"{type(exc).__name__}: {exc}")
                with self._failures_guard:
                    self._failures.pop(key, None)
            else:
                backoff = min(self._retry_backoff * 2 ** (attempts - 1), 8.0)
                _log.exception(
                    "turn for %s message %s failed (attempt %d); retrying in %.1f s", *key, attempts, backoff
                )
                self._stopping.wait(backoff)  # keep the lease meanwhile: nobody retries it at once
                self.store.release(claim)
            return
        self.store.complete(claim, [message.message_id])
        self._drop_scope(message)
        with self._failures_guard:
            self._failures.pop(key, None)

    @staticmethod
    def _scope(message: Inbound) -> str:
        return inbox_scope(message.channel, message.handle, message.message_id)

    def _drop_scope(self, message: Inbound) -> None:
        """The message is done: its arrival vault entries go (the conversation's vault has what it needs)."""
        if self.desk.memory is not None:
            try:
                self.desk.memory.registry.drop_vault(self._scope(message))
            except RelevoError as exc:  # left for erasure, which drops every scope of the address
                _log.warning("could not drop the arrival vault of message %s: %s", message.message_id, exc)

    def _dead_letter(self, claim: Claim, message: Inbound, error: str) -> None:
        """Hand the message's conversation to a human (``processing_error``), then set the message aside with its
        error (the handoff first: once the message is done, its conversation is with a human)."""
        try:
            conversation_id = self._conversation_for(message)
            with self.store.conversation_lock(conversation_id):
                result = self.desk.hand_off_failure(conversation_id, error)
                row = self._update_board(conversation_id, message.handle, customer_wrote=message.received_at)
                self._deliver(row, result.messages)
            _log.error("message %s dead-lettered; %s handed to a human", message.message_id, conversation_id)
        except Exception:
            _log.exception("message %s dead-lettered; handing its conversation to a human failed", message.message_id)
        self.store.dead_letter(claim, message.message_id, error)
        self._drop_scope(message)

    def dead_letters(self) -> list[DeadLetter]:
        """Messages that kept failing and were set aside (their conversations went to a human)."""
        return self.store.dead_letters()

    def _conversation_for(self, message: Inbound) -> str:
        """The conversation this address writes to; a new one when it has none or (except web chat, whose
        session is one conversation that reopens) when its conversation is closed."""
        current = self.store.current_conversation(message.channel, message.handle)
        if current is not None:
            row = self.store.board(current)
            if message.channel == "web" or row is None or row.mode != "closed":
                return current
        conversation_id = self.desk.start(
            customer_id=message.customer_id, channel=message.channel, handle=message.handle
        )
        self.store.bind(message.channel, message.handle, conversation_id)
        state = self.desk.state(conversation_id)
        self.store.upsert_board(next_row(state, None, handle=message.handle, now=self._clock()))
        return conversation_id

    def _update_board(
        self,
        conversation_id: str,
        handle: str | None = None,
        *,
        customer_wrote: datetime | None = None,
        agent: str | None = None,
        inbound_id: str | None = None,
    ) -> BoardRow:
        state = self.desk.state(conversation_id)
        previous = self.store.board(conversation_id)
        address = handle or (previous.handle if previous is not None else conversation_id)
        row = next_row(
            state,
            previous,
            handle=address,
            now=self._clock(),
            customer_wrote=customer_wrote,
            agent=agent,
            inbound_id=inbound_id,
        )
        if row.mode == "pending_human" and row.assigned_to is None:
            active = list(self.store.board_rows(modes=_ACTIVE_MODES))
            routed = choose_agent(row, self.agents.all(), active)
            if routed is not None:
                row = row.model_copy(update={"assigned_to": routed})
        self.store.upsert_board(row)
        self.pulse.beat()
        return row

    def _deliver(self, row: BoardRow, messages: Sequence[Message]) -> None:
        """Send the customer-visible messages of a turn through the conversation's channel (web chat: nothing to
        send, the page reads the transcript)."""
        visible = [m for m in messages if isinstance(m, AIMessage | HumanAgentMessage)]
        if not visible:
            return
        sender = self._senders(row.channel, row.handle)
        if sender is None:
            if row.channel != "web":
                _log.warning("no sender configured for %s: reply in %s not delivered", row.channel, row.conversation_id)
            return
        for message in visible:
            try:
                provider_id = sender.send(
                    row.handle,
                    message.text,
                    from_human=isinstance(message, HumanAgentMessage),
                    last_customer_at=row.last_customer_at,
                )
            except ChannelError as exc:
                _log.warning("delivery of %s in %s failed: %s", message.id, row.conversation_id, exc)
                with self._undelivered_guard:
                    failures = self._undelivered.setdefault(row.conversation_id, [])
                    failures.append(f"{message.id}: {exc}")
                    del failures[:-20]
                continue
            if provider_id is not None:
                self.store.record_outbound(provider_id, row.conversation_id, row.channel)
            self.deliveries.append(Delivery(row.conversation_id, message.id, provider_id))

    def take_undelivered(self, conversation_id: str) -> list[str]:
        """Messages of this conversation the channel refused or could not take (``message_id: reason``), since
        the last call: the agent must know the customer never got them."""
        with self._undelivered_guard:
            return self._undelivered.pop(conversation_id, [])

    # -- the human side -------------------------------------------------------------------------------
    def takeover(self, conversation_id: str, agent: AgentAccount) -> TurnResult:
        """``agent`` takes the conversation (it must be waiting for a human or with the AI).

        Raises:
            AccessError: the conversation is routed to skills or a language the agent does not have.
            ModeError: the conversation is not waiting for a human or with the AI.
        """
        with self.store.conversation_lock(conversation_id):
            row = self._row(conversation_id)  # read under the lock: nobody changes it between check and act
            if not self._may_take(agent, row):
                raise AccessError(f"{agent.username} has no skill for queue {row.queue!r} in language {row.language!r}")
            result = self.desk.takeover(conversation_id, agent.name)
            row = self._update_board(conversation_id, agent=agent.username)
            self._deliver(row, result.messages)
        _log.info("takeover of %s by %s", conversation_id, agent.username)
        return result

    def human_reply(self, conversation_id: str, agent: AgentAccount, text: str) -> TurnResult:
        """The agent who owns the conversation writes to the customer (delivered on the customer's channel)."""
        return self._owned(conversation_id, agent, "reply", lambda: self.desk.human_reply(conversation_id, text))

    def hand_back(self, conversation_id: str, agent: AgentAccount, note: str | HandBack = "") -> TurnResult:
        """The agent hands the conversation back to the AI with a note or a typed hand-back (what they did,
        decided, promised and changed); the AI follows up with the customer."""
        return self._owned(conversation_id, agent, "hand back", lambda: self.desk.hand_back(conversation_id, note))

    def resolve(self, conversation_id: str, agent: AgentAccount) -> TurnResult:
        """Close the conversation (its owner, an admin, or, when no human owns it, any agent)."""
        with self.store.conversation_lock(conversation_id):
            row = self._row(conversation_id)
            owner = row.mode == "human_active" and row.assigned_to not in (None, agent.username)
            if owner and agent.role != "admin":
                raise AccessError(f"{row.assigned_to} owns this conversation")
            result = self.desk.resolve(conversation_id, by=agent.name)
            row = self._update_board(conversation_id)
            self._deliver(row, result.messages)
        _log.info("%s resolved by %s", conversation_id, agent.username)
        return result

    def _owned(
        self, conversation_id: str, agent: AgentAccount, command: str, run: Callable[[], TurnResult]
    ) -> TurnResult:
        with self.store.conversation_lock(conversation_id):
            row = self._row(conversation_id)
            if row.mode != "human_active":
                raise ModeError(command, row.mode, ("human_active",))
            if row.assigned_to != agent.username and agent.role != "admin":
                raise AccessError(f"{row.assigned_to} owns this conversation; take it over first")
            result = run()
            row = self._update_board(conversation_id)
            self._deliver(row, result.messages)
        _log.info("%s in %s by %s: %s", command, conversation_id, agent.username, row.mode)
        return result

    @staticmethod
    def _may_take(agent: AgentAccount, row: BoardRow) -> bool:
        return (
            agent.role == "admin"
            or row.assigned_to == agent.username
            or row.queue is None
            or agent.handles(queue=row.queue, skill=row.skill, language=row.language)
        )

    # -- views ----------------------------------------------------------------------------------------
    def _row(self, conversation_id: str) -> BoardRow:
        row = self.store.board(conversation_id)
        if row is None:
            raise UnknownConversationError(conversation_id)
        return row

    def board(self, conversation_id: str) -> BoardRow:
        """The conversation's board row.

        Raises:
            UnknownConversationError: this server has no such conversation.
        """
        return self._row(conversation_id)

    def state(self, conversation_id: str) -> ConversationState:
        """The conversation as stored now."""
        return self.desk.state(conversation_id)

    def queue(self, agent: AgentAccount) -> list[BoardRow]:
        """What ``agent`` may pick up, most urgent and longest waiting first."""
        return queue_for(agent, self.store.board_rows(modes=("pending_human",)))

    def mine(self, agent: AgentAccount) -> list[BoardRow]:
        """Conversations ``agent`` is working now."""
        rows = self.store.board_rows(modes=("human_active",))
        return [r for r in rows if r.assigned_to == agent.username]

    def kpis(self, since: datetime | None = None) -> Kpis:
        """KPIs over the conversations updated since ``since`` (default: all)."""
        return compute_kpis(list(self.store.board_rows(since=since)), self._clock())

    def now(self) -> datetime:
        """The service's clock."""
        return self._clock()


def _replies_to(messages: Sequence[Message], external_id: str) -> list[Message]:
    """What followed the customer message with this channel id, up to the customer's next message."""
    start = next(
        (i for i, m in enumerate(messages) if isinstance(m, CustomerMessage) and m.external_id == external_id), None
    )
    if start is None:
        return []
    out: list[Message] = []
    for m in messages[start + 1 :]:
        if isinstance(m, CustomerMessage):
            break
        out.append(m)
    return out
