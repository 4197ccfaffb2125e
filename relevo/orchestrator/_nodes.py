"""The support graph's nodes. Each reads the state, asks its agent, and returns a partial update."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from langgraph.runtime import Runtime

from relevo._errors import ModeError
from relevo.agents import (
    LLMResolver,
    LLMSummarizer,
    LLMTriage,
    PolicyView,
    Resolver,
    ResolverTurn,
    Toolbox,
)
from relevo.contracts import (
    AIMessage,
    Commitment,
    ConversationState,
    CustomerMessage,
    CustomerTurn,
    EscalationDecision,
    EscalationReason,
    HandBack,
    HumanAgentMessage,
    HumanReply,
    ModelCall,
    PendingTimeout,
    Resolve,
    Signals,
    SystemEvent,
    Takeover,
)
from relevo.memory import redact_pii
from relevo.models import CallLedger
from relevo.orchestrator._context import RunContext, TurnIds
from relevo.orchestrator._handback import describe_hand_back, hand_back_records
from relevo.orchestrator._normalise import normalise_text
from relevo.tools import ToolContext

__all__ = [
    "escalate",
    "handoff",
    "human_desk",
    "ingest",
    "late_summary",
    "make_resolve_node",
    "since_ai_took_over",
    "summarize",
    "triage",
]

Update = dict[str, Any]


def _ids(state: ConversationState) -> TurnIds:
    return TurnIds(len(state.messages) + 1)


def _last_customer_message(state: ConversationState) -> CustomerMessage:
    for message in reversed(state.messages):
        if isinstance(message, CustomerMessage):
            return message
    raise ModeError("triage", state.mode, ("ai_active with a customer message",))


def _ai_period_start(state: ConversationState) -> int:
    """Index of the last hand-back or reopening: what came before it is settled history for the rules."""
    for index in range(len(state.messages) - 1, -1, -1):
        message = state.messages[index]
        if isinstance(message, SystemEvent) and message.event in ("hand_back", "reopened"):
            return index
    return 0


def since_ai_took_over(state: ConversationState) -> list[Signals]:
    """Signals of customer turns since the last hand-back or reopening (rules must not fire on old evidence)."""
    start = _ai_period_start(state)
    if start == 0:
        return list(state.signals)
    ids = {m.id for m in state.messages[start:] if isinstance(m, CustomerMessage)}
    return [s for s in state.signals if s.message_id in ids]


def ingest(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
    """Record what arrived. Customer text is normalised; the mode decides whether the AI may answer."""
    event = state.inbox
    if not isinstance(event, CustomerTurn):
        return {}
    ctx = runtime.context
    ids = _ids(state)
    now = ctx.clock()
    clean = normalise_text(event.text)
    # Personal data becomes vault tokens before the message enters state (SupportDesk.send redacts first too,
    # so the graph's input is clean; this covers graphs invoked directly).
    text = (
        ctx.memory.redact(state.conversation_id, clean.text) if ctx.memory is not None else redact_pii(clean.text).text
    )
    if not clean.text:
        reply = ctx.texts.render("empty_message", state.language)
        return {"messages": [AIMessage(id=ids("msg"), at=now, text=reply, agent="ingest", language=state.language)]}
    has_spoken = any(isinstance(m, CustomerMessage) for m in state.messages)
    # Earlier turns, else the profile; a guest's first message has no prior (the desk default is no evidence).
    hint = state.language if has_spoken else state.customer.preferred_language
    language = ctx.agents.triage.detect_language(text, hint)
    message = CustomerMessage(
        id=ids("msg"),
        at=now,
        text=text,
        channel=event.channel or state.channel,
        language=language,
        received_while=state.mode,
        external_id=event.external_id,
    )
    update: Update = {"messages": [], "language": language}
    if state.mode == "closed":
        update["mode"] = "ai_active"
        update["messages"].append(SystemEvent(id=ids("evt"), at=now, text="customer wrote again", event="reopened"))
    if clean.truncated or event.original_chars is not None:
        received = event.original_chars or clean.original_chars
        note = f"next message cut to {len(text)} of {received} characters"
        update["messages"].append(SystemEvent(id=ids("evt"), at=now, text=note, event="note"))
    update["messages"].append(message)
    if not has_spoken and ctx.memory is not None and not state.customer.is_guest:
        highlights, promises = ctx.memory.highlights(state.customer.id, text, now=now)
        update["memory_highlights"] = highlights
        update["remembered_promises"] = promises
    if state.mode == "pending_human":
        update.update(late_summary(state, ctx))
        update["language"] = state.language
        if not _held_since_handoff(state):
            holding = ctx.texts.render("holding", state.language)
            update["messages"].append(
                AIMessage(id=ids("msg"), at=now, text=holding, agent="ingest", language=state.language)
            )
    elif state.mode == "human_active":
        update["language"] = state.language
    return update


def _held_since_handoff(state: ConversationState) -> bool:
    """Whether the customer already got the holding message in this wait (one per handoff, on the first message
    they send after it: the handoff reply said a person is coming, the holding message says this one reached them)."""
    for message in reversed(state.messages):
        if isinstance(message, SystemEvent) and message.event == "escalated":
            return False
        if isinstance(message, AIMessage) and message.agent == "ingest":
            return True
    return False


def _parallel_triage(ctx: RunContext) -> LLMTriage | None:
    """The model-backed triage when it runs beside a model-backed resolver (``models.parallel_triage``)."""
    triage = ctx.agents.triage
    if (
        ctx.config.models.parallel_triage
        and isinstance(triage, LLMTriage)
        and isinstance(ctx.agents.resolver, LLMResolver)
    ):
        return triage
    return None


def triage(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
    """Signals for the newest customer message.

    With a model-backed triage and resolver (``models.parallel_triage``), this is the offline engine's reading
    (no model call): the triage-stage rules decide on it at once, and the model's reading is taken beside the
    resolver's call, where the policy decides again on both (see the resolve node).
    """
    message = _last_customer_message(state)
    model_triage = _parallel_triage(runtime.context)
    if model_triage is not None:
        return {"signals": [model_triage.provisional(state, message)]}
    calls = _ledger(state, runtime.context)
    signals = runtime.context.agents.triage.assess(state, message, calls)
    return {"signals": [signals], "model_calls": calls.calls}


def escalate(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
    """The policy engine's triage-stage rules."""
    ctx = runtime.context
    signals = state.signals[-1]
    # On the offline reading of a desk whose triage is a model, confidence is the model's to judge (beside the
    # resolver); every other rule decides now.
    provisional = _parallel_triage(ctx) is not None
    view = PolicyView(
        state=state,
        signals=signals,
        history=since_ai_took_over(state),
        min_confidence=0.0 if provisional else ctx.config.triage.min_confidence,
    )
    return {"escalations": [ctx.agents.policy.evaluate(view, "triage")]}


def make_resolve_node(resolver_of: str | None = None) -> Any:
    """A node that answers with the graph's resolver, or with the specialist named ``resolver_of``."""

    def resolve(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
        ctx = runtime.context
        resolver: Resolver = ctx.agents.resolver
        if resolver_of is not None:
            resolver = next(s.resolver for s in ctx.specialists if s.name == resolver_of)
        ids = _ids(state)
        message = _last_customer_message(state)
        signals = state.signals[-1]
        tool_context = ToolContext(
            now=ctx.clock,
            new_id=ids,
            conversation_id=state.conversation_id,
            customer_id=None if state.customer.is_guest else state.customer.id,
            language=state.language,
            facts={fact.name: fact.value for fact in state.facts},
            services=ctx.services,
        )
        reveal: Callable[[str], str] = _as_is
        redact: Callable[[str], str] = _redacted
        if ctx.memory is not None:
            reveal = functools.partial(ctx.memory.reveal, state.conversation_id)
            redact = functools.partial(ctx.memory.redact, state.conversation_id)
        toolbox = Toolbox(ctx.tools, tool_context, redact=redact)
        calls = _ledger(state, ctx)
        turn = ResolverTurn(state=state, message=message, signals=signals, toolbox=toolbox, reveal=reveal, calls=calls)
        decisions: list[EscalationDecision] = []
        triage_calls: list[ModelCall] = []
        history = since_ai_took_over(state)
        model_triage = _parallel_triage(ctx)
        if model_triage is None:
            resolution = resolver.resolve(turn)
        else:
            # The model's triage runs beside the resolver's call: the customer waits for one round trip.
            ledger = _ledger(state, ctx)
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="relevo-triage") as pool:
                reading = pool.submit(model_triage.refine, state, message, signals, ledger)
                resolution = resolver.resolve(turn)
                signals = reading.result()
            triage_calls = ledger.calls
            history = [*history[:-1], signals] if history else [signals]
            # The policy decides on both readings: a triage rule the model's reading fires withholds the reply.
            again = PolicyView(
                state=state, signals=signals, history=history, min_confidence=ctx.config.triage.min_confidence
            )
            decisions.append(ctx.agents.policy.evaluate(again, "triage"))
        earlier = [m.text for m in state.messages[_ai_period_start(state) :] if isinstance(m, AIMessage)]
        view = PolicyView(
            state=state,
            signals=signals,
            history=history,
            min_confidence=ctx.config.triage.min_confidence,
            attempts=resolution.attempts,
            tool_calls=toolbox.calls,
            reply=resolution.reply,
            earlier_ai_replies=earlier,
            model_error=resolution.model_error,
        )
        decision = ctx.agents.policy.evaluate(view, "resolution")
        guard = resolution.guard
        if guard is not None and guard.action == "handoff":
            # The model's reply failed the grounding guard twice and the desk hands such turns to a human.
            evidence = "; ".join(guard.failed)[:500]
            reason = EscalationReason(code="ungrounded_reply", evidence=evidence)
            decision = decision.model_copy(update={"fired": True, "reasons": [*decision.reasons, reason]})
        decisions.append(decision)
        update: Update = {
            "attempts": resolution.attempts,
            "facts": resolution.facts,
            "commitments": resolution.commitments,
            "tool_calls": toolbox.calls,
            "escalations": decisions,
            "model_calls": [*triage_calls, *calls.calls],
        }
        if model_triage is not None:
            update["signals"] = [signals]  # replaces the offline reading of this message
        if guard is not None:
            update["guard_reports"] = [guard]
        if resolution.pending_offer is not None:
            update["pending_offer"] = resolution.pending_offer
        elif resolution.clear_offer:
            update["pending_offer"] = None
        fired = [reason for d in decisions if d.fired for reason in d.reasons]
        if all(reason.answer_first for reason in fired):
            # An answer-first rule (a retention offer, say) lets the reply out; the handoff follows it.
            update["messages"] = [
                AIMessage(
                    id=ids("msg"),
                    at=ctx.clock(),
                    text=resolution.reply,
                    agent=resolver_of or "resolver",
                    language=signals.language,
                    grounding=resolution.grounding,
                )
            ]
        return update

    return resolve


def _ledger(state: ConversationState, ctx: RunContext) -> CallLedger:
    """This turn's record of model calls, drawing on the conversation's budget."""
    budget = ctx.config.models.budget_usd
    spent = sum(c.cost_usd for c in state.model_calls)
    return CallLedger(spent_before=spent, budget_usd=budget or None)


def _as_is(text: str) -> str:
    return text


def _redacted(text: str) -> str:
    return redact_pii(text).text


def turn_reasons(state: ConversationState) -> list[EscalationReason]:
    """Every reason that fired for the newest customer message, across both stages."""
    if not state.signals:
        return []
    message_id = state.signals[-1].message_id
    return [r for d in state.escalations if d.message_id == message_id and d.fired for r in d.reasons]


def summarize(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
    """A validated handoff packet with everything the human needs."""
    ctx = runtime.context
    calls = _ledger(state, ctx)
    calls.budget_usd = None  # the handoff must happen even when the budget is spent
    packet = ctx.agents.summarizer.packet(state, turn_reasons(state), ctx.clock(), calls)
    spent = packet.model_cost_usd + sum(c.cost_usd for c in calls.calls)
    return {"packet": packet.model_copy(update={"model_cost_usd": round(spent, 6)}), "model_calls": calls.calls}


def handoff(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
    """Put the conversation in the human queue and tell the customer, in their language."""
    ctx = runtime.context
    ids = _ids(state)
    now = ctx.clock()
    packet = state.packet
    assert packet is not None, "summarize runs before handoff"
    route = packet.route
    reply = ctx.texts.render("escalated", state.language, queue=ctx.texts.word(route.queue, state.language))
    codes = ", ".join(r.code for r in packet.reasons)
    return {
        "mode": "pending_human",
        "pending_offer": None,
        "messages": [
            SystemEvent(
                id=ids("evt"),
                at=now,
                text=f"escalated to {route.queue}/{route.skill} ({route.language}, {route.priority}): {codes}",
                event="escalated",
            ),
            AIMessage(id=ids("msg"), at=now, text=reply, agent="handoff", language=state.language),
        ],
    }


def late_summary(state: ConversationState, ctx: RunContext, *, wait_s: float = 0.0) -> Update:
    """The model's handoff summary, written after the handoff message went out, put into the packet (an empty
    update when there is none, it failed, or it is not ready within ``wait_s``)."""
    summarizer = ctx.agents.summarizer
    if state.packet is None or not isinstance(summarizer, LLMSummarizer):
        return {}
    written = summarizer.written_summary(state.conversation_id, wait_s=wait_s)
    if written is None:
        return {}
    text, calls = written
    cost = round(state.packet.model_cost_usd + sum(c.cost_usd for c in calls), 6)
    return {"packet": state.packet.model_copy(update={"summary": text, "model_cost_usd": cost}), "model_calls": calls}


def human_desk(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
    """The human side: take over, reply, hand back to the AI, resolve."""
    ctx = runtime.context
    event = state.inbox
    ids = _ids(state)
    now = ctx.clock()
    if isinstance(event, Takeover):
        if state.mode not in ("pending_human", "ai_active"):
            raise ModeError("takeover", state.mode, ("pending_human", "ai_active"))
        text = f"{event.agent} took over"
        # The human reads the packet now: wait for the model's summary if it is still being written.
        return {
            **late_summary(state, ctx, wait_s=ctx.config.models.timeout_s),
            "mode": "human_active",
            "assigned_agent": event.agent,
            "messages": [SystemEvent(id=ids("evt"), at=now, text=text, event="takeover")],
        }
    if isinstance(event, HumanReply):
        if state.mode != "human_active" or state.assigned_agent is None:
            raise ModeError("reply", state.mode, ("human_active",))
        return {"messages": [HumanAgentMessage(id=ids("msg"), at=now, text=event.text, agent=state.assigned_agent)]}
    if isinstance(event, HandBack):
        if state.mode != "human_active":
            raise ModeError("hand back", state.mode, ("human_active",))
        agent = state.assigned_agent or "agent"
        event_id = ids("evt")
        facts, commitments, report = hand_back_records(
            state, event, agent=agent, event_id=event_id, now=now, ids=ids, tools=ctx.tools
        )
        # The note, else what the human did, is what they hand over in words (decisions stay internal).
        said = event.note or "; ".join(event.actions)
        briefing = ctx.agents.summarizer.briefing(state, said)
        first = state.customer.given_name
        # The customer hears what the human noted; an empty note leaves the briefing for the AI alone.
        done = ctx.texts.render("hand_back_summary", state.language, agent=agent, done=briefing) if said else ""
        follow_up = " ".join(
            part
            for part in (
                ctx.texts.render("hand_back", state.language, name_part=f", {first}" if first else "", briefing=done),
                ctx.texts.render("anything_else", state.language),
            )
            if part
        )
        return {
            "mode": "ai_active",
            "assigned_agent": None,
            "briefing": briefing,
            "pending_offer": None,
            "facts": facts,
            "commitments": commitments,
            "hand_backs": [report],
            "messages": [
                SystemEvent(
                    id=event_id, at=now, text=describe_hand_back(event) or f"{agent} handed back", event="hand_back"
                ),
                AIMessage(
                    id=ids("msg"),
                    at=now,
                    text=" ".join(follow_up.split()),
                    agent="summarizer",
                    language=state.language,
                ),
            ],
        }
    if isinstance(event, PendingTimeout):
        if state.mode != "pending_human":
            raise ModeError("expire the wait", state.mode, ("pending_human",))
        first = state.customer.given_name
        apology = ctx.texts.render("pending_timeout", state.language, name_part=f", {first}" if first else "")
        promise = ctx.texts.render("pending_timeout_commitment", state.language)
        waited = f"nobody picked up in {event.waited_s / 60:.0f} min"
        return {
            "mode": "ai_active",
            "assigned_agent": None,
            "messages": [
                SystemEvent(id=ids("evt"), at=now, text=waited, event="pending_timeout"),
                AIMessage(id=ids("msg"), at=now, text=apology, agent="escalator", language=state.language),
            ],
            "commitments": [Commitment(id=ids("cmt"), what=promise, by="ai", source="pending_timeout")],
        }
    if isinstance(event, Resolve):
        if state.mode == "closed":
            raise ModeError("resolve", state.mode, ("ai_active", "pending_human", "human_active"))
        return {
            "mode": "closed",
            "assigned_agent": None,
            "messages": [SystemEvent(id=ids("evt"), at=now, text=f"resolved by {event.by}", event="resolved")],
        }
    return {}
