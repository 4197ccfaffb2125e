"""The resolver: answers from the knowledge base and the store's tools, never from imagination.

Every statement of fact in a reply comes from a tool result or a knowledge-base passage, and the reply
records which (``grounding``). Compensation is only ever what the ``offer_compensation`` tool computed
from policy. When an order cannot be found, the resolver says so and asks; it never invents one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, cast

from relevo._config import ResolverConfig
from relevo.agents._knowledge import KnowledgeBase
from relevo.agents._texts import format_date, render_text, word
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
)
from relevo.models import CallLedger
from relevo.models.offline import extract_order_ids

__all__ = ["OfflineResolver", "Resolution", "Resolver", "ResolverTurn"]

CLOSING = "closing"
"""Attempt target of a goodbye after the customer's closing act; saying it twice is no loop."""
_CLOSING_ACTS = frozenset({"affirm", "deny", "thanks_goodbye"})

# Intents that are about one specific order, and those that need one to answer at all.
_ORDER_INTENTS = frozenset(
    {
        "order_status",
        "delivery_delay",
        "track_shipment",
        "cancel_order",
        "change_address",
        "return_item",
        "refund_request",
        "warranty_claim",
    }
)
_NEEDS_ORDER = frozenset({"order_status", "delivery_delay", "track_shipment", "cancel_order", "change_address"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


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
    """Deterministic resolution: intent handlers over tools and the knowledge base, replies from templates."""

    def __init__(self, catalog: IntentCatalog, knowledge: KnowledgeBase, config: ResolverConfig) -> None:
        self.catalog = catalog
        self.knowledge = knowledge
        self.config = config

    def resolve(self, turn: ResolverTurn) -> Resolution:
        run = _Run(self, turn)
        run.handle()
        return run.finish()


class _Run:
    """The working state of one resolution (kept off the resolver so it stays reentrant)."""

    def __init__(self, resolver: OfflineResolver, turn: ResolverTurn) -> None:
        self.r = resolver
        self.turn = turn
        self.state = turn.state
        self.signals = turn.signals
        self.lang = turn.signals.language
        self.box = turn.toolbox
        self.parts: list[str] = []
        self.out = Resolution(reply="")

    # -- entry -------------------------------------------------------------------------------------
    def handle(self) -> None:
        intent = self.signals.intent
        resumed = self._resumed_order_intent()
        if resumed is not None:
            # The customer answered our request to prove who they are: carry on with what they asked before,
            # whatever the email message looks like on its own ("My email is ..." reads as account help).
            self._order_intent(resumed)
        elif self.state.pending_offer is not None and intent in ("affirm", "deny"):
            self._answer_offer(accepted=intent == "affirm")
        elif intent in _CLOSING_ACTS and _closing_asked(self.state, declined=intent == "deny"):
            # "no" / "ok" / "that's all" after "anything else?" (or after our goodbye) ends the conversation;
            # so does a "no" after an answer, which asked nothing.
            self._say("goodbye", "answer", CLOSING, "answered")
        elif intent == "greeting":
            self._greet()
        elif intent == "thanks_goodbye":
            self._say("thanks", "answer", "thanks", "answered")
        elif intent in ("affirm", "deny", "human_agent"):
            self._say("anything_else", "answer", intent, "answered")
        elif self.signals.out_of_scope:
            self._say("out_of_scope", "answer", "scope_redirect", "answered")
        elif self.signals.confidence < self._min_confidence():
            self._say("not_sure", "clarify", "low_confidence", "failed")
        elif intent in _ORDER_INTENTS:
            self._order_intent(intent)
        elif intent == "complaint":
            self._say("complaint", "clarify", "complaint", "answered")
        else:
            self._knowledge_answer(intent, required=True)

    def finish(self) -> Resolution:
        self.out.reply = " ".join(p.strip() for p in self.parts if p.strip())
        self.out.grounding = list(dict.fromkeys(self.out.grounding))
        return self.out

    # -- small helpers -------------------------------------------------------------------------------
    def _resumed_order_intent(self) -> str | None:
        """The order question a guest asked before we asked for their email, when this message brings it."""
        if not self.state.customer.is_guest or self._known("verified_customer_id"):
            return None
        earlier = [a for a in self.state.attempts if a.message_id != self.turn.message.id]
        if not earlier or (earlier[-1].action, earlier[-1].target) != ("clarify", "identity"):
            return None
        if not _EMAIL.search(self.turn.reveal(self.turn.message.text)):
            return None
        asked = [s.intent for s in self.state.signals if s.message_id != self.turn.message.id]
        return next((i for i in reversed(asked) if i in _ORDER_INTENTS), "order_status")

    def _min_confidence(self) -> float:
        return 0.0 if self.signals.intent in _ORDER_INTENTS and self._mentioned_order() else 0.25

    def _say(self, key: str, action: str, target: str, outcome: str, **values: object) -> None:
        self.parts.append(render_text(key, self.lang, **values))
        self._attempt(action, target, outcome)

    def _attempt(self, action: str, target: str, outcome: str, detail: str = "") -> None:
        self.out.attempts.append(
            Attempt.model_validate(
                {
                    "id": self.box.context.new_id("att"),
                    "action": action,
                    "target": target,
                    "outcome": outcome,
                    "detail": detail,
                    "message_id": self.turn.message.id,
                }
            )
        )

    def _fact(self, name: str, value: object, source: str, confidence: float = 1.0) -> None:
        self.out.facts.append(
            Fact(name=name, value=str(value), source=source, confidence=confidence, at=self.turn.message.at)
        )

    def _known(self, name: str) -> str | None:
        for fact in reversed(self.out.facts):
            if fact.name == name:
                return fact.value
        fact = self.state.fact(name)
        return fact.value if fact is not None else None

    def _name_part(self) -> str:
        customer = self.state.customer
        return f", {customer.name.split()[0]}" if customer.name and not customer.is_guest else ""

    def _mentioned_order(self) -> str | None:
        ids = extract_order_ids(self.turn.message.text)
        return ids[-1] if ids else None

    # -- greetings -----------------------------------------------------------------------------------
    def _greet(self) -> None:
        customer = self.state.customer
        if customer.is_guest:
            self._say("greeting_guest", "answer", "greeting", "answered")
        else:
            self._say("greeting_known", "answer", "greeting", "answered", name=customer.name.split()[0])
            if self.state.remembered_promises:
                # Memory is quoted as data: it can remind the customer of a promise, never change a decision.
                self.parts.append(
                    render_text("remembered_promise", self.lang, promise=self.state.remembered_promises[-1])
                )

    # -- orders --------------------------------------------------------------------------------------
    def _order_intent(self, intent: str) -> None:
        if intent not in _NEEDS_ORDER and not self._mentioned_order() and self._known("order_id") is None:
            # A policy question ("how do returns work?") is answered from the knowledge base, not an order.
            self._knowledge_answer(intent, required=True)
            return
        order = self._find_order(intent)
        if order is None:
            return
        if intent in ("order_status", "delivery_delay", "track_shipment"):
            self._order_progress(order)
        else:
            self._order_context(order)
            self._knowledge_answer(intent, required=False)

    def _find_order(self, intent: str) -> Mapping[str, Any] | None:
        """The order this message is about, looked up through the tools; asks when it cannot tell."""
        mentioned = self._mentioned_order()
        order_id = mentioned or self._known("order_id")
        customer = self.state.customer
        if customer.is_guest and not self._verify_guest():
            if mentioned:
                # What the customer said, kept so they need not repeat it once they have proved who they are.
                self._fact("order_id", mentioned, self.turn.message.id, confidence=0.9)
            if intent in _NEEDS_ORDER or mentioned:
                self._say("guest_verify", "clarify", "identity", "answered")
            return None
        if order_id is None:
            return self._pick_from_account(intent)
        record, result = self.box.call("lookup_order", {"order_id": order_id})
        if not result.ok:
            self._say("order_not_found", "tool_call", "lookup_order", "not_found", order_id=order_id)
            self.out.grounding.append(record.id)  # "not found" is what the tool said, not a guess
            return None
        source = self.turn.message.id if mentioned else record.id
        self._fact("order_id", order_id, source)
        self._record_order_facts(result.data, record.id)
        return _mapping(result.data)

    def _verify_guest(self) -> bool:
        """A guest proves who they are with the email on their account; the tools then act for them."""
        if self._known("verified_customer_id"):
            return True
        emails = _EMAIL.findall(self.turn.reveal(self.turn.message.text))
        if not emails:
            return False
        record, result = self.box.call("lookup_customer", {"email": emails[-1]})
        if not result.ok:
            return False
        customer_id = str(result.data.get("id", ""))
        self._fact("verified_customer_id", customer_id, record.id)
        self.box.context = dataclasses.replace(self.box.context, customer_id=customer_id)
        return True

    def _pick_from_account(self, intent: str) -> Mapping[str, Any] | None:
        record, result = self.box.call("list_orders", {})
        orders = [_mapping(o) for o in _sequence(result.data.get("orders"))] if result.ok else []
        open_orders = [o for o in orders if o.get("status") in ("processing", "shipped")]
        late = [o for o in open_orders if int(o.get("days_late", 0) or 0) > 0]
        candidates = late if intent == "delivery_delay" and late else open_orders or orders
        if len(candidates) == 1:
            order_id = str(candidates[0]["id"])
            lookup, detail = self.box.call("lookup_order", {"order_id": order_id})
            if detail.ok:
                self._fact("order_id", order_id, record.id)
                self._record_order_facts(detail.data, lookup.id)
                return _mapping(detail.data)
        if candidates:
            listing = ", ".join(f"{o['id']} ({word(str(o.get('status', '')), self.lang)})" for o in candidates[:5])
            self._say("ask_order_choice", "clarify", "order_id", "answered", orders=listing)
            self.out.grounding.append(record.id)
        else:
            self._say("ask_order_id", "clarify", "order_id", "answered")
        return None

    def _record_order_facts(self, order: Mapping[str, Any], source: str) -> None:
        for key in ("status", "promised_delivery", "days_late"):
            if order.get(key) is not None:
                self._fact(f"order_{key}", order[key], source)

    def _items(self, order: Mapping[str, Any]) -> str:
        items: Sequence[Mapping[str, Any]] = order.get("items", [])
        names = [str(i.get("name") or i.get("sku")) for i in items]
        return ", ".join(names) if names else "—"

    def _order_context(self, order: Mapping[str, Any]) -> None:
        self.parts.append(
            render_text(
                "order_status",
                self.lang,
                order_id=order["id"],
                items=self._items(order),
                status=word(str(order.get("status", "")), self.lang),
            )
        )
        self.out.grounding.append(self.box.calls[-1].id)

    def _order_progress(self, order: Mapping[str, Any]) -> None:
        order_id = str(order["id"])
        status = str(order.get("status", ""))
        days_late = int(order.get("days_late", 0) or 0)
        shipment: Mapping[str, Any] | None = None
        if order.get("shipment_id"):
            record, result = self.box.call("track_shipment", {"order_id": order_id})
            if result.ok:
                shipment = _mapping(result.data)
                self.out.grounding.append(record.id)
                for key in ("status", "estimated_delivery", "delay_reason", "carrier", "tracking_number"):
                    if shipment.get(key):
                        self._fact(f"shipment_{key}", shipment[key], record.id)
            else:
                self._attempt("tool_call", "track_shipment", "failed", result.error)
        if days_late > 0 and status == "shipped" and shipment is not None and shipment.get("delay_reason"):
            self.parts.append(
                render_text(
                    "order_delayed",
                    self.lang,
                    name_part=self._name_part(),
                    order_id=order_id,
                    items=self._items(order),
                    promised=self._date(order.get("promised_delivery")),
                    days_late=days_late,
                    reason=shipment["delay_reason"],
                    carrier=shipment.get("carrier", ""),
                    eta=self._date(shipment.get("estimated_delivery")),
                )
            )
        else:
            self._order_context(order)
            if shipment is not None:
                last = _mapping(shipment.get("last_event"))
                self.parts.append(
                    render_text(
                        "shipment_line",
                        self.lang,
                        carrier=shipment.get("carrier", ""),
                        tracking=shipment.get("tracking_number", ""),
                        status=word(str(shipment.get("status", "")), self.lang),
                        event=last.get("description", "—"),
                        location=last.get("location", "—"),
                        when=self._date(last.get("at")),
                    )
                )
            elif status in ("processing", "shipped") and order.get("promised_delivery"):
                self.parts.append(render_text("order_expected", self.lang, date=self._date(order["promised_delivery"])))
            if order.get("shipment_id") and shipment is None:
                carrier = self._known("shipment_carrier") or "the carrier"
                self.parts.append(render_text("tracking_down", self.lang, carrier=carrier))
        if self.state.briefing and order_id in self.state.briefing:
            agent = _last_agent(self.state)
            self.parts.append(render_text("human_update", self.lang, agent=agent, update=self.state.briefing))
        self._attempt("tool_call", "lookup_order", "answered", f"{order_id}: {status}, {days_late} days late")
        if days_late > 0 and status == "shipped":
            self._offer_compensation(order_id)

    def _date(self, value: object) -> str:
        if value is None or value == "":
            return "—"
        text = str(value)[:10]
        try:
            return format_date(date.fromisoformat(text), self.lang)
        except ValueError:
            return text

    # -- compensation ---------------------------------------------------------------------------------
    def _offer_compensation(self, order_id: str) -> None:
        if self._known("compensation_applied") or self._known("compensation_offered"):
            return  # offered once is enough: repeating it (or stacking offers) is not the AI's call
        if self.state.pending_offer is not None:
            return
        requested = max(self.signals.amounts) if self.signals.amounts else None
        args: dict[str, str | float | None] = {"order_id": order_id}
        if requested is not None:
            args["requested_amount"] = requested
        record, result = self.box.call("offer_compensation", args)
        if not result.ok:
            self._attempt("tool_call", "offer_compensation", "rejected", result.error)
            return
        offer = _mapping(result.data)
        pending = PendingOffer(
            offer_id=str(offer.get("offer_id", record.id)),
            order_id=order_id,
            kind=str(offer.get("kind", "")),
            amount=float(offer.get("amount", 0.0)),
            currency=str(offer.get("currency", "EUR")),
            description=str(offer.get("description", "")),
        )
        self.out.pending_offer = pending
        self.out.grounding.append(record.id)
        self._fact("compensation_offered", f"{pending.description} ({_money(pending)})", record.id)
        self.parts.append(
            render_text(
                "offer",
                self.lang,
                tier=word(self.state.customer.tier, self.lang),
                offer=pending.description,
                amount=_money(pending),
            )
        )
        self._attempt("tool_call", "offer_compensation", "offered", f"{pending.kind} {_money(pending)}")

    def _answer_offer(self, *, accepted: bool) -> None:
        offer = self.state.pending_offer
        assert offer is not None
        self.out.clear_offer = True
        if not accepted:
            self.parts.append(render_text("offer_declined", self.lang))
            self.parts.append(render_text("anything_else", self.lang))
            self._attempt("answer", "offer_compensation", "declined", offer.offer_id)
            return
        subject = f"Apply {offer.kind} {_money(offer)} for {offer.order_id} (offer {offer.offer_id})"
        record, result = self.box.call(
            "create_ticket", {"subject": subject, "body": offer.description, "priority": "normal"}
        )
        if not result.ok:
            self._attempt("tool_call", "create_ticket", "failed", result.error)
            self.parts.append(render_text("not_sure", self.lang))
            return
        ticket = str(result.data.get("ticket_id", record.id))
        self.out.grounding.append(record.id)
        self.out.commitments.append(
            Commitment(
                id=self.box.context.new_id("cmt"),
                what=f"{offer.description} ({_money(offer)}) for order {offer.order_id}, ticket {ticket}",
                by="ai",
                due=None,
                source=record.id,
            )
        )
        granted = float(self._known("compensation_granted_total") or 0.0) + offer.amount
        self._fact("compensation_granted_total", f"{granted:.2f}", record.id)
        self._fact("compensation_applied", f"{offer.description} ({_money(offer)}), ticket {ticket}", record.id)
        self.parts.append(
            render_text(
                "offer_applied",
                self.lang,
                offer=offer.description,
                amount=_money(offer),
                order_id=offer.order_id,
                ticket=ticket,
            )
        )
        self.parts.append(render_text("anything_else", self.lang))
        self._attempt("tool_call", "create_ticket", "resolved", ticket)

    # -- knowledge base ------------------------------------------------------------------------------
    def _knowledge_answer(self, intent: str, *, required: bool) -> None:
        definition = self.r.catalog.get(intent)
        topic = definition.kb_topic if definition is not None else None
        found = self.r.knowledge.answer(
            self.turn.message.text,
            language=self.lang,
            min_score=self.r.config.kb_min_score,
            margin=self.r.config.kb_margin,
            topic=topic,
        )
        if found is None:
            if required:
                self._say("not_sure", "kb_answer", topic or intent, "failed")
            return
        self.parts.append(
            render_text("kb_answer", self.lang, passage=found.passage, title=found.title, article_id=found.article_id)
        )
        self.out.grounding.append(found.article_id)
        self._attempt("kb_answer", found.article_id, "answered", f"score {found.score:.3f}")


def _mapping(value: object) -> Mapping[str, Any]:
    """A tool result's JSON object (or an empty one): tool output is data, read defensively."""
    return cast(Mapping[str, Any], value) if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[Any]:
    return cast(Sequence[Any], value) if isinstance(value, list) else []


def _closing_asked(state: ConversationState, *, declined: bool) -> bool:
    """Whether a closing act now ends the conversation: the assistant already asked "anything else?" since it
    last took over (asking it twice is a loop) or said goodbye; for a ``declined`` act ("no"), also when its
    last message asked nothing at all (an answer)."""
    spoken: list[AIMessage] = []
    for message in reversed(state.messages):
        if message.kind == "system" and message.event in ("hand_back", "reopened"):
            break
        if message.kind == "ai":
            spoken.append(message)
    if not spoken:
        return False
    if any(_is_closing_line(m) for m in spoken):
        return True
    return declined and not spoken[0].text.strip().endswith(("?", "？"))


def _is_closing_line(message: AIMessage) -> bool:
    text = message.text.strip()
    return render_text("anything_else", message.language) in text or text == render_text("goodbye", message.language)


def _last_agent(state: ConversationState) -> str:
    for message in reversed(state.messages):
        if message.kind == "human_agent":
            return message.agent
        if message.kind == "system" and message.event == "takeover":
            return message.text.removesuffix(" took over")
    return "our team"


def _money(offer: PendingOffer) -> str:
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(offer.currency, offer.currency + " ")
    return f"{symbol}{offer.amount:.2f}"
