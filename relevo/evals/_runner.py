"""Run scenarios on real support desks: one desk per configuration per worker, timed node by node."""

from __future__ import annotations

import atexit
import dataclasses
import random
import re
import shutil
import tempfile
import time
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from relevo._config import RelevoConfig, load_config
from relevo._errors import BadInputError
from relevo._story import run_line
from relevo.agents import (
    EscalationPolicy,
    PolicyView,
    Resolution,
    Resolver,
    ResolverTurn,
    Stage,
    Summarizer,
    Triage,
    restated_values,
)
from relevo.contracts import (
    AIMessage,
    ConversationState,
    CustomerMessage,
    EscalationDecision,
    EscalationReason,
    HandoffPacket,
    Signals,
    SystemEvent,
)
from relevo.desks import DEFAULT_DESK, desk_definition, load_desk
from relevo.evals._audit import ConversationAudit
from relevo.evals._records import ConversationRecord, ModelCallUsage, TurnRecord
from relevo.evals._scenario import Scenario, ScriptedTurn
from relevo.evals._simulator import CustomerSimulator
from relevo.models import CallLedger
from relevo.orchestrator import DeskBuilder, SupportAgents, SupportDesk, TurnResult

__all__ = ["EvalJob", "NodeTimer", "run_job", "states_facts", "timed_desk"]

_UNITS = (
    r"days?|hours?|weeks?|months?|years?|minutes?|días?|horas?|semanas?|meses|mes|años?|minutos?|dias?|anos?|"
    r"ngày|giờ|tuần|tháng|năm|phút|GB|MB"
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
_CURRENCY = r"€|\$|£|¥|₫|R\$"
_STATES_FACTS = re.compile(
    r"\b(?:[A-Z]+-\d{3,}|[A-Z]{2,}\d{3,})[A-Z0-9-]*\b"  # references: ABC-1042, T-0001, AB123456789CD
    rf"|\d(?:[\d.,]*\d)?\s?(?:{_CURRENCY}|[A-Z]{{3}}\b)|(?:{_CURRENCY})\s?\d"  # amounts with a currency
    r"|\b\d+(?:[.,]\d+)?\s?%"  # percentages
    r"|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"  # dates in digits
    rf"|(?i:\b(?:{_MONTHS})\.?\s\d{{1,2}}\b|\b\d{{1,2}}\s(?:de\s)?(?:{_MONTHS})\b)"  # dates with a month name
    rf"|\b\d+(?:[.,]\d+)?\s(?:{_UNITS})\b",  # durations and quantities
)
"""What a reply states as a fact, in any desk and language: a reference-like token, an amount with a currency,
a percentage, a date, or a number with a unit. Such a reply needs grounding (an article or a tool call)."""


def states_facts(text: str) -> bool:
    """Whether ``text`` states a fact that needs grounding (see :data:`_STATES_FACTS`)."""
    return _STATES_FACTS.search(text) is not None


# -- timing ---------------------------------------------------------------------------------------------------
class NodeTimer:
    """Milliseconds spent in each graph node's agent calls since the last :meth:`take`."""

    def __init__(self) -> None:
        self._ms: dict[str, float] = {}

    @contextmanager
    def node(self, name: str) -> Generator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self._ms[name] = self._ms.get(name, 0.0) + (time.perf_counter() - start) * 1000

    def take(self) -> dict[str, float]:
        out, self._ms = self._ms, {}
        return {k: round(v, 3) for k, v in out.items()}


class _TimedTriage:
    def __init__(self, inner: Triage, timer: NodeTimer) -> None:
        self._inner, self._timer = inner, timer

    def detect_language(self, text: str, hint: str | None) -> str:
        with self._timer.node("ingest"):
            return self._inner.detect_language(text, hint)

    def assess(self, state: ConversationState, message: CustomerMessage, calls: CallLedger | None = None) -> Signals:
        with self._timer.node("triage"):
            return self._inner.assess(state, message, calls)


class _TimedResolver:
    def __init__(self, inner: Resolver, timer: NodeTimer) -> None:
        self._inner, self._timer = inner, timer

    def resolve(self, turn: ResolverTurn) -> Resolution:
        with self._timer.node("resolve"):
            return self._inner.resolve(turn)


class _TimedSummarizer:
    def __init__(self, inner: Summarizer, timer: NodeTimer) -> None:
        self._inner, self._timer = inner, timer

    def packet(
        self,
        state: ConversationState,
        reasons: Sequence[EscalationReason],
        now: datetime,
        calls: CallLedger | None = None,
    ) -> HandoffPacket:
        with self._timer.node("summarize"):
            return self._inner.packet(state, reasons, now, calls)

    def briefing(self, state: ConversationState, note: str, calls: CallLedger | None = None) -> str:
        with self._timer.node("human_desk"):
            return self._inner.briefing(state, note, calls)


class _TimedPolicy(EscalationPolicy):
    def __init__(self, inner: EscalationPolicy, timer: NodeTimer) -> None:
        super().__init__(inner.triggers)
        self._inner, self._timer = inner, timer

    def evaluate(self, view: PolicyView, stage: Stage) -> EscalationDecision:
        with self._timer.node("escalate" if stage == "triage" else "resolve"):
            return self._inner.evaluate(view, stage)


def timed_desk(builder: DeskBuilder | RelevoConfig, data_dir: Path) -> tuple[SupportDesk, NodeTimer]:
    """``builder``'s desk (or the demo's on a config) whose agents report their time to the returned timer."""
    timer = NodeTimer()
    if isinstance(builder, RelevoConfig):
        builder = load_desk(DEFAULT_DESK, builder)
    context = builder.context()
    agents = context.agents
    timed = SupportAgents(
        triage=_TimedTriage(agents.triage, timer),
        policy=_TimedPolicy(agents.policy, timer),
        resolver=_TimedResolver(agents.resolver, timer),
        summarizer=_TimedSummarizer(agents.summarizer, timer),
    )
    return builder.open_with_context(data_dir, dataclasses.replace(context, agents=timed)), timer


# -- jobs -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalJob:
    """One conversation to run: a scenario of a suite, on a configuration, for one repetition."""

    config_label: str
    config_path: str | None
    suite: str
    scenario: Scenario
    repetition: int
    seed: int
    desk: str = DEFAULT_DESK
    """The desk reference (a folder or ``package.module:function``), loaded in each worker process."""

    @property
    def key(self) -> str:
        return f"{self.config_label}/{self.suite}/{self.scenario.id}#{self.repetition}"


_DESKS: dict[str, tuple[SupportDesk, NodeTimer]] = {}


def _desk_for(job: EvalJob) -> tuple[SupportDesk, NodeTimer]:
    """This process's desk for the job's configuration (built once, removed at exit)."""
    key = f"{job.desk}\0{job.config_label}"
    found = _DESKS.get(key)
    if found is None:
        definition = desk_definition(job.desk)
        config = definition.config(load_config(Path(job.config_path) if job.config_path else None))
        root = Path(tempfile.mkdtemp(prefix="relevo-eval-"))
        found = timed_desk(definition.builder(config), root)
        _DESKS[key] = found
        atexit.register(shutil.rmtree, root, True)
    return found


def close_desks() -> None:
    """Close this process's desks (their temporary folders go at exit)."""
    for desk, _ in _DESKS.values():
        desk.close()
    _DESKS.clear()


def run_job(job: EvalJob) -> ConversationRecord:
    """Run one conversation on this process's desk for the job's configuration."""
    desk, timer = _desk_for(job)
    return run_scenario(desk, timer, job)


def run_scenario(desk: SupportDesk, timer: NodeTimer, job: EvalJob) -> ConversationRecord:
    scenario = job.scenario
    started = time.perf_counter()
    conv = f"{scenario.id}-{job.repetition}-{job.config_label}"
    conv = re.sub(r"[^A-Za-z0-9_.-]", "_", conv)
    # Conversation ids must be new in this desk (a resumed or repeated run reuses a worker's desk).
    n = 0
    while desk.graph.get_state({"configurable": {"thread_id": conv if n == 0 else f"{conv}.{n}"}}).values:
        n += 1
    conv = conv if n == 0 else f"{conv}.{n}"
    _fresh_world(desk)
    desk.start(customer_id=scenario.setup.customer, channel=scenario.setup.channel, conversation_id=conv)
    state = desk.state(conv)
    failures: list[str] = []
    if scenario.persona.tier is not None and state.customer.tier != scenario.persona.tier:
        failures.append(f"persona tier {scenario.persona.tier} but the store says {state.customer.tier}")

    rng = random.Random(f"{job.seed}:{scenario.id}:{job.repetition}")
    sim = CustomerSimulator(scenario.simulate, scenario.persona, rng) if scenario.simulate else None
    script = list(scenario.turns or [])
    turns: list[TurnRecord] = []
    customer_turn = 0
    asked_for: set[str] = set()
    first_packet: HandoffPacket | None = None
    step = sim.first() if sim is not None else None
    opening = True
    while True:
        expected_intent: str | None = None
        expected_escalation: bool | None = None
        if sim is None:
            if not script:
                break
            item = script.pop(0)
            line = item.say if isinstance(item, ScriptedTurn) else item
            if isinstance(item, ScriptedTurn):
                expected_intent, expected_escalation = item.intent, item.escalates
        else:
            if step is None:
                break
            line = step
            if opening and scenario.simulate is not None:
                expected_intent = scenario.simulate.opening_intent
            opening = False
        is_customer = not line.startswith("/")
        if is_customer:
            customer_turn += 1
        timer.take()
        t0 = time.perf_counter()
        try:
            result = run_line(desk, conv, line)
        except BadInputError as exc:
            turns.append(
                TurnRecord(
                    step=len(turns) + 1,
                    customer_turn=customer_turn if is_customer else None,
                    input=line,
                    actor="system",
                    reply=None,
                    mode=state.mode,
                    error=str(exc),
                )
            )
            failures.append(f"step {len(turns)} ({line!r}) failed: {exc}")
            if sim is not None:
                step = sim.next(state, set())
            continue
        turn_ms = (time.perf_counter() - t0) * 1000
        after = desk.state(conv)
        record, asked_for = _turn_record(
            result, state, after, len(turns) + 1, customer_turn if is_customer else None, timer.take(), turn_ms
        )
        record = record.model_copy(
            update={"expected_intent": expected_intent, "expected_escalation": expected_escalation}
        )
        if record.escalated and first_packet is None:
            first_packet = result.packet or after.packet
        turns.append(record)
        state = after
        if sim is not None:
            step = sim.next(state, asked_for)
    record = _conversation(job, state, turns, first_packet, failures, desk, time.perf_counter() - started)
    _forget_customer(desk, state.customer.id)
    return record


def _fresh_world(desk: SupportDesk) -> None:
    """Give the next conversation the world the desk starts from (``DeskBuilder.with_fresh_world``: e.g. the
    demo's data as its file says and its fixed "today"), whatever ran on this desk before.

    Conversations of a run share a desk per worker (one fitted engine), yet each must come out the same
    whichever worker runs it and whatever ran there first: the same seed gives the same conversations.
    """
    if desk.context.fresh_world is not None:
        desk.context = desk.context.fresh_world(desk.context)


def _forget_customer(desk: SupportDesk, customer_id: str) -> None:
    """Erase what the conversation taught the desk's memory about its customer, so that the next scenario with
    the same customer starts from its own setup (no memories) rather than from the previous conversation.

    Only a memory inside the run's own temporary folder is erased: a configuration pointing at a shared memory
    server or database keeps what it has (those customers may be real).
    """
    memory = desk.memory
    config = desk.context.config
    if memory is None or config.memory.server_url or config.storage.database_url:
        return
    memory.flush(customer_id, timeout=None)  # the closing turn's write-behind must land before it is erased
    memory.store.forget(customer_id)


def _turn_record(
    result: TurnResult,
    before: ConversationState,
    after: ConversationState,
    step: int,
    customer_turn: int | None,
    node_ms: dict[str, float],
    turn_ms: float,
) -> tuple[TurnRecord, set[str]]:
    new_attempts = after.attempts[len(before.attempts) :]
    asked_for = {a.target for a in new_attempts if a.action == "clarify" and a.by == "ai"}
    repeat = sorted(name for name in asked_for if before.fact(name) is not None)
    ai = [m for m in result.messages if isinstance(m, AIMessage)]
    grounding = sorted({g for m in ai for g in m.grounding})
    stating = any(states_facts(m.text) for m in ai)
    # An answer to the customer after a hand-back must not restate a value the human superseded.
    handed_back = any(isinstance(m, SystemEvent) and m.event == "hand_back" for m in before.messages)
    after_handback = handed_back and bool(ai) and result.actor == "ai" and customer_turn is not None
    contradictions = (
        sorted({str(r) for m in ai for r in restated_values(m.text, after.facts)}) if after_handback else []
    )
    escalated = before.mode != "pending_human" and after.mode == "pending_human"
    reasons = result.escalation.codes if result.escalation is not None and escalated else []
    if escalated and not reasons:
        reasons = [r.code for d in after.escalations[len(before.escalations) :] for r in d.reasons]
    signals = result.signals
    usage = [
        ModelCallUsage(
            model=call.model,
            input_tokens=call.prompt_tokens,
            output_tokens=call.completion_tokens,
            cost_usd=call.cost_usd,
        )
        for call in result.model_calls
    ]
    return (
        TurnRecord(
            step=step,
            customer_turn=customer_turn,
            input=result.input,
            actor=result.actor,
            reply=result.reply,
            mode=result.mode,
            intent=signals.intent if signals is not None and customer_turn is not None else None,
            confidence=round(signals.confidence, 4) if signals is not None and customer_turn is not None else None,
            escalated=escalated,
            reasons=reasons,
            grounding=grounding,
            # Replies to human-side commands relay what the human said: grounded in the human, not checked.
            states_facts=stating and result.actor == "ai" and customer_turn is not None,
            repeat_asks=repeat,
            after_handback=after_handback,
            contradictions=contradictions,
            node_ms=node_ms,
            turn_ms=round(turn_ms, 3),
            model_calls=usage,
            guard=result.guard,
        ),
        asked_for,
    )


def _conversation(
    job: EvalJob,
    state: ConversationState,
    turns: list[TurnRecord],
    packet: HandoffPacket | None,
    failures: list[str],
    desk: SupportDesk,
    seconds: float,
) -> ConversationRecord:
    scenario, expect = job.scenario, job.scenario.expect
    first = next((t for t in turns if t.escalated), None)
    first_turn = None
    if first is not None:
        first_turn = first.customer_turn or max((t.customer_turn or 0) for t in turns[: first.step])
    packet_facts = sorted({f.name for f in packet.facts}) if packet is not None else []
    tool_calls = sorted({c.tool for c in state.tool_calls})
    grounding_ids = sorted({g for t in turns for g in t.grounding})
    replies = [t.reply for t in turns if t.actor == "ai" and t.reply]
    looped = len(replies) != len(set(replies)) or any("loop_detected" in t.reasons for t in turns)

    violations: list[str] = []
    for t in turns:
        violations += [f"repeat_ask: step {t.step} asked again for {name}" for name in t.repeat_asks]
        violations += [f"contradiction: step {t.step} restated {c}" for c in t.contradictions]
        if t.states_facts and not t.grounding:
            violations.append(f"ungrounded_answer: step {t.step} states facts with no grounding")
        if t.actor == "ai" and t.reply and t.grounding and _CUT_PASSAGE.search(t.reply):
            violations.append(f"cut_passage: step {t.step} quotes a passage that ends on a colon")
    violations += _audit(state, desk)

    failures = list(failures)
    if expect.escalate != (first is not None):
        failures.append(f"expected {'a' if expect.escalate else 'no'} handoff, got {'one' if first else 'none'}")
    if first is not None and expect.escalate:
        missing = [r for r in expect.reasons if r not in first.reasons]
        if missing:
            failures.append(f"handoff reasons {first.reasons} lack {missing}")
        if expect.by_turn is not None and first_turn is not None and first_turn > expect.by_turn:
            failures.append(f"handoff at customer turn {first_turn}, expected by turn {expect.by_turn}")
    if expect.escalate:
        lacking = [f for f in expect.packet_facts if f not in packet_facts]
        if lacking:
            failures.append(f"packet lacks facts {lacking}")
        if expect.queue is not None and packet is not None and packet.route.queue != expect.queue:
            failures.append(f"handoff routed to queue {packet.route.queue}, expected {expect.queue}")
        if expect.priority is not None and packet is not None and packet.route.priority != expect.priority:
            failures.append(f"handoff at priority {packet.route.priority}, expected {expect.priority}")
    lacking_tools = [t for t in expect.tool_calls if t not in tool_calls]
    if lacking_tools:
        failures.append(f"tools not called: {lacking_tools}")
    lacking_grounds = [g for g in expect.grounded_in if g not in grounding_ids]
    if lacking_grounds:
        failures.append(f"no reply grounded in {lacking_grounds}")
    if expect.final_mode is not None and state.mode != expect.final_mode:
        failures.append(f"final mode {state.mode}, expected {expect.final_mode}")
    if expect.language is not None and state.language != expect.language:
        failures.append(f"conversation language {state.language}, expected {expect.language}")
    failures += [
        f"no AI reply contains {text!r}" for text in expect.reply_contains if not any(text in r for r in replies)
    ]
    failures += [
        f"{count} AI replies contain {text!r}, expected at most one"
        for text in expect.at_most_once
        if (count := sum(text in r for r in replies)) > 1
    ]
    for t in turns:
        if t.expected_intent is not None and t.intent != t.expected_intent:
            failures.append(f"step {t.step}: intent {t.intent}, expected {t.expected_intent}")
        if t.expected_escalation is not None and t.escalated != t.expected_escalation:
            failures.append(f"step {t.step}: {'handed off' if t.escalated else 'no handoff'}, expected otherwise")
    failures += [v for v in violations if v.split(":", 1)[0] in expect.forbid]

    calls = [c for t in turns for c in t.model_calls]
    # Every call, the summarizer's included, is in some turn's model_calls; the packet's total repeats them.
    cost = sum(c.cost_usd for c in calls)
    return ConversationRecord(
        key=job.key,
        config=job.config_label,
        suite=job.suite,
        scenario=scenario.id,
        repetition=job.repetition,
        tags=scenario.tags,
        expect=expect,
        turns=turns,
        escalated=first is not None,
        first_escalation_turn=first_turn,
        first_reasons=first.reasons if first is not None else [],
        packet_facts=packet_facts,
        tool_calls=tool_calls,
        grounding_ids=grounding_ids,
        final_mode=state.mode,
        looped=looped,
        violations=violations,
        failures=failures,
        tokens=sum(c.input_tokens + c.output_tokens for c in calls),
        cost_usd=round(cost, 6),
        seconds=round(seconds, 4),
    )


_CUT_PASSAGE = re.compile(r":\s*(?:\n\([^\n]*\)\s*)?$")
"""A reply (or the passage before its citation line) that stops on a colon: a list it announced is missing."""


def _audit(state: ConversationState, desk: SupportDesk) -> list[str]:
    """What the desk's own checks (``ConversationAudit`` services, e.g. limits on what may be offered) flag."""
    return [v for s in desk.context.services if isinstance(s, ConversationAudit) for v in s.violations(state)]
