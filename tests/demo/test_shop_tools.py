"""The shop tools on the demo store: lookups, isolation between customers, tracking and compensation caps."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from relevo.demo import DemoStore, StoreBackend, days_late, store_tools
from relevo.tools import ToolContext, ToolRegistry

Contexts = Callable[..., ToolContext]


@pytest.fixture
def tools() -> ToolRegistry:
    return store_tools()


def test_the_demo_store_is_a_store_backend(store: DemoStore) -> None:
    backend: StoreBackend = store
    assert isinstance(backend, StoreBackend)


def test_store_tools_are_registered_with_descriptions(tools: ToolRegistry) -> None:
    assert tools.names() == [
        "lookup_customer",
        "lookup_order",
        "list_orders",
        "track_shipment",
        "offer_compensation",
        "create_ticket",
    ]
    for spec in tools.specs():
        assert spec.description
        assert "ctx" not in str(spec.parameters)
    order_id = tools.spec("lookup_order").parameters["properties"]
    assert isinstance(order_id, dict)
    assert order_id["order_id"] == {
        "type": "string",
        "title": "Order Id",
        "description": "The order id, e.g. ORD-1042.",
    }


# -- lookup_customer ------------------------------------------------------------------------------------


def test_lookup_customer_by_email_or_phone(tools: ToolRegistry, contexts: Contexts) -> None:
    by_email = tools.call("lookup_customer", {"email": "Maria.Silva@example.com"}, contexts())
    by_phone = tools.call("lookup_customer", {"phone": "+351 912 345 678"}, contexts())
    assert by_email.ok and by_phone.ok
    assert by_email.data == by_phone.data
    assert by_email.data["id"] == "C-1001"
    assert by_email.data["tier"] == "gold"
    assert by_email.data["since"] == "2022-03-14"
    assert set(by_email.data) == {"id", "name", "tier", "language", "since", "notes"}


def test_lookup_customer_defaults_to_the_conversation_customer(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("lookup_customer", {}, contexts(customer_id="C-1007"))
    assert result.data["name"] == "James Whitaker"
    assert result.data["tier"] == "platinum"
    anonymous = tools.call("lookup_customer", {}, contexts())
    assert (anonymous.ok, anonymous.error_kind) == (False, "rejected")
    assert "give a customer_id, email or phone" in anonymous.error


def test_lookup_customer_never_returns_someone_else(tools: ToolRegistry, contexts: Contexts) -> None:
    mixed = tools.call("lookup_customer", {"customer_id": "C-1001", "email": "javier.morales@example.com"}, contexts())
    assert not mixed.ok
    assert "do not belong to one customer" in mixed.error
    other = tools.call("lookup_customer", {"email": "javier.morales@example.com"}, contexts(customer_id="C-1001"))
    unknown = tools.call("lookup_customer", {"email": "nobody@example.com"}, contexts(customer_id="C-1001"))
    assert not other.ok and not unknown.ok
    assert other.error == unknown.error
    assert "Javier" not in other.error
    missing = tools.call("lookup_customer", {"customer_id": "C-9999"}, contexts())
    assert missing.error == "no customer with customer_id C-9999"


# -- lookup_order and list_orders -----------------------------------------------------------------------


def test_lookup_order_seed_scenario(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("lookup_order", {"order_id": "ORD-1042"}, contexts(customer_id="C-1001"))
    assert result.ok
    assert result.data["status"] == "shipped"
    assert result.data["promised_delivery"] == "2026-11-14"
    assert result.data["days_late"] == 6
    assert result.data["shipment_id"] == "SHP-5042"
    assert result.data["shipment_status"] == "delayed"
    assert result.data["currency"] == "EUR"
    assert result.data["items"] == [
        {"sku": "AUD-100", "name": "Lumen Aura Wireless Headphones", "quantity": 1, "unit_price": 129.0}
    ]


@pytest.mark.parametrize("written", ["ord-1042", " ORD 1042 ", "1042", "#1042"])
def test_lookup_order_accepts_loose_order_ids(tools: ToolRegistry, contexts: Contexts, written: str) -> None:
    assert tools.call("lookup_order", {"order_id": written}, contexts()).data["id"] == "ORD-1042"


def test_lookup_order_unknown_id(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("lookup_order", {"order_id": "ORD-9999"}, contexts())
    assert (result.ok, result.error_kind, result.error) == (False, "rejected", "no order ORD-9999")


def test_lookup_order_is_isolated_between_customers(tools: ToolRegistry, contexts: Contexts) -> None:
    javier = contexts(customer_id="C-1002")
    foreign = tools.call("lookup_order", {"order_id": "ORD-1042"}, javier)
    unknown = tools.call("lookup_order", {"order_id": "ORD-9999"}, javier)
    assert not foreign.ok
    assert foreign.data == {}
    assert foreign.error == "no order ORD-1042 found for this customer"
    assert unknown.error == "no order ORD-9999 found for this customer"
    assert tools.call("lookup_order", {"order_id": "ORD-1043"}, javier).ok


def test_other_order_tools_are_isolated_too(tools: ToolRegistry, contexts: Contexts) -> None:
    javier = contexts(customer_id="C-1002")
    for name in ("track_shipment", "offer_compensation"):
        result = tools.call(name, {"order_id": "ORD-1042"}, javier)
        assert (result.ok, result.error) == (False, "no order ORD-1042 found for this customer")


def test_days_late_counts_open_orders_against_today_and_delivered_ones_against_delivery(
    store: DemoStore,
) -> None:
    late = {order.id: days_late(order, store) for order in store.data.orders}
    assert late["ORD-1042"] == 6  # shipped, promised 14 Nov, today 20 Nov
    assert late["ORD-1048"] == 10  # lost on the way, promised 10 Nov
    assert late["ORD-1046"] == 0  # in transit, promised 27 Nov
    assert late["ORD-1043"] == 0  # delivered a day early
    assert late["ORD-1045"] == 0  # cancelled


def test_list_orders_newest_first(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("list_orders", {}, contexts(customer_id="C-1001"))
    assert result.ok
    orders = result.data["orders"]
    assert isinstance(orders, list)
    assert [order["id"] for order in orders if isinstance(order, dict)] == ["ORD-1042", "ORD-0987"]
    assert orders[0] == {
        "id": "ORD-1042",
        "status": "shipped",
        "placed_at": "2026-11-08",
        "promised_delivery": "2026-11-14",
        "days_late": 6,
        "total": 129.0,
        "shipment_status": "delayed",
    }


def test_list_orders_needs_an_identified_customer(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("list_orders", {}, contexts())
    assert (result.ok, result.error_kind) == (False, "rejected")
    assert "no customer is identified" in result.error


# -- track_shipment -------------------------------------------------------------------------------------


def test_track_shipment_delayed(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("track_shipment", {"order_id": "ORD-1042"}, contexts(customer_id="C-1001"))
    assert result.ok
    assert result.data["status"] == "delayed"
    assert result.data["carrier"] == "IberLink Express"
    assert result.data["estimated_delivery"] == "2026-11-25"
    assert "Lisbon sorting hub" in str(result.data["delay_reason"])
    last = result.data["last_event"]
    assert isinstance(last, dict)
    assert last["location"] == "Lisbon, PT"
    assert str(last["at"]).startswith("2026-11-19T09:20")


def test_track_shipment_during_a_carrier_outage_is_a_failure(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("track_shipment", {"order_id": "ORD-1047"}, contexts(customer_id="C-1004"))
    assert (result.ok, result.error_kind) == (False, "failed")
    assert result.error.startswith("tool track_shipment failed: carrier tracking API unavailable")


def test_track_shipment_before_shipping_is_rejected(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("track_shipment", {"order_id": "ORD-1054"}, contexts(customer_id="C-1002"))
    assert (result.ok, result.error_kind) == (False, "rejected")
    assert "has not shipped yet (status processing)" in result.error


# -- offer_compensation ---------------------------------------------------------------------------------


def test_offer_for_the_seed_scenario_follows_the_gold_policy(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("offer_compensation", {"order_id": "ORD-1042"}, contexts(customer_id="C-1001"))
    assert result.ok
    assert result.data == {
        "offer_id": "offer-0001",
        "order_id": "ORD-1042",
        "customer_id": "C-1001",
        "tier": "gold",
        "kind": "percent_refund",
        "amount": 19.35,  # 15% of 129.00, under the 25.00 cap
        "currency": "EUR",
        "description": "a partial refund of 15% of the order total",
        "days_late": 6,
        "policy_amount": 19.35,
        "limited_by_budget": False,
        "requested_amount": None,
        "capped": False,
    }


def test_a_request_above_policy_is_capped(tools: ToolRegistry, contexts: Contexts) -> None:
    arguments = {"order_id": "ORD-1042", "requested_amount": 1000}
    result = tools.call("offer_compensation", arguments, contexts(customer_id="C-1001"))
    assert result.ok
    assert (result.data["amount"], result.data["capped"], result.data["requested_amount"]) == (
        19.35,
        True,
        1000.0,
    )


def test_a_request_below_policy_is_honoured(tools: ToolRegistry, contexts: Contexts) -> None:
    arguments = {"order_id": "ORD-1042", "requested_amount": 10}
    result = tools.call("offer_compensation", arguments, contexts(customer_id="C-1001"))
    assert (result.data["amount"], result.data["capped"]) == (10.0, False)


def test_the_conversation_budget_limits_the_offer(tools: ToolRegistry, contexts: Contexts) -> None:
    nearly_spent = contexts(customer_id="C-1001", granted_so_far=52.5)
    result = tools.call("offer_compensation", {"order_id": "ORD-1042", "requested_amount": 15}, nearly_spent)
    assert result.ok
    assert (result.data["amount"], result.data["limited_by_budget"], result.data["capped"]) == (
        7.5,
        True,
        True,
    )
    spent = tools.call("offer_compensation", {"order_id": "ORD-1042"}, contexts(granted_so_far=60.0))
    assert (spent.ok, spent.error_kind) == (False, "rejected")
    assert "goodwill budget for this conversation is used up" in spent.error


def test_a_silver_customer_gets_the_voucher(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("offer_compensation", {"order_id": "ORD-1048"}, contexts(customer_id="C-1005"))
    assert (result.data["kind"], result.data["amount"], result.data["tier"]) == ("voucher", 10.0, "silver")


def test_an_order_that_is_not_late_gets_nothing(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("offer_compensation", {"order_id": "ORD-1046"}, contexts(customer_id="C-1003"))
    assert (result.ok, result.error_kind) == (False, "rejected")
    assert "order ORD-1046 is not late enough for compensation: 0 day(s)" in result.error
    cancelled = tools.call("offer_compensation", {"order_id": "ORD-1045"}, contexts(customer_id="C-1003"))
    assert "is cancelled" in cancelled.error


def test_a_negative_request_is_invalid(tools: ToolRegistry, contexts: Contexts) -> None:
    result = tools.call("offer_compensation", {"order_id": "ORD-1042", "requested_amount": -5}, contexts())
    assert (result.ok, result.error_kind) == (False, "invalid_arguments")
    assert "requested_amount: Input should be greater than 0" in result.error


# -- create_ticket --------------------------------------------------------------------------------------


def test_create_ticket_records_it_in_the_store(tools: ToolRegistry, contexts: Contexts, store: DemoStore) -> None:
    arguments = {"subject": "Delayed headphones", "body": "ORD-1042 held at customs.", "priority": "high"}
    result = tools.call("create_ticket", arguments, contexts(customer_id="C-1001"))
    assert result.data == {"ticket_id": "T-3001", "customer_id": "C-1001", "priority": "high"}
    assert [(t.id, t.customer_id, t.subject, t.priority) for t in store.tickets] == [
        ("T-3001", "C-1001", "Delayed headphones", "high")
    ]


def test_create_ticket_validates_its_arguments(tools: ToolRegistry, contexts: Contexts, store: DemoStore) -> None:
    result = tools.call("create_ticket", {"subject": "", "body": "x", "priority": "whenever"}, contexts())
    assert (result.ok, result.error_kind) == (False, "invalid_arguments")
    assert "subject: String should have at least 1 character" in result.error
    assert "priority: Input should be 'low', 'normal', 'high' or 'urgent'" in result.error
    assert store.tickets == []
