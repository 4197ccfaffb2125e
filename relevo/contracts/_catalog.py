"""Developer-supplied domain knowledge: the intent catalog and knowledge-base articles."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Article(BaseModel):
    """A knowledge-base article in one language (one markdown file with front matter)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """``KB-BILL-01`` style; the same id across translations."""
    title: str
    topic: str = Field(min_length=1)
    """The desk's own topic name (``roaming``, ``billing``...); an intent's ``kb_topic`` narrows retrieval to it."""
    language: str
    body: str


class FactSpec(BaseModel):
    """A fact the desk recognises in a customer's message (a reference such as an account, line or item number),
    needed by a declarative tool answer or listed under the catalog's ``facts``: how to find it, how to ask for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    pattern: str
    """A regular expression with exactly one group: the fact's value (matched case-insensitively)."""
    ask: dict[str, str]
    """Language -> the question to ask when the fact is missing (English is the fallback)."""

    @model_validator(mode="after")
    def _one_group(self) -> FactSpec:
        try:
            groups = re.compile(self.pattern).groups
        except re.error as exc:
            raise ValueError(f"fact {self.name}: pattern {self.pattern!r} is not a regular expression: {exc}") from exc
        if groups != 1:
            raise ValueError(f"fact {self.name}: pattern {self.pattern!r} must have exactly one group, has {groups}")
        if not self.ask:
            raise ValueError(f"fact {self.name}: give the question to ask when it is missing (ask: {{en: ...}})")
        return self


class ToolAnswer(BaseModel):
    """An intent answered offline by one of the desk's tools, with no resolver code.

    The resolver collects ``facts`` (from this message or earlier ones; it asks for the first one missing), calls
    tool ``name`` with ``args`` (tool parameter -> fact name, or ``customer_id`` for the identified customer),
    and fills ``reply`` in the customer's language from the tool's result fields and the facts. A refusal
    (``relevo.tools.ToolRefused``) is answered with ``refused`` (``{reason}``); a failure hands off.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    args: dict[str, str] = Field(default_factory=dict[str, str])
    facts: list[FactSpec] = Field(default_factory=list[FactSpec])
    reply: dict[str, str]
    """Language -> template with ``{result_field}`` and ``{fact}`` placeholders (English is the fallback)."""
    refused: dict[str, str] = Field(default_factory=dict[str, str])
    """Language -> template with ``{reason}``; empty: the built-in "could not do that" reply."""

    @model_validator(mode="after")
    def _facts_known(self) -> ToolAnswer:
        known = {fact.name for fact in self.facts} | {"customer_id"}
        unknown = sorted(fact for fact in self.args.values() if fact not in known)
        if unknown:
            raise ValueError(f"tool {self.name}: args name undeclared fact(s) {unknown}; declare them under facts")
        if not self.reply:
            raise ValueError(f"tool {self.name}: give a reply template (reply: {{en: ...}})")
        return self


class IntentDefinition(BaseModel):
    """One intent of the catalog: a name, examples in several languages, routing hints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    queue: str
    """Where a handoff for this intent goes: one of the desk's queues (``billing``, ``support``, ``general``...)."""
    skill: str
    required_facts: list[str] = Field(default_factory=list[str])
    """Facts a human needs for this intent, e.g. ``account_id``; the packet lists those missing."""
    kb_topic: str | None = None
    examples: dict[str, list[str]]
    """Language code -> example utterances."""
    tool: ToolAnswer | None = None
    """Answer this intent offline with one of the desk's tools (see :class:`ToolAnswer`)."""


class IntentCatalog(BaseModel):
    """The intents triage chooses from. An intent named ``out_of_scope`` holds negative examples."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intents: list[IntentDefinition]
    facts: list[FactSpec] = Field(default_factory=list[FactSpec])
    """Facts the desk recognises in customer messages outside any tool answer (an ``intents.yaml`` top-level
    ``facts:`` list). A handoff packet carries one the customer mentioned that nothing confirmed, marked with
    confidence 0.5, so the human need not ask for it again."""

    def fact_specs(self) -> list[FactSpec]:
        """Every fact the desk declares, the catalog's own first, then each tool answer's; one per name (the first
        declaration wins)."""
        found: dict[str, FactSpec] = {}
        for spec in [*self.facts, *(f for i in self.intents if i.tool is not None for f in i.tool.facts)]:
            found.setdefault(spec.name, spec)
        return list(found.values())

    def get(self, name: str) -> IntentDefinition | None:
        for intent in self.intents:
            if intent.name == name:
                return intent
        return None

    def with_builtins(self, *, queue: str = "general", skill: str | None = None) -> IntentCatalog:
        """This catalog plus relevo's built-in conversational intents it does not define itself, routed to
        ``queue`` (with ``skill``, default the queue's name)."""
        from relevo.contracts._builtin_intents import with_builtin_intents  # the built-ins are catalogs too

        return with_builtin_intents(self, queue=queue, skill=skill)

    def training_pairs(self) -> tuple[list[str], list[str]]:
        """All examples of all languages as ``(texts, labels)``."""
        texts: list[str] = []
        labels: list[str] = []
        for intent in self.intents:
            for examples in intent.examples.values():
                texts.extend(examples)
                labels.extend([intent.name] * len(examples))
        return texts, labels
