"""Tools the AI may call: the protocol, a registry, and the store's tools."""

from relevo.tools._protocol import ToolContext, ToolErrorKind, ToolResult, ToolSpec, sequential_ids
from relevo.tools._registry import ToolRegistry
from relevo.tools._store import StoreBackend
from relevo.tools._store_tools import (
    STORE_TOOLS,
    CompensationOffer,
    CustomerProfile,
    OrderDetails,
    OrderLine,
    OrderList,
    OrderSummary,
    ShipmentTracking,
    TicketReceipt,
    create_ticket,
    days_late,
    list_orders,
    lookup_customer,
    lookup_order,
    offer_compensation,
    register_store_tools,
    store_tools,
    track_shipment,
)

__all__ = [
    "STORE_TOOLS",
    "CompensationOffer",
    "CustomerProfile",
    "OrderDetails",
    "OrderLine",
    "OrderList",
    "OrderSummary",
    "ShipmentTracking",
    "StoreBackend",
    "TicketReceipt",
    "ToolContext",
    "ToolErrorKind",
    "ToolRegistry",
    "ToolResult",
    "ToolSpec",
    "create_ticket",
    "days_late",
    "list_orders",
    "lookup_customer",
    "lookup_order",
    "offer_compensation",
    "register_store_tools",
    "sequential_ids",
    "store_tools",
    "track_shipment",
]
