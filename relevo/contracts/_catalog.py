"""Developer-supplied domain knowledge: the intent catalog and knowledge-base articles."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Article(BaseModel):
    """A knowledge-base article in one language (one markdown file with front matter)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """``KB-SHIP-01`` style; the same id across translations."""
    title: str
    topic: Literal["shipping", "returns", "warranty", "payments", "orders", "account"]
    language: str
    body: str


class IntentDefinition(BaseModel):
    """One intent of the catalog: a name, examples in several languages, routing hints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    queue: str
    """Where a handoff for this intent goes (orders, billing, returns, sales, support, general)."""
    skill: str
    required_facts: list[str] = Field(default_factory=list[str])
    """Facts a human needs for this intent, e.g. ``order_id``; the packet lists those missing."""
    kb_topic: str | None = None
    examples: dict[str, list[str]]
    """Language code -> example utterances."""


class IntentCatalog(BaseModel):
    """The intents triage chooses from. An intent named ``out_of_scope`` holds negative examples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intents: list[IntentDefinition]

    def get(self, name: str) -> IntentDefinition | None:
        for intent in self.intents:
            if intent.name == name:
                return intent
        return None

    def with_builtins(self) -> IntentCatalog:
        """This catalog plus relevo's built-in conversational intents it does not define itself."""
        from relevo.contracts._builtin_intents import with_builtin_intents  # the built-ins are catalogs too

        return with_builtin_intents(self)

    def training_pairs(self) -> tuple[list[str], list[str]]:
        """All examples of all languages as ``(texts, labels)``."""
        texts: list[str] = []
        labels: list[str] = []
        for intent in self.intents:
            for examples in intent.examples.values():
                texts.extend(examples)
                labels.extend([intent.name] * len(examples))
        return texts, labels
