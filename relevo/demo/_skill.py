"""The shop's offline skill: orders, deliveries, guest verification and delay compensation.

It answers through the shop's tools (``lookup_order``, ``track_shipment``, ``offer_compensation``...), never
from imagination: compensation is only ever what ``offer_compensation`` computed from policy, and when an
order cannot be found it says so and asks. Built only on relevo's public API (``relevo.agents.OfflineTurn``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, cast

from relevo.agents import OfflineTurn, format_date
from relevo.contracts import Commitment, ConversationState, IntentCatalog, PendingOffer

__all__ = ["NEEDS_ORDER", "ORDER_INTENTS", "ShopSkill", "mentioned_order_ids"]

ORDER_INTENTS = frozenset(
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
"""Intents about one specific order."""
NEEDS_ORDER = frozenset({"order_status", "delivery_delay", "track_shipment", "cancel_order", "change_address"})
"""Intents that need an order to answer at all (the others are answered from the knowledge base without one)."""
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MIN_CONFIDENCE = 0.25


def mentioned_order_ids(catalog: IntentCatalog, text: str) -> list[str]:
    """The orders ``text`` names, as ``ORD-<number>``, first mention first, by the catalog's ``order_id`` fact
    pattern (``ORD-1042``, ``order #1042``, ``pedido nº 1042``, ``đơn hàng 1042``); none without that fact."""
    spec = next((f for f in catalog.fact_specs() if f.name == "order_id"), None)
    found: list[str] = []
    for match in re.finditer(spec.pattern, text, re.IGNORECASE) if spec is not None else ():
        order_id = "ORD-" + match.group(1).upper()
        if order_id not in found:
            found.append(order_id)
    return found


_ASKED_FOR_ORDER = {("clarify", "order_id"), ("clarify", "identity")}
_BARE_NUMBER = re.compile(
    r"(?<![\d.,€$£])\b(\d{3,10})\b(?![.,]\d|\s*(?:€|\$|£|eur|usd|euros?|reais|pesos|đ|vnd)\b)", re.IGNORECASE
)
_SHORT_REPLY_WORDS = 6
"""A reply of at most this many words with one bare number, right after we asked for the order number, names it."""


class ShopSkill:
    """Answers the shop's order questions and compensation offers offline (``DeskBuilder.add_offline_skill``)."""

    def answer(self, turn: OfflineTurn) -> bool:
        return _ShopTurn(turn).handle()


class _ShopTurn:
    """One turn of the skill (kept off the skill so it stays reentrant)."""

    def __init__(self, turn: OfflineTurn) -> None:
        self.t = turn

    def handle(self) -> bool:
        signals = self.t.signals
        intent = signals.intent
        resumed = self._resumed_order_intent()
        if resumed is not None:
            # The customer answered our question (which order, or who they are): carry on with what they asked
            # before, whatever the message looks like on its own ("My email is ..." reads as account help).
            self._order_intent(resumed)
            return True
        offer = self.t.state.pending_offer
        if offer is not None and intent in ("affirm", "deny"):
            if signals.confidence >= _MIN_CONFIDENCE:
                self._answer_offer(accepted=intent == "affirm")
            else:
                # Not a yes in so many words ("the first one"): money is never spent on a guess; ask again.
                self.t.say(
                    "offer_confirm",
                    "clarify",
                    "offer_compensation",
                    "answered",
                    offer=offer.description,
                    amount=_money(offer),
                )
            return True
        if signals.out_of_scope or intent not in (*ORDER_INTENTS, "complaint"):
            return False
        if signals.confidence < self._min_confidence():
            return False  # the built-in "not sure" answer
        if intent == "complaint":
            self.t.say("complaint", "clarify", "complaint", "answered")
        else:
            self._order_intent(intent)
        return True

    def _resumed_order_intent(self) -> str | None:
        """The order question asked before we asked which order (or a guest's email), when this message brings
        it: "It's ORD-1053" alone reads as no intent at all."""
        question = self._last_question()
        if not (self._answers_which_order(question) or self._answers_who(question)):
            return None
        asked = [s.intent for s in self.t.state.signals if s.message_id != self.t.turn.message.id]
        return next((i for i in reversed(asked) if i in ORDER_INTENTS), "order_status")

    def _last_question(self) -> tuple[str, str] | None:
        """What our last reply of an earlier turn did, as ``(action, target)``."""
        earlier = self.t.earlier_attempts()
        return (earlier[-1].action, earlier[-1].target) if earlier else None

    def _answers_which_order(self, question: tuple[str, str] | None) -> bool:
        return question == ("clarify", "order_id") and self._mentioned_order() is not None

    def _answers_who(self, question: tuple[str, str] | None) -> bool:
        """A guest's email, after we asked them to prove who they are."""
        if not self.t.state.customer.is_guest or self.t.known("verified_customer_id"):
            return False
        if question != ("clarify", "identity"):
            return False
        return bool(self._emails()) or self._mentioned_order() is not None

    def _emails(self) -> list[str]:
        """The email addresses in this message (revealed from their vault tokens: the tools need them)."""
        return _EMAIL.findall(self.t.turn.reveal(self.t.turn.message.text))

    def _min_confidence(self) -> float:
        return 0.0 if self.t.signals.intent in ORDER_INTENTS and self._mentioned_order() else _MIN_CONFIDENCE

    def _mentioned_order(self) -> str | None:
        """The last order this message names, as ``ORD-<number>`` (the ``order_id`` fact of intents.yaml); right
        after we asked for the order number, a short reply holding one bare number ("es el 1042") names it too."""
        ids = mentioned_order_ids(self.t.catalog, self.t.turn.message.text)
        if ids:
            return ids[-1]
        if self._last_question() not in _ASKED_FOR_ORDER:
            return None
        text = self.t.turn.message.text
        numbers = _BARE_NUMBER.findall(text)
        return f"ORD-{numbers[0]}" if len(numbers) == 1 and len(text.split()) <= _SHORT_REPLY_WORDS else None

    # -- orders --------------------------------------------------------------------------------------
    def _order_intent(self, intent: str) -> None:
        if intent not in NEEDS_ORDER and not self._mentioned_order() and self.t.known("order_id") is None:
            # A policy question ("how do returns work?") is answered from the knowledge base, not an order.
            self.t.knowledge_answer(intent, required=True)
            return
        order = self._find_order(intent)
        if order is None:
            return
        if intent in ("order_status", "delivery_delay", "track_shipment"):
            self._order_progress(order)
        else:
            self._order_context(order)
            self.t.knowledge_answer(intent, required=False)

    def _find_order(self, intent: str) -> Mapping[str, Any] | None:
        """The order this message is about, looked up through the tools; asks when it cannot tell."""
        mentioned = self._mentioned_order()
        order_id = mentioned or self.t.known("order_id")
        customer = self.t.state.customer
        if customer.is_guest and not self._verify_guest():
            asked_email = self.t.known("order_id") is not None and self._last_question() == ("clarify", "identity")
            if mentioned:
                # What the customer said, kept so they need not repeat it once they have proved who they are.
                self.t.fact("order_id", mentioned, self.t.turn.message.id, confidence=0.9)
            if self._emails():
                # An email no account has: say so, and confirm nothing about the order to whoever sent it.
                self.t.say("guest_email_unknown", "clarify", "identity", "answered")
            elif order_id:
                # The order is known and only the email is missing: ask for that, not for both again; asked
                # already, say it is still missing rather than repeat the question word for word.
                key = "guest_email_still_missing" if asked_email else "guest_verify_email"
                self.t.say(key, "clarify", "identity", "answered", order_id=order_id)
                said = self.t.current("order_id")
                self.t.ground(said.source if said is not None else self.t.turn.message.id)  # the customer's words
            elif intent in NEEDS_ORDER:
                self.t.say("guest_verify", "clarify", "identity", "answered")
            return None
        if order_id is None:
            return self._pick_from_account(intent)
        record, result = self.t.toolbox.call("lookup_order", {"order_id": order_id})
        if not result.ok:
            self.t.say("order_not_found", "tool_call", "lookup_order", "not_found", order_id=order_id)
            self.t.ground(record.id)  # "not found" is what the tool said, not a guess
            return None
        source = self.t.turn.message.id if mentioned else record.id
        self.t.fact("order_id", order_id, source)
        return self._record_order_facts(_mapping(result.data), record.id)

    def _verify_guest(self) -> bool:
        """A guest proves who they are with the email on their account; the tools then act for them."""
        if self.t.known("verified_customer_id"):
            return True
        emails = self._emails()
        if not emails:
            return False
        record, result = self.t.toolbox.call("lookup_customer", {"email": emails[-1]})
        if not result.ok:
            return False
        customer_id = str(result.data.get("id", ""))
        self.t.fact("verified_customer_id", customer_id, record.id)
        self.t.toolbox.context = dataclasses.replace(self.t.toolbox.context, customer_id=customer_id)
        return True

    def _pick_from_account(self, intent: str) -> Mapping[str, Any] | None:
        record, result = self.t.toolbox.call("list_orders", {})
        orders = [_mapping(o) for o in _sequence(result.data.get("orders"))] if result.ok else []
        open_orders = [o for o in orders if o.get("status") in ("processing", "shipped")]
        late = [o for o in open_orders if int(o.get("days_late", 0) or 0) > 0]
        candidates = late if intent == "delivery_delay" and late else open_orders or orders
        if len(candidates) == 1:
            order_id = str(candidates[0]["id"])
            lookup, detail = self.t.toolbox.call("lookup_order", {"order_id": order_id})
            if detail.ok:
                self.t.fact("order_id", order_id, record.id)
                return self._record_order_facts(_mapping(detail.data), lookup.id)
        if candidates:
            listing = ", ".join(f"{o['id']} ({self.t.word(str(o.get('status', '')))})" for o in candidates[:5])
            self.t.say("ask_order_choice", "clarify", "order_id", "answered", orders=listing)
            self.t.ground(record.id)
        else:
            self.t.say("ask_order_id", "clarify", "order_id", "answered")
        return None

    def _record_order_facts(self, order: Mapping[str, Any], source: str) -> Mapping[str, Any]:
        """Record the order's facts; returns the order as they hold now (a human's newer value in place of the
        tool's where one handed back with it)."""
        current = dict(order)
        for key in ("status", "promised_delivery", "days_late"):
            if order.get(key) is not None:
                current[key] = self.t.fact(f"order_{key}", order[key], source).value
        return current

    def _items(self, order: Mapping[str, Any]) -> str:
        items: Sequence[Mapping[str, Any]] = order.get("items", [])
        names = [str(i.get("name") or i.get("sku")) for i in items]
        return ", ".join(names) if names else "—"

    def _order_context(self, order: Mapping[str, Any]) -> None:
        self.t.add(
            self.t.render(
                "order_status",
                order_id=order["id"],
                items=self._items(order),
                status=self.t.word(str(order.get("status", ""))),
            )
        )
        self.t.ground(self.t.toolbox.calls[-1].id)

    def _order_progress(self, order: Mapping[str, Any]) -> None:
        order_id = str(order["id"])
        status = str(order.get("status", ""))
        days_late = int(order.get("days_late", 0) or 0)
        shipment: Mapping[str, Any] | None = None
        if order.get("shipment_id"):
            record, result = self.t.toolbox.call("track_shipment", {"order_id": order_id})
            if result.ok:
                shipment = _mapping(result.data)
                self.t.ground(record.id)
                for key in ("status", "estimated_delivery", "delay_reason", "carrier", "tracking_number"):
                    if shipment.get(key):
                        self.t.fact(f"shipment_{key}", shipment[key], record.id)
            else:
                self.t.attempt("tool_call", "track_shipment", "failed", result.error)
        # A delivery date a human set at hand-back replaces the carrier's (which has not caught up with them).
        eta = self.t.current("shipment_estimated_delivery")
        human_eta = eta if eta is not None and eta.by_human else None
        if days_late > 0 and status == "shipped" and shipment is not None and shipment.get("delay_reason"):
            self.t.add(
                self.t.render(
                    "order_delayed",
                    name_part=self.t.first_name_part(),
                    order_id=order_id,
                    items=self._items(order),
                    promised=self._date(order.get("promised_delivery")),
                    days_late=days_late,
                    reason=shipment["delay_reason"],
                )
            )
            if human_eta is None:
                self.t.add(
                    self.t.render(
                        "carrier_eta",
                        carrier=shipment.get("carrier", ""),
                        eta=self._date(shipment.get("estimated_delivery")),
                    )
                )
        else:
            self._order_context(order)
            if shipment is not None:
                last = _mapping(shipment.get("last_event"))
                self.t.add(
                    self.t.render(
                        "shipment_line",
                        carrier=shipment.get("carrier", ""),
                        tracking=shipment.get("tracking_number", ""),
                        status=self.t.word(str(shipment.get("status", ""))),
                        event=last.get("description", "—"),
                        location=last.get("location", "—"),
                        when=self._date(last.get("at")),
                    )
                )
            elif status in ("processing", "shipped") and order.get("promised_delivery"):
                self.t.add(self.t.render("order_expected", date=self._date(order["promised_delivery"])))
            if order.get("shipment_id") and shipment is None:
                carrier = self.t.known("shipment_carrier") or "the carrier"
                self.t.add(self.t.render("tracking_down", carrier=carrier))
        updates: list[str] = []
        if self.t.state.briefing and order_id in self.t.state.briefing:
            updates.append(self.t.state.briefing)
        if human_eta is not None:
            updates.append(self.t.render("human_eta", eta=self._date(human_eta.value)))
        if updates:
            agent = human_eta.set_by if human_eta is not None else _last_agent(self.t.state)
            self.t.add(self.t.render("human_update", agent=agent, update="; ".join(updates)))
        self.t.attempt("tool_call", "lookup_order", "answered", f"{order_id}: {status}, {days_late} days late")
        if days_late > 0 and status == "shipped":
            self._offer_compensation(order_id)

    def _date(self, value: object) -> str:
        if value is None or value == "":
            return "—"
        text = str(value)[:10]
        try:
            return format_date(date.fromisoformat(text), self.t.language)
        except ValueError:
            return text

    # -- compensation ---------------------------------------------------------------------------------
    def _offer_compensation(self, order_id: str) -> None:
        if self.t.known("compensation_applied") or self.t.known("compensation_offered"):
            return  # offered once is enough: repeating it (or stacking offers) is not the AI's call
        if self.t.state.pending_offer is not None:
            return
        requested = max(self.t.signals.amounts) if self.t.signals.amounts else None
        args: dict[str, str | float | None] = {"order_id": order_id}
        if requested is not None:
            args["requested_amount"] = requested
        record, result = self.t.toolbox.call("offer_compensation", args)
        if not result.ok:
            self.t.attempt("tool_call", "offer_compensation", "rejected", result.error)
            return
        offer = _mapping(result.data)
        pending = PendingOffer(
            offer_id=str(offer.get("offer_id", record.id)),
            tool="offer_compensation",
            reference=order_id,
            kind=str(offer.get("kind", "")),
            amount=float(offer.get("amount", 0.0)),
            currency=str(offer.get("currency", "EUR")),
            description=str(offer.get("description", "")),
        )
        self.t.out.pending_offer = pending
        self.t.ground(record.id)
        self.t.fact("compensation_offered", f"{pending.description} ({_money(pending)})", record.id)
        self.t.add(
            self.t.render(
                "offer",
                # The policy's tier is the order's owner's (a verified guest's own), as the tool applied it.
                tier=self.t.word(str(offer.get("tier") or self.t.state.customer.tier)),
                offer=pending.description,
                amount=_money(pending),
            )
        )
        self.t.attempt("tool_call", "offer_compensation", "offered", f"{pending.kind} {_money(pending)}")

    def _answer_offer(self, *, accepted: bool) -> None:
        offer = self.t.state.pending_offer
        assert offer is not None
        self.t.out.clear_offer = True
        if not accepted:
            self.t.add(self.t.render("offer_declined"))
            self.t.add(self.t.render("anything_else"))
            self.t.attempt("answer", "offer_compensation", "declined", offer.offer_id)
            return
        subject = f"Apply {offer.kind} {_money(offer)} for {offer.reference} (offer {offer.offer_id})"
        record, result = self.t.toolbox.call(
            "create_ticket", {"subject": subject, "body": offer.description, "priority": "normal"}
        )
        if not result.ok:
            self.t.attempt("tool_call", "create_ticket", "failed", result.error)
            self.t.add(self.t.render("not_sure"))
            return
        ticket = str(result.data.get("ticket_id", record.id))
        self.t.ground(record.id)
        self.t.out.commitments.append(
            Commitment(
                id=self.t.toolbox.context.new_id("cmt"),
                what=f"{offer.description} ({_money(offer)}) for order {offer.reference}, ticket {ticket}",
                by="ai",
                due=None,
                source=record.id,
            )
        )
        granted = float(self.t.known("compensation_granted_total") or 0.0) + offer.amount
        self.t.fact("compensation_granted_total", f"{granted:.2f}", record.id)
        self.t.fact("compensation_applied", f"{offer.description} ({_money(offer)}), ticket {ticket}", record.id)
        self.t.add(
            self.t.render(
                "offer_applied",
                offer=offer.description,
                amount=_money(offer),
                order_id=offer.reference,
                ticket=ticket,
            )
        )
        self.t.add(self.t.render("anything_else"))
        self.t.attempt("tool_call", "create_ticket", "resolved", ticket)


def _mapping(value: object) -> Mapping[str, Any]:
    """A tool result's JSON object (or an empty one): tool output is data, read defensively."""
    return cast(Mapping[str, Any], value) if isinstance(value, Mapping) else {}


def _sequence(value: object) -> Sequence[Any]:
    return cast(Sequence[Any], value) if isinstance(value, list) else []


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
