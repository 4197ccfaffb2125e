"""The shape of the demo store's data files (``relevo/demo/data``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from relevo.contracts import Article, IntentCatalog, IntentDefinition, Tier

LoyaltyTier = Literal["bronze", "silver", "gold", "platinum"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Customer(_Frozen):
    id: str
    """``C-1001`` style."""
    name: str
    email: str
    phone: str
    """E.164, e.g. ``+351912345678``."""
    tier: LoyaltyTier
    language: str
    """Preferred language: en, es, pt or vi."""
    since: date
    notes: list[str] = Field(default_factory=list[str])
    """Short CRM notes from past interactions (summaries, never transcripts)."""


class Product(_Frozen):
    sku: str
    name: str
    category: str
    price: float
    warranty_months: int


class OrderItem(_Frozen):
    sku: str
    quantity: int
    unit_price: float


class Order(_Frozen):
    id: str
    """``ORD-1042`` style."""
    customer_id: str
    placed_at: date
    items: list[OrderItem]
    total: float
    status: Literal["processing", "shipped", "delivered", "cancelled", "returned"]
    promised_delivery: date
    shipment_id: str | None = None


class ShipmentEvent(_Frozen):
    at: datetime
    location: str
    description: str


class Shipment(_Frozen):
    id: str
    """``SHP-5001`` style."""
    order_id: str
    carrier: str
    tracking_number: str
    status: Literal["label_created", "in_transit", "delayed", "out_for_delivery", "delivered", "lost"]
    estimated_delivery: date | None
    delay_reason: str = ""
    tracking_outage: bool = False
    """The carrier's tracking API is down: ``track_shipment`` fails for this shipment (tool-failure case)."""
    events: list[ShipmentEvent]


class DelayCompensation(_Frozen):
    """What a tier may be offered when an order is late, at most."""

    kind: Literal["voucher", "refund_shipping", "percent_refund"]
    max_amount: float
    """Absolute cap in the store's currency."""
    percent_of_order: float = 0.0
    """For ``percent_refund``: share of the order total, still capped by ``max_amount``."""
    min_days_late: int = 1
    description: str
    """Human wording, e.g. "a €10 voucher for your next order"."""


class CompensationPolicy(_Frozen):
    currency: str
    delay: dict[LoyaltyTier, DelayCompensation]
    max_goodwill_total: float
    """Absolute cap on anything the AI may grant in one conversation."""
    auto_refund_limit: float
    """Refunds above this amount always go to a human (policy_sensitive)."""


class StoreData(_Frozen):
    """Everything in ``store.yaml``."""

    name: str
    currency: str
    today: date
    """The demo's fixed 'today', so the story is deterministic."""
    customers: list[Customer]
    products: list[Product]
    orders: list[Order]
    shipments: list[Shipment]
    policy: CompensationPolicy


__all__ = [
    "Article",
    "CompensationPolicy",
    "Customer",
    "DelayCompensation",
    "IntentCatalog",
    "IntentDefinition",
    "LoyaltyTier",
    "Order",
    "OrderItem",
    "Product",
    "Shipment",
    "ShipmentEvent",
    "StoreData",
    "Tier",
]
