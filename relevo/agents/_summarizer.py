"""The summarizer: a validated HandoffPacket for the human, and a briefing for the AI at hand-back.

Offline summaries are structured and extractive: built from the conversation's records (facts, attempts,
commitments, reasons) and the customer's own words, so nothing in them is invented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, Protocol

from relevo._config import RoutingConfig
from relevo.agents._intents import SMALL_TALK
from relevo.agents._routing import route_handoff
from relevo.contracts import (
    ConversationState,
    CustomerMessage,
    EscalationReason,
    Fact,
    FactSpec,
    HandoffPacket,
    HumanAgentMessage,
    IntentCatalog,
    IntentSummary,
    Signals,
    SystemEvent,
    Trend,
)
from relevo.models import CallLedger
from relevo.models.offline._language import MAX_SCAN_CHARS

__all__ = ["OfflineSummarizer", "Summarizer", "primary_intent"]

_KNOWN_MAX = 10
"""At most this many facts in the summary's "Known:" line; the packet's ``facts`` holds every one."""

_CONVERSATIONAL_TARGETS = SMALL_TALK | {"thanks", "closing", "scope_redirect"}
"""Attempt targets of the resolver's conversational replies (relevo.agents._resolver), left out of "AI tried"."""

_REASON_STEPS = {
    "explicit_request": "Greet the customer by name and pick up from the summary; they asked for a person.",
    "negative_sentiment": "Acknowledge the frustration first, then resolve; do not re-ask known facts.",
    "sentiment_trend": "The customer is getting more upset: acknowledge it and give a concrete next step.",
    "out_of_scope": "Check what the customer needs; it is outside the AI's scope.",
    "low_confidence": "The AI could not understand or answer: clarify the request.",
    "loop_detected": "The conversation was going in circles: take a different approach.",
    "repeated_failure": "The AI's answers did not help: resolve directly.",
    "policy_sensitive": "Policy-sensitive request: handle per policy (legal, payment disputes, what may be granted).",
    "lead_qualified": "Sales lead: qualify volume, timeline and budget, and quote.",
    "vip": "VIP customer: resolve with priority and consider goodwill within your authority.",
    "tool_failure": "A system the AI needed was down: check it manually.",
    "model_error": "The AI's model failed: continue manually.",
    "budget_exhausted": "The AI's budget for this conversation ran out: continue manually.",
    "processing_error": "A customer message could not be processed (see the evidence): read it and continue.",
}


class Summarizer(Protocol):
    """Builds the handoff packet and the hand-back briefing."""

    def packet(
        self,
        state: ConversationState,
        reasons: Sequence[EscalationReason],
        now: datetime,
        calls: CallLedger | None = None,
    ) -> HandoffPacket: ...

    def briefing(self, state: ConversationState, note: str, calls: CallLedger | None = None) -> str: ...


def primary_intent(signals: Sequence[Signals]) -> Signals | None:
    """The latest turn with a substantive intent (not small talk or the request for a human)."""
    for s in reversed(signals):
        if s.intent not in SMALL_TALK:
            return s
    return signals[-1] if signals else None


class OfflineSummarizer:
    """Structured, extractive summaries from the conversation's own records."""

    def __init__(self, catalog: IntentCatalog, routing: RoutingConfig) -> None:
        self.catalog = catalog
        self.routing = routing
        self._specs = catalog.fact_specs()
        self._declared = [spec.name for spec in self._specs]

    def packet(
        self,
        state: ConversationState,
        reasons: Sequence[EscalationReason],
        now: datetime,
        calls: CallLedger | None = None,
    ) -> HandoffPacket:
        main = primary_intent(state.signals)
        intent = main.intent if main is not None else "unknown"
        facts = _with_mentioned_facts(state, self._specs)
        known = {f.name for f in facts}
        definition = self.catalog.get(intent)
        required = definition.required_facts if definition is not None else []
        missing = [name for name in required if name not in known]
        sentiment = _trend([s.sentiment for s in state.signals])
        urgency = _trend([s.urgency for s in state.signals], higher_is_worse=True)
        route = route_handoff(
            intent=intent,
            language=state.language,
            customer=state.customer,
            reasons=reasons,
            urgency=urgency.values[-1] if urgency.values else 0.0,
            catalog=self.catalog,
            config=self.routing,
        )
        open_questions = [f"What is the customer's {name.replace('_', ' ')}?" for name in missing]
        if state.pending_offer is not None:
            open_questions.append(
                f"Customer has not answered the offer: {state.pending_offer.description} "
                f"({state.pending_offer.amount:.2f} {state.pending_offer.currency})."
            )
        return HandoffPacket(
            conversation_id=state.conversation_id,
            created_at=now,
            customer=state.customer,
            channel=state.channel,
            language=state.language,
            intent=intent,
            intent_confidence=main.confidence if main is not None else 0.0,
            intents=_intent_summaries(state.signals),
            sentiment=sentiment,
            urgency=urgency,
            summary=self._summary(state, intent, facts, reasons),
            facts=facts,
            attempts=list(state.attempts),
            commitments=list(state.commitments),
            open_questions=open_questions,
            missing_facts=missing,
            memory_highlights=list(state.memory_highlights),
            hand_backs=list(state.hand_backs),
            reasons=list(reasons),
            suggested_next_step=self._next_step(reasons, missing),
            route=route,
            transcript_ref=f"conversation:{state.conversation_id}#{len(state.messages)}",
            model_cost_usd=round(sum(c.cost_usd for c in state.model_calls), 6),
        )

    def briefing(self, state: ConversationState, note: str, calls: CallLedger | None = None) -> str:
        """What the human did, for the AI to continue from: their hand-back note, else their last reply."""
        start = _last_index(state, "takeover")
        said = [m.text for m in state.messages[start:] if isinstance(m, HumanAgentMessage)]
        text = note.strip() or (said[-1] if said else "")
        return " ".join(text.split()).rstrip(".!;, ")

    def _summary(
        self,
        state: ConversationState,
        intent: str,
        facts: Sequence[Fact],
        reasons: Sequence[EscalationReason],
    ) -> str:
        customer = state.customer
        who = f"{customer.name} ({customer.tier}, {customer.id})" if not customer.is_guest else f"Guest {customer.id}"
        lines = [f"{who} on {state.channel}, writing in {state.language}, about {intent.replace('_', ' ')}."]
        words = [m.text for m in state.messages if isinstance(m, CustomerMessage)]
        if words:
            quoted = " | ".join(_clip(t, 140) for t in words[-3:])
            lines.append(f'Customer said: "{quoted}".')
        key = self._key_facts(intent, facts)
        if key:
            shown = [f"{f.name.replace('_', ' ')} = {_clip(f.value, 80)}{_unconfirmed(f)}" for f in key[:_KNOWN_MAX]]
            more = f" (and {len(key) - _KNOWN_MAX} more in the facts)" if len(key) > _KNOWN_MAX else ""
            lines.append("Known: " + "; ".join(shown) + more + ".")
        # Greetings, thanks and closings are conversation, not attempts at the customer's issue.
        substantive = [a for a in state.attempts if not (a.action == "answer" and a.target in _CONVERSATIONAL_TARGETS)]
        if substantive:
            tried = [f"{a.target} → {a.outcome}" for a in substantive[-4:]]
            lines.append("AI tried: " + ", ".join(tried) + ".")
        if reasons:
            lines.append("Handed off because: " + "; ".join(f"{r.code} ({r.evidence})" for r in reasons) + ".")
        return " ".join(lines)

    def _key_facts(self, intent: str, facts: Sequence[Fact]) -> list[Fact]:
        """Facts for the summary: those the intent requires and the desk declares first, then the rest as they
        were established; the profile's own facts are left out (the first line names the customer)."""
        definition = self.catalog.get(intent)
        first = [*(definition.required_facts if definition is not None else []), *self._declared]
        rank = {name: i for i, name in reversed(list(enumerate(first)))}
        own = [f for f in facts if f.source != "profile"]
        return sorted(own, key=lambda f: rank.get(f.name, len(rank)))

    def _next_step(self, reasons: Sequence[EscalationReason], missing: Sequence[str]) -> str:
        # A desk's own rule has no canned step: its evidence is what the human acts on.
        steps = [_REASON_STEPS.get(r.code, f"{r.code.replace('_', ' ').capitalize()}: {r.evidence}.") for r in reasons]
        steps = steps[:1]
        if missing:
            steps.append("Ask for: " + ", ".join(m.replace("_", " ") for m in missing) + ".")
        return " ".join(steps) or "Review the conversation and continue."


def _with_mentioned_facts(state: ConversationState, specs: Sequence[FactSpec]) -> list[Fact]:
    """The conversation's facts, plus each declared fact (``IntentCatalog.fact_specs``) the customer mentioned
    that nothing established: the latest mention, marked with confidence 0.5."""
    facts = list(state.facts)
    known = {f.name for f in facts}
    words = [m for m in reversed(state.messages) if isinstance(m, CustomerMessage)]
    for spec in specs:
        if spec.name in known:
            continue
        for message in words:
            found = re.finditer(spec.pattern, message.text[:MAX_SCAN_CHARS], re.IGNORECASE)
            values = [value for m in found if (value := (m.group(1) or "").strip())]
            if values:
                value = values[-1]
                facts.append(Fact(name=spec.name, value=value, source=message.id, confidence=0.5, at=message.at))
                break
    return facts


def _unconfirmed(fact: Fact) -> str:
    return " (mentioned, unconfirmed)" if fact.confidence <= 0.5 else ""


def _intent_summaries(signals: Sequence[Signals]) -> list[IntentSummary]:
    seen: dict[str, IntentSummary] = {}
    for s in signals:
        prior = seen.get(s.intent)
        seen[s.intent] = IntentSummary(
            intent=s.intent,
            confidence=max(s.confidence, prior.confidence if prior else 0.0),
            turns=(prior.turns if prior else 0) + 1,
        )
    return list(seen.values())


def _trend(values: Sequence[float], *, higher_is_worse: bool = False) -> Trend:
    rounded = [round(v, 3) for v in values]
    direction: Literal["improving", "steady", "worsening"] = "steady"
    if len(values) >= 2:
        delta = values[-1] - values[0]
        if higher_is_worse:
            delta = -delta
        if delta <= -0.2:
            direction = "worsening"
        elif delta >= 0.2:
            direction = "improving"
    return Trend(values=rounded, direction=direction)


def _last_index(state: ConversationState, event: str) -> int:
    for i in range(len(state.messages) - 1, -1, -1):
        message = state.messages[i]
        if isinstance(message, SystemEvent) and message.event == event:
            return i
    return 0


def _clip(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
