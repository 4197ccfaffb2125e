"""What a desk says about itself and its customers: its profile, customer profiles and the directory port.

These name no business object: a desk's tiers, languages and customer attributes are its own strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "SUPPORTED_LANGUAGES",
    "AgentSpec",
    "CustomerDirectory",
    "CustomerProfile",
    "DeskProfile",
    "InMemoryDirectory",
    "LocalizedText",
]

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "vi")
"""Languages the offline engine detects, classifies and answers in."""

AttributeValue = str | int | float | bool

LocalizedText = str | dict[str, str]
"""Customer-facing desk text: one string for every language, or language code -> text."""


class AgentSpec(BaseModel):
    """A human agent of the desk: the console account ``relevo serve`` creates when its agents file does not
    exist yet (desk.toml ``[[agents]]`` or ``DeskBuilder.with_agent_accounts``; passwords come from
    ``RELEVO_DEMO_PASSWORD`` or are printed once).

    ``skills`` name the queues or skills the agent takes handoffs for (``"*"``: all); ``languages`` the
    conversation languages (``"*"``: all).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,39}$")
    name: str
    role: Literal["agent", "admin"] = "agent"
    skills: list[str] = Field(default_factory=lambda: ["*"])
    languages: list[str] = Field(default_factory=lambda: ["*"])
    available: bool = True


class DeskProfile(BaseModel):
    """Who the desk is: brand name, what it helps with, languages, customer tiers and reply-text overrides.

    The defaults are neutral ("Support", "your questions"): no product, shop or brand words.

    ``name`` and ``scope`` are one string (the same text in every language) or a mapping language -> text. A
    mapping must give a text for every language in ``languages`` (a gap is an error, never a silent English
    fallback); a customer writing in a language the desk does not list gets the ``default_language`` text.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: LocalizedText = "Support"
    """The brand customers see, e.g. ``"Acme Mobile"``; offline replies and LLM prompts use it as ``{desk_name}``."""
    scope: LocalizedText = "your questions"
    """What this desk helps with, as a phrase that completes "I can help with ...": ``{scope}`` in replies, e.g.
    ``{"en": "your plan and bills", "es": "tu tarifa y tus facturas"}``."""
    languages: list[str] = Field(default_factory=lambda: list(SUPPORTED_LANGUAGES))
    """Languages the desk answers in (a subset of :data:`SUPPORTED_LANGUAGES`)."""
    default_language: str = "en"
    tiers: list[str] = Field(default_factory=list[str])
    """Customer tiers from lowest to highest (free-form names, e.g. ``["prepaid", "postpaid", "business"]``)."""
    texts: dict[str, dict[str, str]] = Field(default_factory=dict[str, dict[str, str]])
    """Reply-text overrides: template key -> language -> template (see ``relevo.agents.ReplyTexts``)."""

    @model_validator(mode="after")
    def _known_languages(self) -> DeskProfile:
        unknown = sorted(set(self.languages) - set(SUPPORTED_LANGUAGES))
        if unknown or not self.languages:
            raise ValueError(
                f"languages must be a non-empty subset of {', '.join(SUPPORTED_LANGUAGES)}; unknown: {unknown}"
            )
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not one of languages {self.languages}")
        repeated = sorted({t for t in self.tiers if self.tiers.count(t) > 1})
        if repeated:
            raise ValueError(f"tiers must be unique; repeated: {repeated}")
        for key, by_language in self.texts.items():
            stray = sorted(set(by_language) - set(SUPPORTED_LANGUAGES))
            if stray:
                raise ValueError(f"texts.{key}: unknown language(s) {stray}")
        for field, value in (("name", self.name), ("scope", self.scope)):
            problem = _localized_text_problem(value, self.languages)
            if problem:
                raise ValueError(f"{field}: {problem}")
        return self

    def name_in(self, language: str) -> str:
        """The brand in ``language`` (the ``default_language`` text for a language the desk does not list)."""
        return _in_language(self.name, language, self.default_language)

    def scope_in(self, language: str) -> str:
        """What the desk helps with, in ``language`` (the ``default_language`` text for a language it does not
        list)."""
        return _in_language(self.scope, language, self.default_language)

    def rank(self, tier: str | None) -> int:
        """A tier's rank, 0 for the lowest listed tier; -1 for a guest or a tier the desk does not list."""
        return self.tiers.index(tier) if tier in self.tiers else -1

    def at_least(self, tier: str | None, floor: str) -> bool:
        """Whether ``tier`` ranks at or above ``floor`` (both names from :attr:`tiers`)."""
        return self.rank(tier) >= self.rank(floor) >= 0


def _localized_text_problem(value: LocalizedText, languages: Sequence[str]) -> str | None:
    """Why ``value`` is not a usable desk text for a desk answering in ``languages`` (``None``: it is).

    A string must not be blank; a mapping must name only supported languages, give each a non-blank text and
    cover every one of ``languages``.
    """
    if isinstance(value, str):
        return None if value.strip() else "must not be empty"
    stray = sorted(set(value) - set(SUPPORTED_LANGUAGES))
    if stray:
        return f"unknown language(s) {', '.join(stray)} (supported: {', '.join(SUPPORTED_LANGUAGES)})"
    blank = sorted(language for language, text in value.items() if not text.strip())
    if blank:
        return f"empty text for {', '.join(blank)}"
    missing = [language for language in languages if language not in value]
    if missing:
        return (
            f"no text for {', '.join(missing)} (the desk answers in {', '.join(languages)}: give every one, "
            "or drop the language from languages)"
        )
    return None


def _in_language(value: LocalizedText, language: str, default_language: str) -> str:
    if isinstance(value, str):
        return value
    return value.get(language) or value.get(default_language) or next(iter(value.values()))


class CustomerProfile(BaseModel):
    """A known customer, as the desk's customer directory describes them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    name: str = ""
    tier: str | None = None
    """A name from the desk's ``DeskProfile.tiers`` (``None``: no tier)."""
    language: str | None = None
    """Preferred language, one the engine supports (en, es, pt, vi); ``None``: detect it from their messages."""
    email: str | None = None
    phone: str | None = None
    attributes: dict[str, AttributeValue] = Field(default_factory=dict[str, AttributeValue])
    """Anything else the desk knows and a human may need (plan, region, account age...)."""

    @model_validator(mode="after")
    def _supported_language(self) -> CustomerProfile:
        if self.language is not None and self.language not in SUPPORTED_LANGUAGES:
            raise ValueError(f"language {self.language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}")
        return self


@runtime_checkable
class CustomerDirectory(Protocol):
    """Where a desk looks its customers up: by id, or by a channel identity (email address or phone number)."""

    def customer(self, customer_id: str) -> CustomerProfile | None:
        """The customer with this id, or ``None``."""
        ...

    def find(self, identity: str) -> CustomerProfile | None:
        """The customer with this email address or phone number, or ``None``."""
        ...

    def customers(self) -> Sequence[CustomerProfile]:
        """Customers a test or demo may play (pickers); a real directory may return none."""
        ...


_PHONE_NOISE = re.compile(r"[\s\-().]")


def _phone_key(phone: str) -> str:
    digits = _PHONE_NOISE.sub("", phone)
    return digits if digits.lstrip("+").isdigit() else ""


class InMemoryDirectory:
    """A customer directory over a list of profiles (test customers, demos, small desks).

    Ids match case-insensitively; emails case-insensitively; phones ignoring spaces, dashes and brackets.
    """

    def __init__(self, profiles: Iterable[CustomerProfile] = ()) -> None:
        self._profiles = list(profiles)
        self._by_id: dict[str, CustomerProfile] = {}
        for profile in self._profiles:
            key = profile.id.strip().upper()
            if key in self._by_id:
                raise ValueError(f"customer id {profile.id!r} appears twice")
            self._by_id[key] = profile

    def customer(self, customer_id: str) -> CustomerProfile | None:
        return self._by_id.get(customer_id.strip().upper())

    def find(self, identity: str) -> CustomerProfile | None:
        wanted = identity.strip()
        if "@" in wanted:
            return next((p for p in self._profiles if p.email and p.email.lower() == wanted.lower()), None)
        phone = _phone_key(wanted)
        if not phone:
            return None
        return next((p for p in self._profiles if p.phone and _phone_key(p.phone) == phone), None)

    def customers(self) -> Sequence[CustomerProfile]:
        return tuple(self._profiles)

    @classmethod
    def from_mappings(cls, rows: Iterable[Mapping[str, object]]) -> InMemoryDirectory:
        """Build one from plain rows (a YAML or JSON customers file), validating each as a ``CustomerProfile``."""
        return cls(CustomerProfile.model_validate(row) for row in rows)
