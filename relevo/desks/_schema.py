"""The shape of ``desk.toml``: who the desk is, its people, its customers and its settings."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from relevo.contracts import AgentSpec
from relevo.contracts._desk import _localized_text_problem  # pyright: ignore[reportPrivateUsage]

__all__ = ["AgentSpec", "CustomerSource", "DeskFile", "DeskSection", "PythonSection", "QueueSpec"]

Language = Literal["en", "es", "pt", "vi"]
"""Languages the offline engine understands."""

_REFERENCE = re.compile(r"\A[\w./-]+(\.py)?:[A-Za-z_]\w*\Z")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DeskSection(_Section):
    """``[desk]``: the brand and what the desk is for.

    ``name`` and ``scope`` are a string (the same text in every language) or a table language -> text
    (``[desk.scope]`` ``en = "..."`` ``es = "..."``) that must cover every one of ``languages``.
    """

    # languages first: the name and scope validators check their tables against them.
    languages: list[Language] = Field(default_factory=lambda: ["en", "es", "pt", "vi"], min_length=1)
    default_language: Language = "en"
    name: str | dict[str, str]
    """The brand customers see: "Acme Mobile" (a table when it differs by language)."""
    scope: str | dict[str, str]
    """What the desk helps with, completing "I can help with ...": "your mobile plan, bills and roaming"."""
    tiers: list[str] = Field(default_factory=list[str])
    """Customer tiers, lowest first (free-form names the desk ranks)."""
    texts: dict[str, dict[Language, str]] = Field(default_factory=dict[str, dict[Language, str]])
    """Reply-text overrides: key -> language -> template (see the README's reply keys)."""

    @field_validator("name", "scope")
    @classmethod
    def _localized(cls, value: str | dict[str, str], info: ValidationInfo) -> str | dict[str, str]:
        limit = 80 if info.field_name == "name" else 200
        texts = [value] if isinstance(value, str) else list(value.values())
        if any(len(text) > limit for text in texts):
            raise ValueError(f"at most {limit} characters")
        problem = _localized_text_problem(value, info.data.get("languages") or [])
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _default_in_languages(self) -> DeskSection:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages {self.languages}")
        if len(set(self.tiers)) != len(self.tiers):
            raise ValueError("tiers repeat a name")
        return self


class QueueSpec(_Section):
    """``[[queues]]``: a queue handoffs can go to, and the skills that serve it."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    skills: list[str] = Field(default_factory=list[str])
    description: str = ""
    label: dict[Language, str] = Field(default_factory=dict[Language, str])
    """How the queue is named to customers, per language ("I'm passing you to a colleague from our {label}
    team"); a language without one reads the name with spaces for underscores."""


class CustomerSource(_Section):
    """``[customers]``: where customer profiles come from."""

    file: str | None = None
    """A YAML file in the desk folder (tests and demos): a ``customers`` list of profiles."""
    directory: str | None = None
    """``package.module:factory`` (or ``tools.py:factory``) returning a ``CustomerDirectory`` (real systems)."""
    selectable: bool = True
    """``relevo serve``'s web chat may start a session as one of these customers (test data only)."""

    @model_validator(mode="after")
    def _one_source(self) -> CustomerSource:
        if self.file and self.directory:
            raise ValueError("give either file or directory, not both")
        if self.directory and not _REFERENCE.match(self.directory):
            raise ValueError(f"directory must look like package.module:factory, got {self.directory!r}")
        return self


class PythonSection(_Section):
    """``[python]``: the desk's own code."""

    tools: str | None = None
    """A Python file in the desk folder whose ``TOOLS`` list holds typed functions or langchain tools (default:
    ``tools.py`` when it exists)."""
    extend: str | None = None
    """``package.module:function`` (or ``tools.py:function``) taking the loaded ``DeskBuilder`` and returning it
    (specialists, custom triggers, your own agents)."""

    @field_validator("extend")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not _REFERENCE.match(value):
            raise ValueError(f"must look like package.module:function, got {value!r}")
        return value


class DeskFile(_Section):
    """Everything in ``desk.toml``."""

    desk: DeskSection
    intents: str = "intents.yaml"
    kb: str = "kb"
    scenarios: str = "scenarios"
    bench: str | None = None
    """A YAML file in the desk folder: the conversations ``relevo bench`` replays (default: ``bench.yaml`` when it
    exists; without one, the scripted scenarios' customer lines)."""
    queues: list[QueueSpec] = Field(default_factory=list[QueueSpec])
    default_queue: str = Field(default="general", pattern=r"^[a-z0-9_]+$")
    """Where relevo's built-in intents hand off (a request for a person with no topic, out of scope); with
    ``[[queues]]`` declared it must be one of them."""
    agents: list[AgentSpec] = Field(default_factory=list[AgentSpec])
    agents_file: str | None = None
    """A JSON agents file (``relevo serve``'s format) instead of ``[[agents]]``."""
    customers: CustomerSource = CustomerSource()
    python: PythonSection = PythonSection()
    config: dict[str, Any] = Field(default_factory=dict[str, Any])
    """Any relevo setting (``[config.escalation.vip]``...), under the deployment's own ``--config`` file."""

    @model_validator(mode="after")
    def _unique(self) -> DeskFile:
        for kind, names in (("queue", [q.name for q in self.queues]), ("agent", [a.username for a in self.agents])):
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(f"{kind} names repeat: {', '.join(repeated)}")
        return self
