"""The escalation policy: a deterministic rule engine where every firing records its evidence.

Rules run in two stages. ``triage`` rules see the customer's message and its signals before the resolver
acts; ``resolution`` rules see what the resolver did (tool failures, ungrounded answers, a reply that
repeats an earlier one) before anything is sent. An LLM vote may add reasons later; it never removes one.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from relevo._config import EscalationConfig
from relevo.agents._intents import SMALL_TALK
from relevo.contracts import (
    Attempt,
    ConversationState,
    EscalationDecision,
    EscalationReason,
    Priority,
    Signals,
    SystemEvent,
    ToolCallRecord,
)

__all__ = ["EscalationPolicy", "EscalationTrigger", "PolicyView", "Stage", "TriggerResult", "trigger"]

Stage = Literal["triage", "resolution"]


@dataclass(frozen=True)
class PolicyView:
    """What a rule may look at for one customer turn."""

    state: ConversationState
    """The conversation before this turn's updates are merged."""
    signals: Signals
    """This turn's triage signals."""
    history: Sequence[Signals]
    """Signals of the customer turns since the AI last took (or took back) the conversation, this one last."""
    min_confidence: float
    attempts: Sequence[Attempt] = ()
    """Resolution stage: what the resolver tried this turn."""
    tool_calls: Sequence[ToolCallRecord] = ()
    """Resolution stage: the tool calls made this turn."""
    reply: str = ""
    """Resolution stage: the reply the resolver is about to send."""
    earlier_ai_replies: Sequence[str] = field(default_factory=tuple[str, ...])
    model_error: str = ""
    """Resolution stage: the resolver's model failed (budget or providers)."""


def _human_saw_it_fail(state: ConversationState, tool: str) -> bool:
    """A human already handled a handoff for this tool's failure and handed the conversation back: handing it
    over again for the same broken tool would only bounce the customer between the AI and the desk."""
    handed_back = any(isinstance(m, SystemEvent) and m.event == "hand_back" for m in state.messages)
    return handed_back and any(
        r.code == "tool_failure" and f"{tool} (" in r.evidence for d in state.escalations for r in d.reasons
    )


@dataclass(frozen=True)
class TriggerResult:
    """What a firing rule returns when it also chooses where the handoff goes (a plain evidence string is
    enough otherwise). ``None`` fields keep the trigger's own setting, then the usual route."""

    evidence: str
    queue: str | None = None
    skill: str | None = None
    priority: Priority | None = None


Check = Callable[[PolicyView], str | TriggerResult | None]
"""A rule's check: evidence (or a :class:`TriggerResult`) when it fires, ``None`` when it does not."""


@dataclass(frozen=True)
class EscalationTrigger:
    """A named rule: returns the evidence when it fires, ``None`` when it does not.

    ``queue``, ``skill`` and ``priority`` route the handoff it causes (None: the intent's queue and the usual
    priority). ``answer_first`` (resolution stage only): the resolver's reply still goes out, then the
    conversation is handed off (a retention offer answered, then a person follows up).
    """

    code: str
    stage: Stage
    check: Check
    score: float = 1.0
    queue: str | None = None
    skill: str | None = None
    priority: Priority | None = None
    answer_first: bool = False

    def evaluate(self, view: PolicyView) -> EscalationReason | None:
        found = self.check(view)
        if found is None:
            return None
        result = found if isinstance(found, TriggerResult) else TriggerResult(evidence=found)
        return EscalationReason(
            code=self.code,
            evidence=result.evidence,
            score=self.score,
            queue=result.queue or self.queue,
            skill=result.skill or self.skill,
            priority=result.priority or self.priority,
            answer_first=self.answer_first and self.stage == "resolution",
        )


def trigger(
    code: str,
    *,
    stage: Stage = "triage",
    queue: str | None = None,
    skill: str | None = None,
    priority: Priority | None = None,
    answer_first: bool = False,
) -> Callable[[Check], EscalationTrigger]:
    """Turn a function ``(PolicyView) -> evidence | TriggerResult | None`` into an escalation trigger.

    ``queue``/``skill``/``priority`` route the handoff it causes; ``answer_first`` (``stage="resolution"``) lets
    the resolver's reply go out before the handoff.

    Example::

        @trigger("retention", stage="resolution", queue="retention", priority="high", answer_first=True)
        def retention(view: PolicyView) -> str | None:
            return "customer wants to cancel" if view.signals.intent == "cancel_contract" else None
    """

    def wrap(check: Check) -> EscalationTrigger:
        return EscalationTrigger(
            code=code,
            stage=stage,
            check=check,
            queue=queue,
            skill=skill,
            priority=priority,
            answer_first=answer_first,
        )

    return wrap


class EscalationPolicy:
    """An ordered set of triggers; evaluating a stage runs every trigger of it and keeps all that fire."""

    def __init__(self, triggers: Sequence[EscalationTrigger]) -> None:
        self.triggers: tuple[EscalationTrigger, ...] = tuple(triggers)

    @classmethod
    def from_config(cls, config: EscalationConfig) -> EscalationPolicy:
        """The built-in rules, with the thresholds of ``config``; disabled rules are left out."""
        return cls(_builtin_triggers(config))

    def with_trigger(self, extra: EscalationTrigger) -> EscalationPolicy:
        """A copy of this policy with one more trigger (a custom rule)."""
        return EscalationPolicy([*self.triggers, extra])

    def routed(
        self,
        code: str,
        *,
        queue: str | None = None,
        skill: str | None = None,
        priority: Priority | None = None,
    ) -> EscalationPolicy:
        """A copy where the triggers of ``code`` (built-in or custom) send their handoffs to ``queue``/``skill``
        at ``priority`` at least (None keeps what the trigger had)."""
        return EscalationPolicy(
            [
                dataclasses.replace(t, queue=queue or t.queue, skill=skill or t.skill, priority=priority or t.priority)
                if t.code == code
                else t
                for t in self.triggers
            ]
        )

    def without(self, code: str) -> EscalationPolicy:
        """A copy of this policy without the triggers of ``code``."""
        return EscalationPolicy([t for t in self.triggers if t.code != code])

    def evaluate(self, view: PolicyView, stage: Stage) -> EscalationDecision:
        reasons = [reason for t in self.triggers if t.stage == stage and (reason := t.evaluate(view)) is not None]
        return EscalationDecision(fired=bool(reasons), reasons=reasons, stage=stage, message_id=view.signals.message_id)


def _builtin_triggers(config: EscalationConfig) -> list[EscalationTrigger]:
    out: list[EscalationTrigger] = []

    if config.explicit_request.enabled:
        out.append(
            EscalationTrigger(
                "explicit_request",
                "triage",
                lambda v: (
                    f'customer asked for a human: "{v.signals.human_request_evidence}"'
                    if v.signals.explicit_human_request
                    else None
                ),
            )
        )

    neg = config.negative_sentiment
    if neg.enabled:
        out.append(
            EscalationTrigger(
                "negative_sentiment",
                "triage",
                lambda v: (
                    (
                        f"sentiment {v.signals.sentiment:+.2f} ≤ {neg.threshold:+.2f}"
                        + (f" ({', '.join(v.signals.sentiment_evidence[:3])})" if v.signals.sentiment_evidence else "")
                    )
                    if v.signals.sentiment <= neg.threshold
                    else None
                ),
            )
        )

    trend = config.sentiment_trend
    if trend.enabled:

        def sentiment_trend(v: PolicyView) -> str | None:
            window = [s.sentiment for s in v.history[-trend.window :]]
            if len(window) < 2:
                return None
            drop = max(window[:-1]) - window[-1]
            if drop >= trend.drop and window[-1] <= trend.level:
                path = " → ".join(f"{x:+.2f}" for x in window)
                return f"sentiment worsening over {len(window)} turns: {path}"
            return None

        out.append(EscalationTrigger("sentiment_trend", "triage", sentiment_trend))

    oos = config.out_of_scope
    if oos.enabled:

        def out_of_scope(v: PolicyView) -> str | None:
            run = _trailing(v.history, lambda s: s.out_of_scope)
            if run >= oos.consecutive:
                return f"{run} consecutive out-of-scope messages; last: intent {v.signals.intent}"
            return None

        out.append(EscalationTrigger("out_of_scope", "triage", out_of_scope))

    low = config.low_confidence
    if low.enabled:

        def low_confidence(v: PolicyView) -> str | None:
            failed_ids = {a.message_id for a in (*v.state.attempts, *v.attempts) if a.outcome == "failed"}

            def not_understood(s: Signals) -> bool:
                return (not s.out_of_scope and s.confidence < v.min_confidence) or s.message_id in failed_ids

            run = _trailing(v.history, not_understood)
            if run >= low.consecutive:
                return (
                    f"{run} consecutive turns not understood or not answerable from the knowledge base "
                    f"(last intent {v.signals.intent} at {v.signals.confidence:.2f})"
                )
            return None

        out.append(EscalationTrigger("low_confidence", "resolution", low_confidence))

    loop = config.loop_detected
    if loop.enabled:

        def same_intent(v: PolicyView) -> str | None:
            intent = v.signals.intent
            if intent in SMALL_TALK:
                return None
            # A reply to the AI's own question ("P-7777" after "What is your patient number?") continues the
            # request; it is no repetition of it.
            same = _trailing(v.history, lambda s: s.intent == intent)
            answers = _answers_to_questions(v)
            # Saying the last answer did not help is the repeated_failure rule's to count (one cause, one reason).
            run = sum(
                1
                for s in v.history[len(v.history) - same :]
                if s.message_id not in answers and not s.rejects_previous_answer
            )
            if run >= loop.same_intent_turns:
                return f"intent {intent} asked {run} times in a row"
            return None

        def repeating_reply(v: PolicyView) -> str | None:
            # Saying goodbye again to a customer who says "ok" again is good manners, not a loop.
            closing = any(a.target in _CLOSING_TARGETS for a in v.attempts)
            # Asking again what a message meant is the low_confidence rule's to count (it hands off at its
            # threshold), not a loop: one cause, one reason in the packet.
            clarifying = low.enabled and any(a.action == "clarify" and a.target == "low_confidence" for a in v.attempts)
            if v.reply and v.reply in v.earlier_ai_replies and not closing and not clarifying:
                return f'the AI was about to repeat an earlier reply: "{v.reply[:120]}"'
            return None

        out.append(EscalationTrigger("loop_detected", "triage", same_intent))
        out.append(EscalationTrigger("loop_detected", "resolution", repeating_reply))

    failure = config.repeated_failure
    if failure.enabled:

        def repeated_failure(v: PolicyView) -> str | None:
            count = sum(1 for s in v.history if s.rejects_previous_answer)
            if v.signals.rejects_previous_answer and count >= failure.rejections:
                return f"customer rejected the AI's answers {count} times"
            return None

        out.append(EscalationTrigger("repeated_failure", "triage", repeated_failure))

    sensitive = config.policy_sensitive
    if sensitive.enabled:

        def policy_sensitive(v: PolicyView) -> str | None:
            topics = [t for t in v.signals.sensitive_topics if t in sensitive.topics]
            if topics:
                return "sensitive topic: " + ", ".join(topics)
            if v.signals.intent in sensitive.amount_intents:
                above = [a for a in v.signals.amounts if a > sensitive.amount_above]
                if above:
                    return f"amount {max(above):.2f} above the {sensitive.amount_above:.2f} limit ({v.signals.intent})"
            return None

        out.append(EscalationTrigger("policy_sensitive", "triage", policy_sensitive))

    lead = config.lead_qualified
    if lead.enabled:
        out.append(
            EscalationTrigger(
                "lead_qualified",
                "triage",
                lambda v: (
                    f"sales lead: intent {v.signals.intent} at {v.signals.confidence:.2f}"
                    if v.signals.intent in lead.intents and v.signals.confidence >= lead.min_confidence
                    else None
                ),
            )
        )

    vip = config.vip
    if vip.enabled:

        def vip_rule(v: PolicyView) -> str | None:
            tier = v.state.customer.tier
            if tier not in vip.tiers:
                return None
            if v.signals.sentiment < vip.sentiment_below:
                return f"{tier} customer, sentiment {v.signals.sentiment:+.2f}"
            if v.signals.intent in vip.intents:
                return f"{tier} customer raised {v.signals.intent}"
            return None

        out.append(EscalationTrigger("vip", "triage", vip_rule))

    if config.tool_failure.enabled:

        def tool_failure(v: PolicyView) -> str | None:
            failed = [c for c in v.tool_calls if c.status == "failed" and not _human_saw_it_fail(v.state, c.tool)]
            if failed:
                return "; ".join(f"{c.tool} ({c.id}) failed: {c.error}" for c in failed)
            return None

        out.append(EscalationTrigger("tool_failure", "resolution", tool_failure))

    if config.model_error.enabled or config.budget_exhausted.enabled:

        def model_failure(code: str) -> Callable[[PolicyView], str | None]:
            def check(v: PolicyView) -> str | None:
                error = v.model_error or v.signals.model_error
                if not error:
                    return None
                is_budget = _BUDGET in error
                return error if (code == "budget_exhausted") == is_budget else None

            return check

        for code in ("model_error", "budget_exhausted"):
            if getattr(config, code).enabled:
                out.append(EscalationTrigger(code, "triage", model_failure(code)))
                out.append(EscalationTrigger(code, "resolution", model_failure(code)))

    return out


_BUDGET = "budget exhausted"
_CLOSING_TARGETS = frozenset({"closing", "thanks"})


def _answers_to_questions(view: PolicyView) -> set[str]:
    """Ids of the customer turns in ``view.history`` that came right after an AI turn asking a question."""
    asked = {a.message_id for a in view.state.attempts if (a.by, a.action, a.outcome) == ("ai", "clarify", "answered")}
    history = list(view.history)
    return {turn.message_id for before, turn in itertools.pairwise(history) if before.message_id in asked}


def _trailing(history: Sequence[Signals], predicate: Callable[[Signals], bool]) -> int:
    run = 0
    for signals in reversed(history):
        if not predicate(signals):
            break
        run += 1
    return run
