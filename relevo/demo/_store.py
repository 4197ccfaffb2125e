"""Loading the demo data files, and an in-memory store built from them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from relevo import ConfigurationError
from relevo.contracts import Priority
from relevo.demo._schema import (
    Article,
    CompensationPolicy,
    Customer,
    IntentCatalog,
    Order,
    Product,
    Shipment,
    StoreData,
)

DATA_DIR = Path(__file__).parent / "data"
"""Where the demo's ``store.yaml``, ``intents.yaml`` and ``kb/`` live."""

_ModelT = TypeVar("_ModelT", bound=BaseModel)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<meta>.*?)\n---[ \t]*\n(?P<body>.*)\Z", re.DOTALL)
_ARTICLE_NAME = re.compile(r"\A(?P<slug>[a-z0-9-]+)\.(?P<lang>[a-z]{2})\.md\Z")


def load_store_data(path: Path | None = None) -> StoreData:
    """Load and validate ``store.yaml`` (the demo's by default).

    Raises:
        ConfigurationError: the file is missing, is not YAML, does not match ``StoreData``, or refers to a
            customer, product, order or shipment that does not exist.
    """
    path = path or DATA_DIR / "store.yaml"
    data = _validate(StoreData, _read_yaml(path), path)
    _check_references(data, path)
    return data


def load_intent_catalog(path: Path | None = None) -> IntentCatalog:
    """Load and validate ``intents.yaml`` (the demo's by default).

    Raises:
        ConfigurationError: the file is missing, is not YAML, does not match ``IntentCatalog``, or repeats
            an intent name.
    """
    path = path or DATA_DIR / "intents.yaml"
    catalog = _validate(IntentCatalog, _read_yaml(path), path)
    names = [intent.name for intent in catalog.intents]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigurationError(f"{path}: intent names must be unique; repeated: {', '.join(duplicates)}")
    return catalog


def load_articles(directory: Path | None = None) -> list[Article]:
    """Load every ``<slug>.<lang>.md`` article of a directory (the demo's ``kb/`` by default), by file name.

    Raises:
        ConfigurationError: the directory is missing, a file name or front matter is malformed, the front
            matter's language differs from the file name's, or two files share an id and language.
    """
    directory = directory or DATA_DIR / "kb"
    if not directory.is_dir():
        raise ConfigurationError(f"{directory}: knowledge-base directory not found")
    articles: list[Article] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in sorted(directory.glob("*.md")):
        article = _read_article(path)
        key = (article.id, article.language)
        if key in seen:
            raise ConfigurationError(
                f"{path}: article {article.id} ({article.language}) is already defined in {seen[key]}"
            )
        seen[key] = path
        articles.append(article)
    return articles


class Ticket(BaseModel):
    """A support ticket opened through the demo store."""

    model_config = ConfigDict(frozen=True)

    id: str
    customer_id: str | None
    subject: str
    body: str
    priority: Priority


class DemoStore:
    """An in-memory store backend over ``StoreData``; tickets are kept in a list."""

    def __init__(self, data: StoreData, *, first_ticket_number: int = 3001) -> None:
        self._data = data
        self._customers = {customer.id: customer for customer in data.customers}
        self._orders = {order.id: order for order in data.orders}
        self._shipments = {shipment.id: shipment for shipment in data.shipments}
        self._products = {product.sku: product for product in data.products}
        self._tickets: list[Ticket] = []
        self._next_ticket = first_ticket_number

    @classmethod
    def load(cls, path: Path | None = None) -> DemoStore:
        """Build a store from ``store.yaml`` (the demo's by default)."""
        return cls(load_store_data(path))

    @property
    def data(self) -> StoreData:
        return self._data

    @property
    def policy(self) -> CompensationPolicy:
        return self._data.policy

    @property
    def today(self) -> date:
        return self._data.today

    @property
    def tickets(self) -> list[Ticket]:
        """Tickets created so far, oldest first (a copy)."""
        return list(self._tickets)

    def customer(self, customer_id: str) -> Customer | None:
        return self._customers.get(customer_id.strip().upper())

    def find_customer(self, email_or_phone: str) -> Customer | None:
        """Find a customer by email (case-insensitive) or phone (spaces, dashes and brackets ignored)."""
        wanted = email_or_phone.strip()
        if "@" in wanted:
            return next((c for c in self._data.customers if c.email.lower() == wanted.lower()), None)
        phone = _normalise_phone(wanted)
        if not phone:
            return None
        return next((c for c in self._data.customers if _normalise_phone(c.phone) == phone), None)

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id.strip().upper())

    def orders_for(self, customer_id: str) -> list[Order]:
        """The customer's orders, newest first."""
        orders = [order for order in self._data.orders if order.customer_id == customer_id]
        return sorted(orders, key=lambda order: (order.placed_at, order.id), reverse=True)

    def shipment(self, shipment_id: str) -> Shipment | None:
        return self._shipments.get(shipment_id.strip().upper())

    def product(self, sku: str) -> Product | None:
        return self._products.get(sku.strip().upper())

    def create_ticket(
        self,
        customer_id: str | None,
        subject: str,
        body: str,
        priority: Priority = "normal",
    ) -> str:
        ticket = Ticket(
            id=f"T-{self._next_ticket}",
            customer_id=customer_id,
            subject=subject,
            body=body,
            priority=priority,
        )
        self._next_ticket += 1
        self._tickets.append(ticket)
        return ticket.id


def _normalise_phone(phone: str) -> str:
    digits = re.sub(r"[\s\-().]", "", phone)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    return _parse_yaml(text, path)


def _parse_yaml(text: str, path: Path, *, line_offset: int = 0) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1 + line_offset}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigurationError(f"{path}: invalid YAML{where}: {problem}") from exc


def _validate(model: type[_ModelT], raw: object, path: Path) -> _ModelT:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(top level)'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
        raise ConfigurationError(f"{path}: not a valid {model.__name__}: {problems}{more}") from exc


def _read_article(path: Path) -> Article:
    name = _ARTICLE_NAME.match(path.name)
    if name is None:
        raise ConfigurationError(f"{path}: article files must be named <slug>.<lang>.md, e.g. shipping-times.en.md")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    parts = _FRONT_MATTER.match(text)
    if parts is None:
        raise ConfigurationError(f"{path}: missing front matter (YAML between two '---' lines at the top)")
    meta = _parse_yaml(parts["meta"], path, line_offset=1)
    if not isinstance(meta, dict):
        raise ConfigurationError(f"{path}: front matter must be a mapping of id, title, topic and language")
    article = _validate(Article, {**meta, "body": parts["body"].strip()}, path)
    if article.language != name["lang"]:
        raise ConfigurationError(
            f"{path}: front matter says language {article.language!r} but the file name says {name['lang']!r}"
        )
    return article


def _check_references(data: StoreData, path: Path) -> None:
    customers = {customer.id for customer in data.customers}
    products = {product.sku for product in data.products}
    shipments = {shipment.id: shipment for shipment in data.shipments}
    orders = {order.id for order in data.orders}
    problems: list[str] = []
    for kind, ids in (("customer", [c.id for c in data.customers]), ("order", [o.id for o in data.orders])):
        problems += [f"{kind} {id_} is defined twice" for id_ in sorted({i for i in ids if ids.count(i) > 1})]
    for order in data.orders:
        if order.customer_id not in customers:
            problems.append(f"order {order.id} refers to unknown customer {order.customer_id}")
        problems += [
            f"order {order.id} refers to unknown product {item.sku}" for item in order.items if item.sku not in products
        ]
        if order.shipment_id is not None:
            shipment = shipments.get(order.shipment_id)
            if shipment is None:
                problems.append(f"order {order.id} refers to unknown shipment {order.shipment_id}")
            elif shipment.order_id != order.id:
                problems.append(f"shipment {shipment.id} belongs to {shipment.order_id}, not {order.id}")
    problems += [
        f"shipment {shipment.id} refers to unknown order {shipment.order_id}"
        for shipment in data.shipments
        if shipment.order_id not in orders
    ]
    if problems:
        raise ConfigurationError(f"{path}: inconsistent store data: {'; '.join(problems)}")


__all__ = [
    "DATA_DIR",
    "DemoStore",
    "Ticket",
    "load_articles",
    "load_intent_catalog",
    "load_store_data",
]
