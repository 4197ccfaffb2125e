"""The public face of relevo.demo."""

import relevo.demo


def test_public_names() -> None:
    assert sorted(relevo.demo.__all__) == sorted(
        [
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
    )
    assert all(hasattr(relevo.demo, name) for name in relevo.demo.__all__)
