"""The summarizer on an LLM: the packet's structure comes from the records; the model writes the summary.

A model failure never blocks a handoff: the offline summary stays in the packet. With ``after_handoff`` (the
default) the handoff does not wait for the model at all: the packet leaves with the offline summary, so the
customer hears the handoff message at once, and the model's summary is written in the background, to be put
in the packet by the conversation's next event (:meth:`LLMSummarizer.written_summary`; a human taking over
waits for it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime

from relevo._errors import ModelError
from relevo.agents._history import transcript_as_text
from relevo.agents._summarizer import OfflineSummarizer
from relevo.agents._texts import render_from
from relevo.contracts import ConversationState, EscalationReason, HandoffPacket, ModelCall
from relevo.models import CallLedger, ModelChain, ModelRequest, SystemTurn, UserTurn

__all__ = ["LLMSummarizer"]

_PENDING_MAX = 1_000  # summaries waiting to be picked up; the oldest are dropped (their packet keeps the offline one)


class LLMSummarizer:
    """Writes the packet summary with a model; everything else in the packet is built from records."""

    def __init__(
        self,
        chain: ModelChain,
        offline: OfflineSummarizer,
        *,
        desk_name: str = "this company",
        after_handoff: bool = True,
    ) -> None:
        self.chain = chain
        self.offline = offline
        self.desk_name = desk_name
        self.after_handoff = after_handoff
        self._pending: OrderedDict[str, tuple[Future[str], CallLedger]] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def packet(
        self,
        state: ConversationState,
        reasons: Sequence[EscalationReason],
        now: datetime,
        calls: CallLedger | None = None,
    ) -> HandoffPacket:
        packet = self.offline.packet(state, reasons, now)
        ledger = calls or CallLedger()
        if not self.after_handoff:
            text = self._summary(state, packet, ledger)
            return packet.model_copy(update={"summary": text}) if text else packet
        background = CallLedger(spent_before=ledger.spent_before, budget_usd=ledger.budget_usd)
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="relevo-summary")
            future = self._pool.submit(self._summary, state, packet, background)
            self._pending[state.conversation_id] = (future, background)
            self._pending.move_to_end(state.conversation_id)
            while len(self._pending) > _PENDING_MAX:
                self._pending.popitem(last=False)
        return packet

    def written_summary(self, conversation_id: str, *, wait_s: float = 0.0) -> tuple[str, list[ModelCall]] | None:
        """The model's summary of this conversation's latest handoff and the calls it took, once written.

        Waits up to ``wait_s`` seconds. None when no summary is pending here (another process handed off, or a
        restart came between), the model failed, or it is not ready in time (it stays pending).
        """
        with self._lock:
            pending = self._pending.get(conversation_id)
        if pending is None:
            return None
        future, ledger = pending
        try:
            text = future.result(timeout=wait_s)
        except FutureTimeout:
            return None
        with self._lock:
            if self._pending.get(conversation_id) is pending:
                del self._pending[conversation_id]
        return (text, list(ledger.calls)) if text else None

    def _summary(self, state: ConversationState, packet: HandoffPacket, calls: CallLedger) -> str:
        records = "\n".join(
            [
                f"offline summary: {packet.summary}",
                "facts: " + "; ".join(f"{f.name}={f.value}" for f in packet.facts),
                "commitments: " + ("; ".join(c.what for c in packet.commitments) or "none"),
                "transcript:\n" + transcript_as_text(state.messages),
            ]
        )
        request = ModelRequest(
            messages=[
                SystemTurn(content=render_from("prompts", "summarizer_system", "en", desk_name=self.desk_name)),
                UserTurn(content=render_from("prompts", "summarizer_user", "en", records=records)),
            ],
            max_tokens=200,
        )
        try:
            return self.chain.complete(request, calls).text.strip()
        except ModelError:
            return ""

    def briefing(self, state: ConversationState, note: str, calls: CallLedger | None = None) -> str:
        return self.offline.briefing(state, note)
