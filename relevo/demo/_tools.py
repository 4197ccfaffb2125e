"""The shop's tools: customers, orders, shipments, delay compensation and tickets.

Each tool takes a ``ToolContext`` first and finds the shop through it (``ctx.service(StoreBackend)``).
"Not found", "not yours" and "not allowed" are refusals (``ToolRefused``), an outage is a failure
(``ToolError``). When the context names a customer, a tool never returns another
customer's data; "not yours" and "does not exist" read the same, so nothing leaks about other customers.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from relevo import ToolError
from relevo.contracts import Priority
from relevo.demo._backend import StoreBackend
from relevo.demo._schema import Customer, LoyaltyTier, Order, ShipmentEvent
from relevo.tools import OfferTerms, ToolContext, ToolEffects, ToolRefused, ToolRegistry

_ORDER_ID = re.compile(r"(?:ORD)?[\s#-]*(?P<number>\d+)")

OrderStatus = Literal["processing", "shipped", "delivered", "cancelled", "returned"]
ShipmentStatus = Literal["label_created", "in_transit", "delayed", "out_for_delivery", "delivered", "lost"]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class ShopCustomer(_Result):
    """What ``lookup_customer`` returns."""

    id: str
    name: str
    tier: LoyaltyTier
    language: str
    since: date
    notes: list[str]


class OrderLine(_Result):
    sku: str
    name: str
    quantity: int
    unit_price: float


class OrderDetails(_Result):
    """What ``lookup_order`` returns."""

    id: str
    customer_id: str
    status: OrderStatus
    placed_at: date
    promised_delivery: date
    days_late: int
    total: float
    currency: str
    items: list[OrderLine]
    shipment_id: str | None
    shipment_status: ShipmentStatus | None


class OrderSummary(_Result):
    id: str
    status: OrderStatus
    placed_at: date
    promised_delivery: date
    days_late: int
    total: float
    shipment_status: ShipmentStatus | None


class OrderList(_Result):
    """What ``list_orders`` returns: the customer's orders, newest first."""

    customer_id: str
    currency: str
    orders: list[OrderSummary]


class ShipmentTracking(_Result):
    """What ``track_shipment`` returns."""

    order_id: str
    shipment_id: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    estimated_delivery: date | None
    delay_reason: str
    last_event: ShipmentEvent | None


class CompensationOffer(_Result):
    """What ``offer_compensation`` returns: an offer to put to the customer, not yet granted."""

    offer_id: str
    order_id: str
    customer_id: str
    tier: LoyaltyTier
    kind: Literal["voucher", "refund_shipping", "percent_refund"]
    amount: float
    currency: str
    description: str
    days_late: int
    policy_amount: float
    """What the tier's policy allows for this order, before the conversation's goodwill budget."""
    limited_by_budget: bool
    """The conversation's remaining goodwill budget (``max_goodwill_total``) lowered the amount."""
    requested_amount: float | None
    capped: bool
    """The requested amount exceeded what is allowed, so ``amount`` is the allowed maximum instead."""


class TicketReceipt(_Result):
    """What ``create_ticket`` returns."""

    ticket_id: str
    customer_id: str | None
    priority: Priority


def days_late(order: Order, store: StoreBackend) -> int:
    """Whole days an order is (or was, once delivered) past its promised delivery date; never negative."""
    if order.status == "cancelled":
        return 0
    end = store.today
    if order.status in ("delivered", "returned"):
        end = order.promised_delivery
        shipment = store.shipment(order.shipment_id) if order.shipment_id else None
        if shipment is not None and shipment.status == "delivered" and shipment.events:
            end = max(shipment.events, key=lambda event: event.at).at.date()
    return max(0, (end - order.promised_delivery).days)


def lookup_customer(
    ctx: ToolContext, customer_id: str | None = None, email: str | None = None, phone: str | None = None
) -> ShopCustomer:
    """Look up a customer's profile by id, email or phone; with no argument, the conversation's customer.

    Args:
        customer_id: A customer id such as C-1001.
        email: The customer's email address.
        phone: The customer's phone number, ideally in E.164 form (+351912345678).
    """
    wanted = {"customer_id": customer_id, "email": email, "phone": phone}
    given = {field: value.strip() for field, value in wanted.items() if value and value.strip()}
    if not given:
        if ctx.customer_id is None:
            raise ToolRefused("give a customer_id, email or phone to look a customer up")
        given = {"customer_id": ctx.customer_id}
    # With an identified customer, "unknown" and "someone else" give the same answer: nothing leaks.
    not_here = "no such customer in this conversation: only the identified customer can be looked up"
    found: dict[str, Customer] = {}
    for field, value in given.items():
        customer = _store(ctx).customer(value) if field == "customer_id" else _store(ctx).find_customer(value)
        if customer is None:
            raise ToolRefused(not_here if ctx.customer_id else f"no customer with {field} {value}")
        found[customer.id] = customer
    if ctx.customer_id is not None and set(found) != {ctx.customer_id}:
        raise ToolRefused(not_here)
    if len(found) > 1:
        raise ToolRefused(f"the {', '.join(given)} given do not belong to one customer")
    customer = next(iter(found.values()))
    return ShopCustomer(
        id=customer.id,
        name=customer.name,
        tier=customer.tier,
        language=customer.language,
        since=customer.since,
        notes=list(customer.notes),
    )


def lookup_order(ctx: ToolContext, order_id: str) -> OrderDetails:
    """Look up an order: status, items, promised delivery date and how many days late it is.

    Args:
        order_id: The order id, e.g. ORD-1042.
    """
    order = _owned_order(ctx, order_id)
    shipment = _store(ctx).shipment(order.shipment_id) if order.shipment_id else None
    lines: list[OrderLine] = []
    for item in order.items:
        product = _store(ctx).product(item.sku)
        lines.append(
            OrderLine(
                sku=item.sku,
                name=product.name if product else item.sku,
                quantity=item.quantity,
                unit_price=item.unit_price,
            )
        )
    return OrderDetails(
        id=order.id,
        customer_id=order.customer_id,
        status=order.status,
        placed_at=order.placed_at,
        promised_delivery=order.promised_delivery,
        days_late=days_late(order, _store(ctx)),
        total=order.total,
        currency=_store(ctx).policy.currency,
        items=lines,
        shipment_id=order.shipment_id,
        shipment_status=shipment.status if shipment else None,
    )


def list_orders(ctx: ToolContext) -> OrderList:
    """List the conversation's customer's orders, newest first."""
    if ctx.customer_id is None:
        raise ToolRefused("no customer is identified in this conversation; look the customer up first")
    summaries: list[OrderSummary] = []
    for order in sorted(
        _store(ctx).orders_for(ctx.customer_id), key=lambda order: (order.placed_at, order.id), reverse=True
    ):
        shipment = _store(ctx).shipment(order.shipment_id) if order.shipment_id else None
        summaries.append(
            OrderSummary(
                id=order.id,
                status=order.status,
                placed_at=order.placed_at,
                promised_delivery=order.promised_delivery,
                days_late=days_late(order, _store(ctx)),
                total=order.total,
                shipment_status=shipment.status if shipment else None,
            )
        )
    return OrderList(customer_id=ctx.customer_id, currency=_store(ctx).policy.currency, orders=summaries)


def track_shipment(ctx: ToolContext, order_id: str) -> ShipmentTracking:
    """Track an order's shipment with its carrier: status, estimated delivery, delay reason and last scan.

    Args:
        order_id: The order id, e.g. ORD-1042.

    Raises:
        ToolError: the carrier's tracking service is unavailable.
    """
    order = _owned_order(ctx, order_id)
    if order.shipment_id is None:
        raise ToolRefused(f"order {order.id} has not shipped yet (status {order.status}); nothing to track")
    shipment = _store(ctx).shipment(order.shipment_id)
    if shipment is None:
        raise ToolError("track_shipment", f"shipment {order.shipment_id} of order {order.id} is missing in the store")
    if shipment.tracking_outage:
        raise ToolError(
            "track_shipment",
            f"carrier tracking API unavailable ({shipment.carrier}); the status cannot be checked now",
        )
    last_event = max(shipment.events, key=lambda event: event.at) if shipment.events else None
    return ShipmentTracking(
        order_id=order.id,
        shipment_id=shipment.id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        status=shipment.status,
        estimated_delivery=shipment.estimated_delivery,
        delay_reason=shipment.delay_reason,
        last_event=last_event,
    )


def offer_compensation(
    ctx: ToolContext, order_id: str, requested_amount: Annotated[float, Field(gt=0)] | None = None
) -> CompensationOffer:
    """Work out the goodwill compensation policy allows for a late order; never more, whatever is asked.

    The offer is not granted: the caller grants it once the customer accepts, and adds it to the
    conversation's ``compensation_granted_total`` fact.

    Args:
        order_id: The late order, e.g. ORD-1042.
        requested_amount: An amount the customer asked for; honoured only up to what policy allows.
    """
    order = _owned_order(ctx, order_id)
    customer = _store(ctx).customer(order.customer_id)
    if customer is None:
        raise ToolError("offer_compensation", f"order {order.id} refers to unknown customer {order.customer_id}")
    policy = _store(ctx).policy
    rule = policy.delay.get(customer.tier)
    if rule is None:
        raise ToolRefused(f"the policy has no delay compensation for tier {customer.tier}")
    if order.status in ("cancelled", "returned"):
        raise ToolRefused(f"order {order.id} is {order.status}; delay compensation does not apply")
    late = days_late(order, _store(ctx))
    if late < rule.min_days_late:
        raise ToolRefused(
            f"order {order.id} is not late enough for compensation: {late} day(s) past its promised "
            f"delivery {order.promised_delivery.isoformat()}, the {customer.tier} policy starts at "
            f"{rule.min_days_late}"
        )
    policy_amount = rule.max_amount
    if rule.kind == "percent_refund":
        policy_amount = min(rule.max_amount, rule.percent_of_order * order.total)
    policy_amount = round(policy_amount, 2)
    remaining = round(max(0.0, policy.max_goodwill_total - _granted(ctx)), 2)
    allowed = min(policy_amount, remaining)
    if allowed <= 0:
        raise ToolRefused(
            f"the goodwill budget for this conversation is used up ({policy.max_goodwill_total:.2f} "
            f"{policy.currency} at most, {_granted(ctx):.2f} already granted)"
        )
    capped = requested_amount is not None and requested_amount > allowed
    amount = allowed if requested_amount is None or capped else round(requested_amount, 2)
    return CompensationOffer(
        offer_id=ctx.new_id("offer"),
        order_id=order.id,
        customer_id=customer.id,
        tier=customer.tier,
        kind=rule.kind,
        amount=amount,
        currency=policy.currency,
        description=rule.description,
        days_late=late,
        policy_amount=policy_amount,
        limited_by_budget=remaining < policy_amount,
        requested_amount=requested_amount,
        capped=capped,
    )


def create_ticket(
    ctx: ToolContext,
    subject: Annotated[str, Field(min_length=1, max_length=200)],
    body: Annotated[str, Field(min_length=1)],
    priority: Priority = "normal",
) -> TicketReceipt:
    """Open a support ticket for the conversation's customer, for follow-up by the team.

    Args:
        subject: A one-line subject.
        body: What happened and what the customer needs.
        priority: low, normal, high or urgent.
    """
    ticket_id = _store(ctx).create_ticket(ctx.customer_id, subject, body, priority)
    return TicketReceipt(ticket_id=ticket_id, customer_id=ctx.customer_id, priority=priority)


STORE_TOOLS = (lookup_customer, lookup_order, list_orders, track_shipment, offer_compensation, create_ticket)
"""The store tools, in the order they are registered."""

STORE_TOOL_EFFECTS: dict[str, ToolEffects] = {
    "lookup_order": ToolEffects(facts={"id": "order_id"}),
    "offer_compensation": ToolEffects(offer=OfferTerms(reference="order_id", fact="compensation_offered")),
    "create_ticket": ToolEffects(commitment="ticket {ticket_id}: {subject}"),
}
"""What a successful call of each store tool establishes when a model calls it (see ``relevo.tools.ToolEffects``)."""


def register_store_tools(registry: ToolRegistry) -> None:
    """Add the store tools to a registry.

    Raises:
        ConfigurationError: one of their names is already registered.
    """
    for tool in STORE_TOOLS:
        registry.register(tool, effects=STORE_TOOL_EFFECTS.get(tool.__name__))


def store_tools() -> ToolRegistry:
    """A new registry holding the store tools."""
    registry = ToolRegistry()
    register_store_tools(registry)
    return registry


def _store(ctx: ToolContext) -> StoreBackend:
    return ctx.service(StoreBackend)


def _granted(ctx: ToolContext) -> float:
    """Goodwill already granted in this conversation (the ``compensation_granted_total`` fact)."""
    try:
        return float(ctx.facts.get("compensation_granted_total", "0") or 0)
    except ValueError:
        return 0.0


def _owned_order(ctx: ToolContext, order_id: str) -> Order:
    """The order, if it exists and (when the conversation has a customer) belongs to that customer."""
    wanted = _normalise_order_id(order_id)
    order = _store(ctx).order(wanted)
    if ctx.customer_id is not None:
        if order is None or order.customer_id != ctx.customer_id:
            raise ToolRefused(f"no order {wanted} found for this customer")
        return order
    if order is None:
        raise ToolRefused(f"no order {wanted}")
    return order


def _normalise_order_id(order_id: str) -> str:
    """``ord-1042``, ``ORD 1042`` or ``1042`` -> ``ORD-1042``."""
    cleaned = order_id.strip().upper()
    match = _ORDER_ID.fullmatch(cleaned)
    return f"ORD-{match['number']}" if match else cleaned


__all__ = [
    "STORE_TOOLS",
    "STORE_TOOL_EFFECTS",
    "CompensationOffer",
    "OrderDetails",
    "OrderLine",
    "OrderList",
    "OrderSummary",
    "ShipmentTracking",
    "ShopCustomer",
    "TicketReceipt",
    "create_ticket",
    "days_late",
    "list_orders",
    "lookup_customer",
    "lookup_order",
    "offer_compensation",
    "register_store_tools",
    "store_tools",
    "track_shipment",
]
