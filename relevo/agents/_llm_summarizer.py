"""The summarizer on an LLM: the packet's structure comes from the records; the model writes the summary.

A model failure never blocks a handoff: the offline summary stays in the packet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from relevo._errors import ModelError
from relevo.agents._history import transcript_as_text
from relevo.agents._summarizer import OfflineSummarizer
from relevo.agents._texts import render_from
from relevo.contracts import ConversationState, EscalationReason, HandoffPacket
from relevo.models import CallLedger, ModelChain, ModelRequest, SystemTurn, UserTurn

__all__ = ["LLMSummarizer"]


class LLMSummarizer:
    """Writes the packet summary with a model; everything else in the packet is built from records."""

    def __init__(self, chain: ModelChain, offline: OfflineSummarizer, *, store_name: str = "our store") -> None:
        self.chain = chain
        self.offline = offline
        self.store_name = store_name

    def packet(
        self,
        state: ConversationState,
        reasons: Sequence[EscalationReason],
        now: datetime,
        calls: CallLedger | None = None,
    ) -> HandoffPacket:
        packet = self.offline.packet(state, reasons, now)
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
                SystemTurn(content=render_from("prompts", "summarizer_system", "en", store=self.store_name)),
                UserTurn(content=render_from("prompts", "summarizer_user", "en", records=records)),
            ],
            max_tokens=200,
        )
        try:
            text = self.chain.complete(request, calls or CallLedger()).text.strip()
        except ModelError:
            return packet
        return packet.model_copy(update={"summary": text}) if text else packet

    def briefing(self, state: ConversationState, note: str, calls: CallLedger | None = None) -> str:
        return self.offline.briefing(state, note)
