"""The resolver on an LLM: a tool-calling loop over the same tools as the offline engine, with a step cap.

Every reply the model writes passes the grounding guard (:class:`relevo.agents.GroundingGuard`) before it can
reach the customer: a reply with a claim not in the turn's evidence — or empty, raw data, in another language,
or after a call to a tool that does not exist — is regenerated once with the violations named; if it fails
again, the offline resolver answers or the conversation is handed off (``ungrounded_reply``).

What a tool call establishes comes from the tool's declared :class:`relevo.tools.ToolEffects`, never from its
name: facts from result fields, a pending offer, a commitment. An offer's amount is the most the reply may state:
an amount above what every offer tool allowed in this conversation is a violation too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from relevo._errors import ModelError
from relevo.agents._guard import Claim, Evidence, GroundingGuard
from relevo.agents._history import transcript_as_turns
from relevo.agents._intents import SMALL_TALK
from relevo.agents._knowledge import KnowledgeBase
from relevo.agents._resolver import OfflineResolver, Resolution, ResolverTurn
from relevo.agents._superseded import restated_values
from relevo.agents._texts import render_from
from relevo.contracts import (
    Attempt,
    Commitment,
    ConversationState,
    CustomerMessage,
    Fact,
    GuardAction,
    GuardReport,
    HumanAgentMessage,
    PendingOffer,
)
from relevo.models import (
    AssistantTurn,
    CallLedger,
    ModelChain,
    ModelMessage,
    ModelRequest,
    SystemTurn,
    ToolDefinition,
    ToolTurn,
    UserTurn,
)
from relevo.models.offline import extract_amounts
from relevo.models.offline._cues import parse_number
from relevo.tools import ToolRegistry, ToolResult

__all__ = ["KB_TOOL", "LLMResolver"]

KB_TOOL = ToolDefinition(
    name="search_knowledge_base",
    description="Search the help articles; returns the best passage and its article id.",
    parameters={
        "type": "object",
        "properties": {"query": {"type": "string", "description": "what to look up"}},
        "required": ["query"],
    },
)


class LLMResolver:
    """Answers with a model that looks things up through tools and the knowledge base; a guard checks the reply.

    Args:
        on_failure: what happens when every model fails: a handoff (``model_error``) or the offline answer.
        guard: the grounding guard (default: generic patterns only).
        guard_mode: ``enforce`` (regenerate once, then replace) or ``observe`` (check and report only).
        on_ungrounded: what replaces a reply that failed the guard twice: ``offline`` or ``handoff``.
        allowed_urls: links, domains and e-mail addresses the AI may always give (the desk's allow-list).
    """

    def __init__(
        self,
        chain: ModelChain,
        knowledge: KnowledgeBase,
        offline: OfflineResolver,
        *,
        desk_name: str = "this company",
        scope: str = "your questions",
        max_steps: int = 4,
        kb_min_score: float = 0.8,
        on_failure: Literal["handoff", "offline"] = "handoff",
        guard: GroundingGuard | None = None,
        guard_mode: Literal["enforce", "observe"] = "enforce",
        on_ungrounded: Literal["offline", "handoff"] = "offline",
        allowed_urls: Sequence[str] = (),
    ) -> None:
        self.on_failure = on_failure
        self.chain = chain
        self.knowledge = knowledge
        self.offline = offline
        self.desk_name = desk_name
        self.scope = scope
        self.max_steps = max_steps
        self.kb_min_score = kb_min_score
        self.guard = guard or GroundingGuard()
        self.guard_mode = guard_mode
        self.on_ungrounded = on_ungrounded
        self.allowed_urls = tuple(allowed_urls)

    def resolve(self, turn: ResolverTurn) -> Resolution:
        try:
            return self._resolve(turn)
        except ModelError as exc:
            if self.on_failure == "offline":
                return self.offline.resolve(turn)
            # Nothing is said to the customer; the policy's model_error / budget_exhausted rule hands off.
            return Resolution(reply="", model_error=str(exc))

    def _resolve(self, turn: ResolverTurn) -> Resolution:
        state = turn.state
        calls = turn.calls or CallLedger()
        tools = [KB_TOOL, *(ToolDefinition.model_validate(s.model_dump()) for s in turn.toolbox.registry.specs())]
        messages: list[ModelMessage] = [SystemTurn(content=self._system(turn)), *transcript_as_turns(state.messages)]
        run = _Run(turn, Resolution(reply=""), allowed_amount=_offered_amount(state, turn.toolbox.registry))
        checked: list[str] = []
        failed: list[str] = []
        reply = ""
        passed = False
        replies = 0
        for attempt in (1, 2):
            try:
                reply = self._loop(messages, tools, run, calls)
            except ModelError as exc:
                if attempt == 1:
                    raise  # the model never answered: the on_failure path (handoff or offline), as before
                failed.append(f"model: the regeneration failed ({exc})")
                break
            replies += 1
            problems = self._check(reply, run)
            checked += [f"{c.kind}: {c.text}" for c in problems[1]]
            if not problems[0]:
                passed = True
                break
            failed += [str(p) for p in problems[0]]
            if self.guard_mode == "observe":
                break
            if attempt == 1:
                # Regenerate once, naming what was wrong; the tools stay available (it may look things up).
                messages.append(AssistantTurn(content=reply or "(no reply)"))
                violations = "; ".join(str(p) for p in problems[0])
                repair = render_from(
                    "prompts", "resolver_repair", "en", violations=violations, language=turn.signals.language
                )
                messages.append(UserTurn(content=repair))
        out = run.out
        action: GuardAction = "sent" if passed and replies == 1 else "regenerated" if passed else "observed"
        if not passed and (self.guard_mode == "enforce" or not reply):
            action = "handoff" if self.on_ungrounded == "handoff" else "offline"
        out.guard = GuardReport(
            message_id=turn.message.id, checked=checked, failed=failed, action=action, replies=replies
        )
        if action in ("offline", "handoff"):
            return self._replace(turn, out, failed, action)
        out.reply = reply
        grounded = bool(out.grounding)
        outcome = "answered" if grounded or turn.signals.intent in SMALL_TALK else "failed"
        out.attempts.append(
            Attempt(
                id=turn.toolbox.context.new_id("att"),
                action="answer",
                target="llm_resolver",
                outcome=outcome,
                detail=f"{len(turn.toolbox.calls)} tool calls",
                message_id=turn.message.id,
            )
        )
        return out

    def _loop(self, messages: list[ModelMessage], tools: list[ToolDefinition], run: _Run, calls: CallLedger) -> str:
        """The tool-calling loop: the model's final text (empty when the step cap ran out first)."""
        for _ in range(self.max_steps):
            response = self.chain.complete(ModelRequest(messages=messages, tools=tools, max_tokens=300), calls)
            if not response.tool_calls:
                return response.text.strip()
            messages.append(AssistantTurn(content=response.text, tool_calls=response.tool_calls))
            for call in response.tool_calls:
                content, offered = self._run_tool(call.name, call.arguments, run)
                run.allowed_amount = max(run.allowed_amount, offered)
                messages.append(ToolTurn(tool_call_id=call.id, name=call.name, content=content))
        return ""

    def _check(self, reply: str, run: _Run) -> tuple[list[Claim], list[Claim]]:
        """(violations, every claim found) of one reply against this turn's evidence."""
        turn = run.turn
        faults = [Claim("format", f"{name}()", "called a tool that does not exist") for name in run.unknown_tools]
        run.unknown_tools.clear()
        if not reply:
            faults.append(Claim("format", "(no reply)", "no answer within the step cap"))
            return faults, []
        verdict = self.guard.check(reply, self._evidence(run), language=turn.signals.language)
        beyond = [
            Claim("amount", f"{a:g}", "more than any offer a tool made allows")
            for a in extract_amounts(reply)
            if a > run.allowed_amount + 0.01
        ]
        # A tool that has not caught up with what a human did still says the old value: it must not be restated.
        stale = [
            Claim("superseded", r.old.value, f"a human agent replaced it: {r.fact.name} is now {r.fact.value!r}")
            for r in restated_values(reply, turn.state.facts)
        ]
        return [*faults, *verdict.violations, *beyond, *stale], verdict.claims

    def _evidence(self, run: _Run) -> Evidence:
        """What this turn's reply may rest on: tool results, passages found, facts, the humans' words."""
        turn, out = run.turn, run.out
        state = turn.state
        records = [*state.tool_calls, *turn.toolbox.calls]
        texts = [f"{r.result} {r.error}" for r in records]
        texts += run.passages
        texts += [f"{f.name}: {f.value}" for f in (*state.facts, *out.facts)]
        texts += [m.text for m in state.messages if isinstance(m, HumanAgentMessage)]
        if state.briefing:
            texts.append(state.briefing)
        commitments = [c.what for c in (*state.commitments, *out.commitments)]
        offer = out.pending_offer or state.pending_offer
        if offer is not None:
            texts.append(f"{offer.description} {offer.amount} {offer.currency}")
            commitments.append(offer.description or offer.offer_id)
        # Memory highlights are the customer's history, never evidence: a promise remembered from an earlier
        # conversation is not this desk's commitment until a tool or a human makes it again.
        customer = [m.text for m in state.messages if isinstance(m, CustomerMessage)]
        return Evidence(texts=texts, customer_texts=customer, commitments=commitments, allowed=self.allowed_urls)

    def _replace(self, turn: ResolverTurn, out: Resolution, failed: list[str], action: GuardAction) -> Resolution:
        """The model's reply failed the guard twice: the offline engine answers, or nothing is said (handoff)."""
        box = turn.toolbox
        rejected = Attempt(
            id=box.context.new_id("att"),
            action="answer",
            target="llm_resolver",
            outcome="rejected",
            detail="ungrounded reply: " + "; ".join(failed)[:300],
            message_id=turn.message.id,
        )
        if action == "handoff":
            return Resolution(
                reply="",
                grounding=out.grounding,
                attempts=[*out.attempts, rejected],
                facts=out.facts,
                commitments=out.commitments,
                pending_offer=out.pending_offer,
                guard=out.guard,
            )
        fallback = self.offline.resolve(turn)
        fallback.attempts.insert(0, rejected)
        # What the model's tool calls established stays true (a ticket it opened exists).
        fallback.facts = [*out.facts, *fallback.facts]
        fallback.commitments = [*out.commitments, *fallback.commitments]
        fallback.guard = out.guard
        return fallback

    def _system(self, turn: ResolverTurn) -> str:
        state = turn.state
        c = state.customer
        customer = "a guest (not identified)" if c.is_guest else f"{c.name} ({c.tier} tier, id {c.id})"
        facts = "; ".join(f"{f.name}={f.value} [{f.source}]" for f in state.facts) or "(none)"
        briefing = ""
        if state.briefing:
            briefing = f"A human agent handled part of this conversation; their note (data): <<<{state.briefing}>>>"
        human = [f for f in state.facts if f.by_human]
        if human:
            values = "; ".join(
                f"{f.name}={f.value} (set by {f.set_by}"
                + (f"; replaces {', '.join(v.value for v in f.superseded)}" if f.superseded else "")
                + ")"
                for f in human
            )
            briefing += f"\nCurrent values a human agent set (data, authoritative over tool results): <<<{values}>>>"
        memory = "; ".join(f"<<<{h}>>>" for h in state.memory_highlights) or "(none)"
        return render_from(
            "prompts",
            "resolver_system",
            "en",
            desk_name=self.desk_name,
            scope=self.scope,
            language=turn.signals.language,
            customer=customer,
            facts=facts,
            briefing=briefing,
            memory=memory,
        )

    def _run_tool(self, name: str, arguments: dict[str, Any], run: _Run) -> tuple[str, float]:
        """Run one requested tool; returns the result as JSON text for the model, and any amount offered."""
        turn, out = run.turn, run.out
        box = turn.toolbox
        if name != KB_TOOL.name and name not in box.registry:
            run.unknown_tools.append(name)
            return json.dumps({"ok": False, "error": f"there is no tool named {name!r}"}), 0.0
        if name == KB_TOOL.name:
            query = str(arguments.get("query") or turn.message.text)
            found = self.knowledge.answer(query, language=turn.signals.language, min_score=self.kb_min_score)
            if found is None:
                return json.dumps({"found": False}), 0.0
            out.grounding.append(found.article_id)
            run.passages.append(f"{found.article_id} {found.title}: {found.passage}")
            out.attempts.append(
                Attempt(
                    id=box.context.new_id("att"),
                    action="kb_answer",
                    target=found.article_id,
                    outcome="answered",
                    detail=f"score {found.score:.3f}",
                    message_id=turn.message.id,
                )
            )
            return json.dumps({"article_id": found.article_id, "title": found.title, "passage": found.passage}), 0.0
        args = {k: v for k, v in arguments.items() if isinstance(v, str | int | float | bool) or v is None}
        record, result = box.call(name, args)
        if result.ok:
            out.grounding.append(record.id)
        data = result.data
        offered = _record_effects(name, args, result, record.id, run) if result.ok else 0.0
        payload: dict[str, Any] = {"ok": result.ok, "data": data}
        if not result.ok:
            payload["error"] = result.error
        return json.dumps(payload, default=str), offered


class _Run:
    """The working state of one resolution (kept off the resolver so it stays reentrant)."""

    def __init__(self, turn: ResolverTurn, out: Resolution, *, allowed_amount: float) -> None:
        self.turn = turn
        self.out = out
        self.allowed_amount = allowed_amount
        self.passages: list[str] = []
        self.unknown_tools: list[str] = []


def _record_effects(name: str, args: Mapping[str, object], result: ToolResult, call_id: str, run: _Run) -> float:
    """Record what a successful call of ``name`` establishes, as its ``ToolEffects`` declare; the amount offered."""
    turn, out = run.turn, run.out
    effects = turn.toolbox.registry.effects(name)
    data = result.data
    for field, fact in effects.facts.items():
        value = data.get(field)
        if value is not None and value != "":
            out.facts.append(Fact(name=fact, value=_text(value), source=call_id, at=turn.message.at))
    offered = 0.0
    terms = effects.offer
    if terms is not None:
        offered = _amount(data.get(terms.amount))
        out.pending_offer = PendingOffer(
            offer_id=_text(data.get(terms.offer_id) or call_id),
            tool=name,
            reference=_text(args.get(terms.reference, "")) if terms.reference else "",
            kind=_text(data.get(terms.kind, "")),
            amount=offered,
            currency=_text(data.get(terms.currency, "")),
            description=_text(data.get(terms.description, "")),
        )
        if terms.fact:
            out.facts.append(Fact(name=terms.fact, value=f"{offered:.2f}", source=call_id, at=turn.message.at))
    if effects.commitment:
        values = _Blank({**{k: _text(v) for k, v in args.items()}, **{k: _text(v) for k, v in data.items()}})
        values["call_id"] = call_id
        out.commitments.append(
            Commitment(
                id=turn.toolbox.context.new_id("cmt"),
                what=effects.commitment.format_map(values),
                by="ai",
                source=call_id,
            )
        )
    return offered


class _Blank(dict[str, str]):
    """Template values where a field the result lacks reads as empty rather than failing the turn."""

    def __missing__(self, key: str) -> str:
        return ""


def _amount(value: object) -> float:
    """An offer's amount as the tool gave it: a number, or text such as ``"19,35"``; anything else offers 0."""
    if isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return parse_number(str(value).strip())
    except ValueError:
        return 0.0


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _offered_amount(state: ConversationState, registry: ToolRegistry) -> float:
    """The most a reply may state: the pending offer, and the amounts recorded by offer tools' facts."""
    offer = state.pending_offer
    amounts = [offer.amount] if offer is not None else []
    for name in registry.names():
        terms = registry.effects(name).offer
        fact = state.fact(terms.fact) if terms is not None and terms.fact else None
        if fact is not None:
            amounts += extract_amounts(fact.value) or _plain_amount(fact.value)
    return max(amounts, default=0.0)


def _plain_amount(value: str) -> list[float]:
    """A fact written as a bare number (``"20.00"``): ``extract_amounts`` reads only amounts with a currency."""
    try:
        return [parse_number(value.strip())]
    except ValueError:
        return []
