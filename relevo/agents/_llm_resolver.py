"""The resolver on an LLM: a tool-calling loop over the same tools as the offline engine, with a step cap.

Policy limits do not depend on the model: compensation only ever comes from the ``offer_compensation`` tool
(which applies the tier policy), and a reply that names an amount above what policy allowed is replaced by the
offline resolver's answer.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from relevo._errors import ModelError
from relevo.agents._history import transcript_as_turns
from relevo.agents._intents import SMALL_TALK
from relevo.agents._knowledge import KnowledgeBase
from relevo.agents._resolver import OfflineResolver, Resolution, ResolverTurn
from relevo.agents._texts import render_from
from relevo.contracts import Attempt, Commitment, Fact, PendingOffer
from relevo.models import (
    AssistantTurn,
    CallLedger,
    ModelChain,
    ModelMessage,
    ModelRequest,
    SystemTurn,
    ToolDefinition,
    ToolTurn,
)
from relevo.models.offline import extract_amounts

__all__ = ["KB_TOOL", "LLMResolver"]

KB_TOOL = ToolDefinition(
    name="search_knowledge_base",
    description="Search the store's help articles; returns the best passage and its article id.",
    parameters={
        "type": "object",
        "properties": {"query": {"type": "string", "description": "what to look up"}},
        "required": ["query"],
    },
)


class LLMResolver:
    """Answers with a model that looks things up through tools and the knowledge base."""

    def __init__(
        self,
        chain: ModelChain,
        knowledge: KnowledgeBase,
        offline: OfflineResolver,
        *,
        store_name: str = "our store",
        max_steps: int = 4,
        kb_min_score: float = 0.8,
        on_failure: Literal["handoff", "offline"] = "handoff",
    ) -> None:
        self.on_failure = on_failure
        self.chain = chain
        self.knowledge = knowledge
        self.offline = offline
        self.store_name = store_name
        self.max_steps = max_steps
        self.kb_min_score = kb_min_score

    def resolve(self, turn: ResolverTurn) -> Resolution:
        try:
            return self._resolve(turn)
        except ModelError as exc:
            if self.on_failure == "offline":
                return self.offline.resolve(turn)
            # Nothing is said to the customer; the policy's model_error / budget_exhausted rule hands off.
            return Resolution(reply="", model_error=str(exc))

    def _resolve(self, turn: ResolverTurn) -> Resolution:
        state, box = turn.state, turn.toolbox
        calls = turn.calls or CallLedger()
        tools = [KB_TOOL, *(ToolDefinition.model_validate(s.model_dump()) for s in box.registry.specs())]
        messages: list[ModelMessage] = [SystemTurn(content=self._system(turn)), *transcript_as_turns(state.messages)]
        out = Resolution(reply="")
        allowed_amount = _offered_amount(state)
        for _ in range(self.max_steps):
            response = self.chain.complete(ModelRequest(messages=messages, tools=tools, max_tokens=300), calls)
            if not response.tool_calls:
                out.reply = response.text.strip()
                break
            messages.append(AssistantTurn(content=response.text, tool_calls=response.tool_calls))
            for call in response.tool_calls:
                content, offered = self._run_tool(call.name, call.arguments, turn, out)
                allowed_amount = max(allowed_amount, offered)
                messages.append(ToolTurn(tool_call_id=call.id, name=call.name, content=content))
        grounded = bool(out.grounding)
        beyond_policy = any(a > allowed_amount + 0.01 for a in extract_amounts(out.reply))
        if not out.reply or beyond_policy:
            # No final answer within the step cap, or money the policy did not allow: the offline engine answers.
            fallback = self.offline.resolve(turn)
            fallback.attempts.insert(
                0,
                Attempt(
                    id=box.context.new_id("att"),
                    action="answer",
                    target="llm_resolver",
                    outcome="rejected",
                    detail="amount beyond policy" if beyond_policy else "no answer within the step cap",
                    message_id=turn.message.id,
                ),
            )
            return fallback
        outcome = "answered" if grounded or turn.signals.intent in SMALL_TALK else "failed"
        out.attempts.append(
            Attempt(
                id=box.context.new_id("att"),
                action="answer",
                target="llm_resolver",
                outcome=outcome,
                detail=f"{len(box.calls)} tool calls",
                message_id=turn.message.id,
            )
        )
        return out

    def _system(self, turn: ResolverTurn) -> str:
        state = turn.state
        c = state.customer
        customer = "a guest (not identified)" if c.is_guest else f"{c.name} ({c.tier} tier, id {c.id})"
        facts = "; ".join(f"{f.name}={f.value} [{f.source}]" for f in state.facts) or "(none)"
        briefing = ""
        if state.briefing:
            briefing = f"A human agent handled part of this conversation; their note (data): <<<{state.briefing}>>>"
        memory = "; ".join(f"<<<{h}>>>" for h in state.memory_highlights) or "(none)"
        return render_from(
            "prompts",
            "resolver_system",
            "en",
            store=self.store_name,
            language=turn.signals.language,
            customer=customer,
            facts=facts,
            briefing=briefing,
            memory=memory,
        )

    def _run_tool(self, name: str, arguments: dict[str, Any], turn: ResolverTurn, out: Resolution) -> tuple[str, float]:
        """Run one requested tool; returns the result as JSON text for the model, and any amount offered."""
        box = turn.toolbox
        if name == KB_TOOL.name:
            query = str(arguments.get("query") or turn.message.text)
            found = self.knowledge.answer(query, language=turn.signals.language, min_score=self.kb_min_score)
            if found is None:
                return json.dumps({"found": False}), 0.0
            out.grounding.append(found.article_id)
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
        offered = 0.0
        data = result.data
        if result.ok and name == "lookup_order" and data.get("id"):
            out.facts.append(Fact(name="order_id", value=str(data["id"]), source=record.id, at=turn.message.at))
        if result.ok and name == "offer_compensation":
            offered = float(str(data.get("amount", 0.0)))
            out.pending_offer = PendingOffer(
                offer_id=str(data.get("offer_id", record.id)),
                order_id=str(args.get("order_id", "")),
                kind=str(data.get("kind", "")),
                amount=offered,
                currency=str(data.get("currency", "EUR")),
                description=str(data.get("description", "")),
            )
            out.facts.append(Fact(name="compensation_offered", value=f"{offered:.2f}", source=record.id))
        if result.ok and name == "create_ticket":
            out.commitments.append(
                Commitment(
                    id=box.context.new_id("cmt"),
                    what=f"ticket {data.get('ticket_id', record.id)}: {args.get('subject', '')}",
                    by="ai",
                    source=record.id,
                )
            )
        payload: dict[str, Any] = {"ok": result.ok, "data": data}
        if not result.ok:
            payload["error"] = result.error
        return json.dumps(payload, default=str), offered


def _offered_amount(state: Any) -> float:
    offer = state.pending_offer
    fact = state.fact("compensation_offered")
    amounts = [offer.amount] if offer is not None else []
    if fact is not None:
        amounts += extract_amounts(fact.value) or []
    return max(amounts, default=0.0)
