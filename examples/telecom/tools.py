"""Vela Mobile's tools: plain typed functions over a small in-memory account system.

A tool refuses (no such account, not allowed) by raising ``relevo.tools.ToolRefused``: the AI tells the customer
why and goes on. Any other exception is a failure and hands the conversation to a human (``tool_failure``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from relevo.tools import ToolEffects, ToolRefused

ROAMING_ZONES = {
    "france": "EU",
    "spain": "EU",
    "portugal": "EU",
    "italy": "EU",
    "germany": "EU",
    "usa": "World",
    "brazil": "World",
    "mexico": "World",
}
"""Where roaming can be switched on, and its zone (EU roaming is included; World costs 5 a day)."""

_COUNTRY_NAMES = {
    "francia": "france",
    "frança": "france",
    "españa": "spain",
    "espanha": "spain",
    "italia": "italy",
    "itália": "italy",
    "alemania": "germany",
    "alemanha": "germany",
    "estados unidos": "usa",
    "eua": "usa",
    "united states": "usa",
    "brasil": "brazil",
    "méxico": "mexico",
    "méxico city": "mexico",
}


@dataclass
class Account:
    balance: float
    data_left_gb: float
    renews_on: str
    roaming: set[str] = field(default_factory=set[str])
    provisioning_down: bool = False
    """The roaming provisioning system is down for this account (the tool-failure case)."""


ACCOUNTS: dict[str, Account] = {
    "V-1001": Account(balance=0.0, data_left_gb=38.5, renews_on="the 1st"),
    "V-1002": Account(balance=7.40, data_left_gb=1.2, renews_on="el día 12"),
    "V-1003": Account(balance=0.0, data_left_gb=21.0, renews_on="dia 5"),
    "V-1004": Account(balance=0.0, data_left_gb=410.0, renews_on="the 1st"),
    "V-1005": Account(balance=2.10, data_left_gb=0.4, renews_on="the 20th", provisioning_down=True),
}


def _account(customer_id: str) -> Account:
    account = ACCOUNTS.get(customer_id.strip().upper())
    if account is None:
        raise ToolRefused("I could not find a Vela Mobile line for you; please sign in or give your number")
    return account


def account_balance(customer_id: str) -> dict[str, float | str]:
    """The customer's credit balance, data left this period and when the allowance renews.

    Args:
        customer_id: the identified customer's id.
    """
    account = _account(customer_id)
    return {
        "balance": f"{account.balance:.2f}",
        "data_left_gb": account.data_left_gb,
        "renews_on": account.renews_on,
    }


def activate_roaming(customer_id: str, country: str) -> dict[str, str]:
    """Switch roaming on for the customer's line in a country.

    Args:
        customer_id: the identified customer's id.
        country: the destination, in English, Spanish or Portuguese ("France", "Francia", "França").
    """
    account = _account(customer_id)
    key = _COUNTRY_NAMES.get(country.strip().lower(), country.strip().lower())
    zone = ROAMING_ZONES.get(key)
    if zone is None:
        raise ToolRefused(f"roaming is not available in {country} on your plan")
    if account.provisioning_down:
        raise ConnectionError("roaming provisioning system did not answer (timeout after 10 s)")
    account.roaming.add(key)
    price = "included in your plan" if zone == "EU" else "5.00 a day, only on days you use it"
    return {"country": key.title(), "zone": zone, "price": price}


def block_sim(customer_id: str) -> dict[str, str]:
    """Block the customer's SIM card at once (lost or stolen phone) and order a replacement.

    Args:
        customer_id: the identified customer's id.
    """
    _account(customer_id)
    return {"status": "blocked", "replacement": "a new SIM by post in 2 working days, free of charge"}


TOOLS = [account_balance, activate_roaming, block_sim]

EFFECTS = {
    # What a successful call establishes when a model calls the tool (the offline engine fills its replies from
    # intents.yaml): facts later turns and the handoff packet can rely on, and what the AI has now done.
    "account_balance": ToolEffects(facts={"balance": "balance", "renews_on": "renews_on"}),
    "activate_roaming": ToolEffects(commitment="roaming on in {country} ({zone}: {price})"),
    "block_sim": ToolEffects(commitment="SIM blocked; {replacement}"),
}
