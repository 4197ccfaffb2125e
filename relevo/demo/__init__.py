"""The demo store "Lumen & Co": its data files, their schema, loaders and an in-memory store."""

from relevo.demo._schema import (
    Article,
    CompensationPolicy,
    Customer,
    DelayCompensation,
    IntentCatalog,
    IntentDefinition,
    LoyaltyTier,
    Order,
    OrderItem,
    Product,
    Shipment,
    ShipmentEvent,
    StoreData,
)
from relevo.demo._store import (
    DATA_DIR,
    DemoStore,
    Ticket,
    load_articles,
    load_intent_catalog,
    load_store_data,
)

__all__ = [
    "DATA_DIR",
    "Article",
    "CompensationPolicy",
    "Customer",
    "DelayCompensation",
    "DemoStore",
    "IntentCatalog",
    "IntentDefinition",
    "LoyaltyTier",
    "Order",
    "OrderItem",
    "Product",
    "Shipment",
    "ShipmentEvent",
    "StoreData",
    "Ticket",
    "load_articles",
    "load_intent_catalog",
    "load_store_data",
]
