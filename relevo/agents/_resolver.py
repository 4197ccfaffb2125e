"""The resolver: answers from the knowledge base and the desk's tools, never from imagination.

Every statement of fact in a reply comes from a tool result or a knowledge-base passage, and the reply
records which (``grounding``). The offline resolver answers greetings and closings, knowledge-base questions
(citing the article), intents a desk answers with one of its tools declaratively (``IntentDefinition.tool``),
and whatever the desk's offline skills recognise; it asks when a fact is missing and says when it is not sure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from string import Formatter
from typing import Protocol

from relevo._config import ResolverConfig
from relevo.agents._intents import SMALL_TALK
from relevo.agents._knowledge import KnowledgeBase
from relevo.agents._offline_turn import OfflineSkill, OfflineTurn
from relevo.agents._pending import TOOL_FACT_DETAIL, pending_question
from relevo.agents._texts import ReplyTexts
from relevo.agents._toolbox import Toolbox
from relevo.contracts import (
    AIMessage,
    Attempt,
    Commitment,
    ConversationState,
    CustomerMessage,
    Fact,
    GuardReport,
    IntentCatalog,
    PendingOffer,
    Signals,
    ToolAnswer,
)
from relevo.models import CallLedger

__all__ = ["OfflineResolver", "Resolution", "Resolver", "ResolverTurn"]

CLOSING = "closing"
"""Attempt target of a goodbye after the customer's closing act; saying it twice is no loop."""
_CLOSING_ACTS = frozenset({"affirm", "deny", "thanks_goodbye"})
REJECTED = "rejected_answer"
"""Attempt target of the reply to a customer who says the last answer did not help."""

_MIN_CONFIDENCE = 0.25
"""Below this intent confidence the offline resolver says it is not sure rather than guess."""


@dataclass(frozen=True)
class ResolverTurn:
    """One customer message for the resolver, with everything it may use."""

    state: ConversationState
    message: CustomerMessage
    signals: Signals
    toolbox: Toolbox
    reveal: Callable[[str], str] = str
    """Turns the conversation's PII vault tokens (``[EMAIL_1]``) back into values, for tool arguments only."""
    calls: CallLedger | None = None
    """Where model-backed resolvers record their model calls (and check the conversation's budget)."""


@dataclass
class Resolution:
    """What the resolver did this turn: the reply and everything it established."""

    reply: str
    grounding: list[str] = field(default_factory=list[str])
    attempts: list[Attempt] = field(default_factory=list[Attempt])
    facts: list[Fact] = field(default_factory=list[Fact])
    commitments: list[Commitment] = field(default_factory=list[Commitment])
    pending_offer: PendingOffer | None = None
    clear_offer: bool = False
    model_error: str = ""
    """Set when the resolver's model failed and nothing was said: the policy hands off (model_error)."""
    guard: GuardReport | None = None
    """What the grounding guard did with a model-written reply (None: no model wrote this one)."""


class Resolver(Protocol):
    """Answers one customer message."""

    def resolve(self, turn: ResolverTurn) -> Resolution: ...


class OfflineResolver:
    """Deterministic resolution: the desk's skills, built-in answers, declarative tool answers and the KB."""

    def __init__(
        self,
        catalog: IntentCatalog,
        knowledge: KnowledgeBase,
        config: ResolverConfig,
        *,
        texts: ReplyTexts | None = None,
        skills: Sequence[OfflineSkill] = (),
    ) -> None:
        self.catalog = catalog
        self.knowledge = knowledge
        self.config = config
        self.texts = texts or ReplyTexts()
        self.skills = tuple(skills)

    def resolve(self, turn: ResolverTurn) -> Resolution:
        run = OfflineTurn(
            turn,
            Resolution(reply=""),
            catalog=self.catalog,
            knowledge=self.knowledge,
            config=self.config,
            texts=self.texts,
        )
        self._handle(run)
        return run.finish()

    def _handle(self, run: OfflineTurn) -> None:
        signals = run.signals
        intent = signals.intent
        if signals.rejects_previous_answer and (intent == _previous_topic(run) or intent in SMALL_TALK):
            # "that didn't help" about what we just answered: answering the same topic again would only repeat
            # it, and it is no closing. Ask what is missing; the repeated_failure rule counts the rejections.
            run.say("rejected_answer", "clarify", REJECTED, "answered")
            return
        if any(skill.answer(run) for skill in self.skills):
            return
        resumed = _resumed_tool_intent(run)
        definition = self.catalog.get(resumed or intent)
        if resumed is not None and definition is not None and definition.tool is not None:
            # The customer answered the question we asked for a missing fact: carry on with that request.
            _tool_answer(run, resumed, definition.tool)
        elif (
            intent in _CLOSING_ACTS
            and not signals.rejects_previous_answer
            and _closing_asked(run, declined=intent == "deny", done=intent in ("deny", "thanks_goodbye"))
        ):
            # "no" / "ok" / "that's all" after "anything else?" (or after our goodbye) ends the conversation;
            # so does a "no" after an answer, which asked nothing, and a "no, nothing" or "bye" after our greeting.
            run.say("goodbye", "answer", CLOSING, "answered")
        elif intent == "greeting":
            _greet(run)
        elif intent == "thanks_goodbye":
            run.say("thanks", "answer", "thanks", "answered")
        elif intent in ("affirm", "deny", "human_agent"):
            run.say("anything_else", "answer", intent, "answered")
        elif signals.out_of_scope:
            run.say("out_of_scope", "answer", "scope_redirect", "answered")
        elif signals.confidence < _MIN_CONFIDENCE:
            run.say("not_sure", "clarify", "low_confidence", "failed")
        elif definition is not None and definition.tool is not None:
            _tool_answer(run, intent, definition.tool)
        else:
            run.knowledge_answer(intent, required=True)


def _greet(run: OfflineTurn) -> None:
    customer = run.state.customer
    if customer.is_guest:
        run.say("greeting_guest", "answer", "greeting", "answered")
        return
    run.say("greeting_known", "answer", "greeting", "answered", name=customer.given_name)
    if run.state.remembered_promises:
        # Memory is quoted as data: it can remind the customer of a promise, never change a decision.
        run.add(run.render("remembered_promise", promise=run.state.remembered_promises[-1]))


def _closing_asked(run: OfflineTurn, *, declined: bool, done: bool) -> bool:
    """Whether a closing act now ends the conversation: the assistant already asked "anything else?" since it
    last took over (asking it twice is a loop) or said goodbye; for a ``declined`` act ("no"), also when its
    last message asked nothing at all (an answer); for a ``done`` act (a "no" or a "that's all"), also when its
    last message was its greeting, whose "how can I help?" offers help just as "anything else?" does."""
    spoken: list[AIMessage] = []
    for message in reversed(run.state.messages):
        if message.kind == "system" and message.event in ("hand_back", "reopened"):
            break
        if message.kind == "ai":
            spoken.append(message)
    if not spoken:
        return False
    if any(_is_closing_line(run, m) for m in spoken):
        return True
    if done and _greeted_last(run):
        return True
    return declined and not spoken[0].text.strip().endswith(("?", "？"))


def _greeted_last(run: OfflineTurn) -> bool:
    """Whether the assistant's reply to the previous customer message was its greeting."""
    earlier = [m.id for m in run.state.messages if m.kind == "customer" and m.id != run.turn.message.id]
    if not earlier:
        return False
    return any(a.by == "ai" and a.message_id == earlier[-1] and a.target == "greeting" for a in run.state.attempts)


def _is_closing_line(run: OfflineTurn, message: AIMessage) -> bool:
    text = message.text.strip()
    texts = run.texts
    return texts.render("anything_else", message.language) in text or text == texts.render("goodbye", message.language)


def _previous_topic(run: OfflineTurn) -> str | None:
    """The intent of the latest earlier customer turn that was about something (not small talk)."""
    return next((i for i in reversed(run.earlier_intents()) if i not in SMALL_TALK), None)


# -- declarative tool answers ----------------------------------------------------------------------------------
def _resumed_tool_intent(run: OfflineTurn) -> str | None:
    """The intent whose missing fact we asked for last turn, when this message brings that fact."""
    pending = pending_question(run.state, run.catalog, run.turn.message.id)
    if pending is None or pending.pattern is None or pending.intent is None:
        return None
    if re.search(pending.pattern, run.turn.message.text, re.IGNORECASE) is None:
        return None
    return pending.intent


def _in_language(texts: dict[str, str], language: str, fallback: str) -> str:
    return texts.get(language) or texts.get(fallback) or texts.get("en") or next(iter(texts.values()))


def _tool_answer(run: OfflineTurn, intent: str, answer: ToolAnswer) -> None:
    """Collect the facts the tool needs (asking for the first one missing), call it, fill the reply."""
    fallback = run.texts.profile.default_language
    if "customer_id" in answer.args.values() and run.state.customer.is_guest:
        # Only an identified customer's own records can be looked up: a guest is told so first, in their
        # language (and may ask for a person), never asked for details the tool could not use for them.
        run.say("identify_first", "clarify", "customer_id", "answered")
        return
    facts: dict[str, str] = {}
    for spec in answer.facts:
        match = re.search(spec.pattern, run.turn.message.text, re.IGNORECASE)
        if match is not None and match.group(1):
            facts[spec.name] = match.group(1).strip()
            run.fact(spec.name, facts[spec.name], run.turn.message.id)
            continue
        known = run.known(spec.name)
        if known is None:
            question = _in_language(spec.ask, run.language, fallback)
            pending = pending_question(run.state, run.catalog, run.turn.message.id)
            if pending is not None and (pending.intent, pending.target) == (intent, spec.name):
                # Asked last turn and still not found: say so rather than repeat the question word for word.
                run.add(run.render("ask_again", question=question))
            else:
                run.add(question)
            run.attempt("clarify", spec.name, "answered", TOOL_FACT_DETAIL + intent)
            return
        facts[spec.name] = known
    arguments: dict[str, str | None] = {}
    for parameter, fact in answer.args.items():
        if fact == "customer_id":
            arguments[parameter] = run.state.customer.id
        else:
            arguments[parameter] = run.turn.reveal(facts[fact])
    record, result = run.toolbox.call(answer.name, arguments, declared=True)
    run.ground(record.id)
    if result.ok:
        returned: dict[str, object] = {
            key: value for key, value in result.data.items() if not isinstance(value, dict | list)
        }
        for key, value in list(returned.items()):
            held = run.current(key)
            if held is not None and held.by_human and value is not None:
                # A human set this field's fact at a hand-back: their value stands unless the tool's is newer.
                returned[key] = run.fact(key, value, record.id).value
        # The tool's result is the system of record: "Madrid Centro" from the tool, not the customer's "Madrid".
        values: dict[str, object] = {**facts, **returned}
        template = _in_language(answer.reply, run.language, fallback)
        needed = {name for _, name, _, _ in Formatter().parse(template) if name}
        missing = sorted(needed - values.keys())
        if missing:
            # The desk's template names a field the tool did not return: say so in the record, never guess.
            run.say("not_sure", "tool_call", answer.name, "failed")
            run.out.attempts[-1] = run.out.attempts[-1].model_copy(
                update={"detail": f"reply template needs {missing}, not in the result of {answer.name}"}
            )
            return
        run.add(template.format_map({name: str(values[name]) for name in needed}))
        run.attempt("tool_call", answer.name, "answered", f"intent {intent}")
        return
    if result.error_kind != "rejected":
        # The tool broke, or the desk's call did not fit the tool (invalid_arguments, unknown_tool): a fault on
        # our side, never shown to the customer; the resolution-stage tool_failure rule hands over to a human.
        run.attempt("tool_call", answer.name, "failed", result.error)
        run.add(run.render("not_sure"))
        return
    reason = result.error
    values = {"reason": reason, **facts}
    template = _in_language(answer.refused, run.language, fallback) if answer.refused else ""
    needed = {name for _, name, _, _ in Formatter().parse(template) if name}
    if template and needed <= values.keys():
        run.add(template.format_map({name: values[name] for name in needed}))
    else:
        run.add(run.render("tool_refused", reason=reason))
    run.attempt("tool_call", answer.name, "rejected", reason)
