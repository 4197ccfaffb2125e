"""The public face of relevo.tools."""

import relevo.tools


def test_public_names() -> None:
    assert sorted(relevo.tools.__all__) == sorted(
        [
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
    )
    assert all(hasattr(relevo.tools, name) for name in relevo.tools.__all__)
