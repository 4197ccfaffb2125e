"""The conversation runtime: start conversations, send messages, and the human side's commands."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver

from relevo._errors import BadInputError, ModeError, UnknownConversationError
from relevo.contracts import (
    ConversationState,
    CustomerMessage,
    CustomerRef,
    CustomerTurn,
    EscalationDecision,
    EscalationReason,
    Event,
    HandBack,
    HumanReply,
    PendingTimeout,
    Resolve,
    SystemEvent,
    Takeover,
)
from relevo.contracts._messages import Channel
from relevo.memory import CustomerMemory, redact_pii
from relevo.orchestrator._context import RunContext, TurnIds
from relevo.orchestrator._graph import NodeName, SupportGraph
from relevo.orchestrator._handback import describe_hand_back
from relevo.orchestrator._normalise import normalise_text
from relevo.orchestrator._turns import TurnResult

__all__ = ["SupportDesk"]

_MAX_AGENT_NAME = 80


class SupportDesk:
    """Runs conversations through a compiled support graph, one LangGraph thread per conversation.

    Create one with :class:`relevo.DeskBuilder` (``DeskBuilder().open(data_dir)``). Everything is persisted
    by the checkpointer as it happens: a new process opening the same data directory continues every
    conversation where it was.
    """

    def __init__(
        self,
        graph: SupportGraph,
        context: RunContext,
        checkpointer: BaseCheckpointSaver[Any],
        *,
        new_id: Callable[[], str] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.graph = graph
        self.context = context
        self.checkpointer = checkpointer
        self._new_id = new_id or (lambda: f"conv-{uuid.uuid4().hex[:12]}")
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._on_close = on_close

    # -- conversations --------------------------------------------------------------------------------
    @property
    def memory(self) -> CustomerMemory | None:
        """Customer memory, PII vault and linked identities of this desk's data directory."""
        return self.context.memory

    def start(
        self,
        *,
        customer_id: str | None = None,
        channel: Channel = "web",
        conversation_id: str | None = None,
        handle: str | None = None,
    ) -> str:
        """Open a conversation for ``customer_id`` (an unknown or missing id makes the customer a guest).

        ``handle`` is the customer's address on the channel (a WhatsApp phone, a web chat email): when it is
        linked to a customer (``desk.memory.link_identity``), that customer's memory follows them here.
        """
        conv_id = conversation_id or self._new_id()
        if self._snapshot(conv_id) is not None:
            raise BadInputError(f"conversation {conv_id!r} already exists")
        memory = self.context.memory
        if customer_id is None and handle is not None and memory is not None:
            customer_id = memory.resolve_identity(channel, handle)
        customer = self._customer(customer_id)
        if memory is not None:
            memory.note_conversation(conv_id, customer.id, self.context.clock())
        initial = ConversationState(
            conversation_id=conv_id,
            customer=customer,
            channel=channel,
            language=customer.preferred_language or "en",
        )
        with self._lock(conv_id):
            self.graph.invoke(initial, self._config(conv_id), context=self.context)
        return conv_id

    def state(self, conversation_id: str) -> ConversationState:
        """The conversation as stored now.

        Raises:
            UnknownConversationError: no such conversation in this storage.
        """
        values = self._snapshot(conversation_id)
        if values is None:
            raise UnknownConversationError(conversation_id)
        return ConversationState.model_validate(values)

    def send(
        self,
        conversation_id: str,
        text: str | bytes,
        *,
        channel: Channel | None = None,
        external_id: str | None = None,
    ) -> TurnResult:
        """The customer writes ``text``. Returns the AI's reply, or none while a human owns the conversation.

        ``external_id`` is the channel's id of the message; it is stored with the message, so
        :meth:`has_message` can tell a redelivery from a new message even after a crash.

        Raises:
            UnknownConversationError: no such conversation in this storage.
        """
        if not self._exists(conversation_id):
            raise UnknownConversationError(conversation_id)
        # Cap and clean first, so redaction's work is bounded whatever arrived; then redact before the text
        # becomes graph input (the input is checkpointed too).
        clean = normalise_text(text)
        memory = self.context.memory
        raw = memory.redact(conversation_id, clean.text) if memory is not None else redact_pii(clean.text).text
        cut = clean.original_chars if clean.truncated else None
        event = CustomerTurn(text=raw, channel=channel, external_id=external_id, original_chars=cut)
        return self._run(conversation_id, event, raw)

    def has_message(self, conversation_id: str, external_id: str) -> bool:
        """Whether the conversation already holds the customer message with this channel id."""
        state = self.state(conversation_id)
        return any(isinstance(m, CustomerMessage) and m.external_id == external_id for m in state.messages)

    def finish_turn(self, conversation_id: str) -> TurnResult | None:
        """Run what a turn stopped part-way left to do, from its last checkpoint: the nodes still pending after a
        failure (an exception, or a process killed) once its message was checkpointed. None when no turn is
        unfinished; else what the finished turn added (its reply, a handoff).

        Raises:
            UnknownConversationError: no such conversation in this storage.
        """
        config = self._config(conversation_id)
        with self._lock(conversation_id):
            snapshot = self.graph.get_state(config)
            if not snapshot.values:
                raise UnknownConversationError(conversation_id)
            if not snapshot.next:
                return None
            before = ConversationState.model_validate(dict(snapshot.values))
            for _ in self.graph.stream(None, config, context=self.context, stream_mode="values"):
                pass
        return TurnResult.between(before, self.state(conversation_id), "/finish")

    # -- the human side -------------------------------------------------------------------------------
    def takeover(self, conversation_id: str, agent: str) -> TurnResult:
        """Human ``agent`` takes the conversation; from now on the AI writes nothing to the customer."""
        name = " ".join(agent.split())[:_MAX_AGENT_NAME]
        if not name:
            raise BadInputError("takeover needs the agent's name")
        before = self.state(conversation_id)
        self._require(before, "takeover", ("pending_human", "ai_active"))
        return self._run(conversation_id, Takeover(agent=name), f"/takeover {name}", before)

    def human_reply(self, conversation_id: str, text: str) -> TurnResult:
        """The human who took over writes to the customer."""
        if not text.strip():
            raise BadInputError("a reply needs text")
        before = self.state(conversation_id)
        self._require(before, "reply", ("human_active",))
        return self._run(conversation_id, HumanReply(text=text.strip()), f"/reply {text.strip()}", before)

    def hand_back(self, conversation_id: str, note: str | HandBack = "") -> TurnResult:
        """The human gives the conversation back to the AI: a free-text note on what they did, or a typed
        :class:`relevo.contracts.HandBack` (actions, decisions, promises, facts they changed; see
        :func:`relevo.orchestrator.parse_hand_back` for the one-line form)."""
        event = note if isinstance(note, HandBack) else HandBack(note=note.strip())
        before = self.state(conversation_id)
        self._require(before, "hand back", ("human_active",))
        return self._run(conversation_id, event, f"/handback {describe_hand_back(event)}".strip(), before)

    def expire_wait(self, conversation_id: str, *, waited_s: float = 0.0) -> TurnResult:
        """Nobody took the waiting conversation in time: the AI apologises, takes it back (``ai_active``) and
        promises that a colleague follows up in the conversation; the promise is a commitment in the record.

        Raises:
            ModeError: the conversation is not waiting for a human.
        """
        before = self.state(conversation_id)
        self._require(before, "expire the wait", ("pending_human",))
        return self._run(conversation_id, PendingTimeout(waited_s=waited_s), "/timeout", before)

    def hand_off_failure(self, conversation_id: str, error: str) -> TurnResult:
        """A customer message of this conversation kept failing and was set aside: hand the conversation to a
        human with reason ``processing_error`` (the customer is told, in their language, that a colleague takes
        over). While a human already has it, the human gets a note instead.

        ``error`` is what failed (shown to agents as the reason's evidence; never the message text).
        """
        before = self.state(conversation_id)
        now = self.context.clock()
        ids = TurnIds(len(before.messages) + 1)
        evidence = " ".join(error.split())[:300] or "unknown error"
        note = SystemEvent(id=ids("evt"), at=now, text=f"a customer message failed: {evidence}", event="note")
        config = self._config(conversation_id)
        with self._lock(conversation_id):
            if before.mode in ("pending_human", "human_active"):
                self.graph.update_state(config, {"messages": [note]}, as_node=NodeName.MEMORIZE.value)
            else:
                reason = EscalationReason(code="processing_error", evidence=evidence)
                packet = self.context.agents.summarizer.packet(before, [reason], now)
                decision = EscalationDecision(fired=True, reasons=[reason], stage="resolution")
                update = {"messages": [note], "escalations": [decision], "packet": packet}
                self.graph.update_state(config, update, as_node=NodeName.SUMMARIZE.value)
                for _ in self.graph.stream(None, config, context=self.context, stream_mode="values"):
                    pass  # handoff (queue, the customer told) and memorize run as after any escalation
        return TurnResult.between(before, self.state(conversation_id), "/processing_error")

    def resolve(self, conversation_id: str, *, by: str = "agent") -> TurnResult:
        """Close the conversation."""
        before = self.state(conversation_id)
        self._require(before, "resolve", ("ai_active", "pending_human", "human_active"))
        return self._run(conversation_id, Resolve(by=by), "/resolve", before)

    def close(self) -> None:
        """Release storage handles."""
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> SupportDesk:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------------
    def _run(
        self, conversation_id: str, event: Event, text: str, before: ConversationState | None = None
    ) -> TurnResult:
        """Run the event; the turn's result is the difference between the state the run started from (the first
        ``values`` the graph streams, read under the same lock, without loading the checkpoint twice) and its end."""
        config = self._config(conversation_id)
        first: dict[str, Any] | None = None
        out: dict[str, Any] | None = None
        with self._lock(conversation_id):
            for values in self.graph.stream({"inbox": event}, config, context=self.context, stream_mode="values"):
                if first is None:
                    first = values
                out = values
        if out is None or first is None:
            raise UnknownConversationError(conversation_id)
        after = ConversationState.model_validate(out)
        return TurnResult.between(before or ConversationState.model_validate(first), after, text)

    def _exists(self, conversation_id: str) -> bool:
        probe = getattr(self.checkpointer, "has_thread", None)
        if callable(probe):
            return bool(probe(conversation_id))
        return self._snapshot(conversation_id) is not None

    @staticmethod
    def _require(state: ConversationState, command: str, allowed: tuple[str, ...]) -> None:
        if state.mode not in allowed:
            raise ModeError(command, state.mode, allowed)

    def _customer(self, customer_id: str | None) -> CustomerRef:
        if customer_id:
            found = self.context.directory.customer(customer_id)
            if found is not None:
                return CustomerRef(
                    id=found.id,
                    name=found.name,
                    tier=found.tier or "",
                    is_guest=False,
                    preferred_language=found.language or "",
                )
        return CustomerRef(id=customer_id or f"guest-{uuid.uuid4().hex[:8]}", is_guest=True)

    def _snapshot(self, conversation_id: str) -> dict[str, Any] | None:
        values = self.graph.get_state(self._config(conversation_id)).values
        return dict(values) if values else None

    @staticmethod
    def _config(conversation_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": conversation_id}}

    def _lock(self, conversation_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(conversation_id, threading.Lock())
