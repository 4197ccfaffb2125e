"""The shop backend port the demo's tools talk to (a real shop adapts its commerce platform to it)."""

from __future__ import annotations

from datetime import date
from typing import Protocol, runtime_checkable

from relevo.contracts import Priority
from relevo.demo._schema import CompensationPolicy, Customer, Order, Product, Shipment


@runtime_checkable
class StoreBackend(Protocol):
    """Read access to a shop's customers, orders and shipments, plus ticket creation.

    ``relevo.demo.DemoStore`` implements it in memory; a real deployment adapts its commerce platform.
    """

    @property
    def policy(self) -> CompensationPolicy:
        """The goodwill policy the tools must respect."""
        ...

    @property
    def today(self) -> date:
        """The store's current date (fixed in the demo)."""
        ...

    def customer(self, customer_id: str) -> Customer | None:
        """The customer with this id, or ``None``."""
        ...

    def find_customer(self, email_or_phone: str) -> Customer | None:
        """The customer with this email address or phone number, or ``None``."""
        ...

    def order(self, order_id: str) -> Order | None:
        """The order with this id, or ``None``."""
        ...

    def orders_for(self, customer_id: str) -> list[Order]:
        """The customer's orders, newest first."""
        ...

    def shipment(self, shipment_id: str) -> Shipment | None:
        """The shipment with this id, or ``None``."""
        ...

    def product(self, sku: str) -> Product | None:
        """The product with this SKU, or ``None``."""
        ...

    def create_ticket(self, customer_id: str | None, subject: str, body: str, priority: Priority = "normal") -> str:
        """Open a support ticket and return its id."""
        ...


__all__ = ["StoreBackend"]
