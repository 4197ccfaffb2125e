"""The public face of relevo.demo."""

import relevo.demo


def test_public_names() -> None:
    assert sorted(relevo.demo.__all__) == sorted(
        [
            "Article",
            "CompensationOffer",
            "CompensationPolicy",
            "Customer",
            "DATA_DIR",
            "DEMO_THRESHOLDS",
            "DelayCompensation",
            "DemoStore",
            "IntentCatalog",
            "IntentDefinition",
            "LoyaltyTier",
            "NEEDS_ORDER",
            "ORDER_INTENTS",
            "Order",
            "OrderDetails",
            "OrderItem",
            "OrderLine",
            "OrderList",
            "OrderSummary",
            "Product",
            "STORE_TOOLS",
            "Shipment",
            "ShipmentEvent",
            "ShipmentTracking",
            "ShopCustomer",
            "ShopSkill",
            "ShopPolicyAudit",
            "StoreBackend",
            "StoreData",
            "Ticket",
            "TicketReceipt",
            "create_ticket",
            "days_late",
            "demo_config",
            "demo_directory",
            "demo_profile",
            "desk",
            "list_orders",
            "load_articles",
            "load_intent_catalog",
            "load_store_data",
            "lookup_customer",
            "lookup_order",
            "offer_compensation",
            "register_store_tools",
            "store_tools",
            "track_shipment",
        ]
    )
    assert all(hasattr(relevo.demo, name) for name in relevo.demo.__all__)
