"""Load a desk — a folder with ``desk.toml``, or a ``package.module:function`` factory — into a DeskBuilder.

Every command and the Python API load desks the same way; the demo shop is the factory ``relevo.demo:desk``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from relevo._config import RelevoConfig, load_config
from relevo._errors import BadInputError, ConfigurationError
from relevo._yaml_lines import yaml_line
from relevo.contracts import CustomerProfile, DeskProfile, InMemoryDirectory, IntentCatalog
from relevo.desks._files import (
    DeskFileError,
    _toml_line,  # pyright: ignore[reportPrivateUsage]
    load_articles,
    load_intent_catalog,
    read_toml,
    read_yaml,
    validate,
)
from relevo.desks._schema import AgentSpec, DeskFile
from relevo.orchestrator import BenchConversation, DeskBuilder, check_intent_references
from relevo.tools import ToolEffects, ToolRegistry

__all__ = [
    "DEFAULT_DESK",
    "DeskDefinition",
    "DeskWarning",
    "UnknownDeskError",
    "desk_definition",
    "load_desk",
    "resolve_desk_reference",
]

DEFAULT_DESK = "relevo.demo:desk"
"""The desk every command runs when none is given: the demo shop, loaded like any user's factory."""

_FACTORY = re.compile(r"\A(?P<module>[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):(?P<attr>[A-Za-z_]\w*)\Z")

DeskFactory = Callable[[RelevoConfig], DeskBuilder]


class UnknownDeskError(BadInputError):
    """``--desk`` (or ``RELEVO_DESK``) names no desk folder and no importable factory."""


class DeskWarning(UserWarning):
    """A desk that loads but says something to its customers it probably did not mean (e.g. an English scope in
    Spanish replies). ``load_desk`` issues these; the CLI prints them as ``relevo: warning: ...``."""


def resolve_desk_reference(explicit: str | None, environ: Mapping[str, str], cwd: Path) -> str:
    """Which desk a command runs: ``--desk``, else ``RELEVO_DESK``, else a ``desk.toml`` in ``cwd``, else the
    demo (:data:`DEFAULT_DESK`)."""
    if explicit and explicit.strip():
        return explicit.strip()
    from_env = environ.get("RELEVO_DESK", "").strip()
    if from_env:
        return from_env
    if (cwd / "desk.toml").is_file():
        return str(cwd)
    return DEFAULT_DESK


class _CustomersFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    customers: list[CustomerProfile] = Field(default_factory=list[CustomerProfile])


class _BenchEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    customer: str | None = None
    """A customer id of the desk's customers (none: a guest)."""
    messages: list[str] = Field(min_length=1)

    @field_validator("messages")
    @classmethod
    def _customer_lines(cls, value: list[str]) -> list[str]:
        for n, message in enumerate(value):
            if not message.strip():
                raise ValueError(f"message {n} is blank")
            if message.startswith("/"):
                raise ValueError(f"message {n} ({message[:40]!r}) is a human-side command; list customer messages")
        return value


class _BenchFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    conversations: list[_BenchEntry] = Field(min_length=1)


@dataclass(frozen=True)
class DeskDefinition:
    """A desk as its author wrote it: a folder (``desk.toml`` parsed) or a factory function.

    ``builder(config)`` makes a fresh ``DeskBuilder`` each call (a desk can be reopened, e.g. after a restart).
    """

    reference: str
    folder: Path | None = None
    file: DeskFile | None = None
    factory: DeskFactory | None = None

    @property
    def name(self) -> str:
        """The brand (in the desk's default language), or the factory's reference."""
        if self.file is None:
            return self.reference
        name, desk = self.file.desk.name, self.file.desk
        return name if isinstance(name, str) else name[desk.default_language]

    @property
    def warnings(self) -> list[str]:
        """What the desk's customers would see that it probably did not mean (``desk.toml`` line named):

        - ``[desk] scope`` is one string while the desk answers in several languages: every reply mentioning the
          scope would say it in that one language. Give ``[desk.scope]`` a text per language instead.
        """
        if self.file is None or self.folder is None:
            return []
        desk = self.file.desk
        if not isinstance(desk.scope, str) or len(desk.languages) < 2:
            return []
        toml = self.folder / "desk.toml"
        line = _toml_line(toml.read_text(encoding="utf-8"), ["desk", "scope"])
        others = [language for language in desk.languages if language != desk.default_language]
        return [
            f"{toml}: line {line}: desk.scope is one text but the desk answers in {', '.join(desk.languages)}: "
            f"replies in {', '.join(others)} will quote it as written; give it per language "
            '([desk.scope] en = "..." es = "...")'
        ]

    @property
    def agents(self) -> list[AgentSpec]:
        """Console accounts the desk declares (``[[agents]]``); empty for a factory or a folder without any."""
        return list(self.file.agents) if self.file is not None else []

    @property
    def agents_file(self) -> Path | None:
        if self.file is None or self.folder is None or self.file.agents_file is None:
            return None
        return self.folder / self.file.agents_file

    @property
    def scenarios(self) -> Path | None:
        """The desk's scenario folder, when it has one."""
        if self.file is None or self.folder is None:
            return None
        folder = self.folder / self.file.scenarios
        return folder if folder.is_dir() else None

    @property
    def customers_selectable(self) -> bool | None:
        """Whether serve's web chat may play the desk's customers (None: the desk does not say)."""
        return self.file.customers.selectable if self.file is not None else None

    def config(self, base: RelevoConfig | None = None) -> RelevoConfig:
        """``base`` (default: relevo's defaults) with ``desk.toml``'s ``[config]`` under it: a setting ``base``
        leaves at its packaged default takes the desk's value; one ``base`` set itself (``--config``) wins.

        Raises:
            DeskFileError: ``[config]`` has an unknown key or a bad value (line and key named).
        """
        base = base or load_config()
        if self.file is None or not self.file.config or self.folder is None:
            return base
        merged = _under(base.model_dump(mode="json"), load_config().model_dump(mode="json"), self.file.config)
        try:
            return RelevoConfig.model_validate(merged)
        except ValidationError as exc:
            text = (self.folder / "desk.toml").read_text(encoding="utf-8")
            problems = [
                f"line {_toml_line(text, ['config', *err['loc']])}: config.{'.'.join(map(str, err['loc']))}: "
                f"{err['msg']}"
                for err in exc.errors(include_url=False)
            ]
            raise DeskFileError(self.folder / "desk.toml", problems) from exc

    def builder(self, config: RelevoConfig | None = None) -> DeskBuilder:
        """A new ``DeskBuilder`` for this desk, its files loaded and checked.

        Raises:
            ConfigurationError: a file is malformed (file, line, field named), a setting names an intent the
                catalog lacks, or a factory does not return a DeskBuilder.
        """
        if self.factory is not None:
            built = self.factory(config or load_config())
            if not isinstance(built, DeskBuilder):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise ConfigurationError(f"{self.reference} returned {type(built).__name__}, not a DeskBuilder")
            return built
        assert self.folder is not None and self.file is not None
        return _folder_builder(self.folder, self.file, self.config(config))


def desk_definition(reference: str | Path) -> DeskDefinition:
    """Parse a desk reference: a folder (or its ``desk.toml``), or ``package.module:function``.

    Raises:
        UnknownDeskError: no such folder, no ``desk.toml`` in it, or no such module or function.
        DeskFileError: ``desk.toml`` is malformed (line and field named).
    """
    text = str(reference)
    path = Path(text)
    if isinstance(reference, Path) or path.exists() or "/" in text or text.endswith(".toml"):
        folder = path.parent if path.name == "desk.toml" else path
        if not folder.is_dir():
            raise UnknownDeskError(
                f"desk {text!r}: no such folder (a desk is a folder with desk.toml, or module:function)"
            )
        toml = folder / "desk.toml"
        if not toml.is_file():
            raise UnknownDeskError(f"desk {text!r}: the folder has no desk.toml (create one with `relevo init DIR`)")
        data, toml_text = read_toml(toml)
        return DeskDefinition(reference=text, folder=folder, file=validate(DeskFile, data, toml, toml_text=toml_text))
    found = _FACTORY.match(text)
    if found is None:
        raise UnknownDeskError(
            f"desk {text!r}: not a folder and not package.module:function "
            "(e.g. --desk ./acme or --desk mypkg.desk:build)"
        )
    function = _import_attribute(found["module"], found["attr"], what=f"desk {text!r}")
    return DeskDefinition(reference=text, factory=cast(DeskFactory, function))


def load_desk(reference: str | Path, config: RelevoConfig | None = None) -> DeskBuilder:
    """A ``DeskBuilder`` for a desk folder or factory (see :func:`desk_definition`).

    Args:
        reference: a folder holding ``desk.toml`` (or the file itself), or ``package.module:function``
            (a function taking a ``RelevoConfig`` and returning a ``DeskBuilder``), e.g. ``relevo.demo:desk``.
        config: the deployment's settings; a folder's ``[config]`` goes under them. None: relevo's defaults.

    Raises:
        UnknownDeskError: the reference names nothing (a ``BadInputError``: the CLI exits 2).
        ConfigurationError: the desk's files are malformed or inconsistent (file, line and field named).

    Warns:
        DeskWarning: for each of :attr:`DeskDefinition.warnings`.
    """
    definition = desk_definition(reference)
    for message in definition.warnings:
        warnings.warn(DeskWarning(message), stacklevel=2)
    return definition.builder(config)


# -- folders ---------------------------------------------------------------------------------------------------
def _folder_builder(folder: Path, file: DeskFile, config: RelevoConfig) -> DeskBuilder:
    spec = file.desk
    own = load_intent_catalog(folder / file.intents)
    default = next((q for q in file.queues if q.name == file.default_queue), None)
    if file.queues:
        declared = {q.name for q in file.queues}
        _check_intent_queues(folder / file.intents, own, declared)
        if default is None:
            raise DeskFileError(
                folder / "desk.toml",
                [
                    f"default_queue: relevo's built-in intents (a request for a person with no topic, out of scope) "
                    f"hand off to {file.default_queue!r}, which [[queues]] does not declare; declare it or set "
                    f"default_queue to one of: {', '.join(sorted(declared))}"
                ],
            )
    skill = default.skills[0] if default is not None and default.skills else None
    catalog = own.with_builtins(queue=file.default_queue, skill=skill)
    kb = folder / file.kb
    articles = load_articles(kb) if kb.exists() else []
    profile = DeskProfile(
        name=spec.name,
        scope=spec.scope,
        languages=list(spec.languages),
        default_language=spec.default_language,
        tiers=list(spec.tiers),
        texts={
            # a queue's label is its word for customers; [desk.texts.<queue>] still wins
            **{q.name: {str(lang): text for lang, text in q.label.items()} for q in file.queues if q.label},
            **{key: {str(lang): text for lang, text in by_language.items()} for key, by_language in spec.texts.items()},
        },
    )
    check_intent_references(config, catalog, spec.tiers)
    _check_reason_queues(folder, file, config)
    builder = (DeskBuilder(config).with_profile(profile).with_catalog(catalog).with_articles(articles)).with_tools(
        ToolRegistry()
    )
    if file.agents:
        builder = builder.with_agent_accounts(file.agents)
    if (folder / file.scenarios).is_dir():
        builder = builder.with_scenarios(folder / file.scenarios)
    directory = _directory(folder, file)
    if directory is not None:
        builder = builder.with_directory(directory)
    bench = _bench(folder, file, directory)
    if bench:
        builder = builder.with_bench(bench)
    for tool, effects in _tools(folder, file):
        builder = builder.add_tool(tool, effects=effects)
    if file.python.extend:
        extend = _desk_attribute(folder, file.python.extend, what="[python] extend")
        extended = extend(builder)
        if not isinstance(extended, DeskBuilder):
            raise ConfigurationError(f"{folder / 'desk.toml'}: [python] extend returned {type(extended).__name__}")
        builder = extended
    return builder


def _check_reason_queues(folder: Path, file: DeskFile, config: RelevoConfig) -> None:
    """``[config.routing.reason_queues]`` may only send handoffs to queues ``[[queues]]`` declares (when any)."""
    if not file.queues:
        return
    declared = {q.name for q in file.queues}
    strays = {code: r.queue for code, r in config.routing.reason_queues.items() if r.queue not in declared}
    if strays:
        toml = folder / "desk.toml"
        text = toml.read_text(encoding="utf-8")
        raise DeskFileError(
            toml,
            [
                f"line {_toml_line(text, ['config', 'routing', 'reason_queues', code])}: "
                f"config.routing.reason_queues.{code}.queue: {queue!r} is not a queue desk.toml declares "
                f"({', '.join(sorted(declared))})"
                for code, queue in sorted(strays.items())
            ],
        )


def _check_intent_queues(path: Path, catalog: IntentCatalog, declared: set[str]) -> None:
    """Every intent of ``intents.yaml`` routes to a queue ``desk.toml`` declares (line and field named)."""
    strays = [(n, intent.queue) for n, intent in enumerate(catalog.intents) if intent.queue not in declared]
    if not strays:
        return
    _, node = read_yaml(path)
    raise DeskFileError(
        path,
        [
            f"line {yaml_line(node, ['intents', n, 'queue'])}: intents.{n}.queue: {queue!r} is not a queue "
            f"desk.toml declares ({', '.join(sorted(declared))})"
            for n, queue in strays
        ],
    )


def _directory(folder: Path, file: DeskFile) -> Any:
    source = file.customers
    if source.directory:
        factory = _desk_attribute(folder, source.directory, what="[customers] directory")
        return factory()
    path = folder / (source.file or "customers.yaml")
    if not path.is_file():
        if source.file:
            raise DeskFileError(path, ["file not found (named by desk.toml [customers] file)"])
        return None
    data, node = read_yaml(path)
    profiles = validate(_CustomersFile, data, path, yaml_node=node).customers
    problems: list[str] = []
    seen: set[str] = set()
    for n, profile in enumerate(profiles):

        def at(field: str, n: int = n) -> str:
            return f"line {yaml_line(node, ['customers', n, field])}: customers.{n}.{field}"

        if profile.id in seen:
            problems.append(f"{at('id')}: {profile.id!r} is listed twice")
        seen.add(profile.id)
        if profile.tier is not None and file.desk.tiers and profile.tier not in file.desk.tiers:
            problems.append(f"{at('tier')}: {profile.tier!r} is not one of desk.toml's tiers")
        if profile.language is not None and profile.language not in file.desk.languages:
            problems.append(f"{at('language')}: {profile.language!r} is not one of desk.toml's languages")
    if problems:
        raise DeskFileError(path, problems)
    return InMemoryDirectory(profiles)


def _bench(folder: Path, file: DeskFile, directory: Any) -> tuple[BenchConversation, ...]:
    """The conversations of ``bench.yaml`` (or ``desk.toml``'s ``bench`` file). A conversation's customer must be
    one of the desk's customer file (a ``[customers] directory`` factory, a CRM, is not asked at load)."""
    path = folder / (file.bench or "bench.yaml")
    if not path.is_file():
        if file.bench:
            raise DeskFileError(path, ["file not found (named by desk.toml bench)"])
        return ()
    data, node = read_yaml(path)
    entries = validate(_BenchFile, data, path, yaml_node=node).conversations
    unknown = [
        f"line {yaml_line(node, ['conversations', n, 'customer'])}: conversations.{n}.customer: "
        f"{entry.customer!r} is not one of the desk's customers"
        for n, entry in enumerate(entries)
        if entry.customer is not None
        and file.customers.directory is None
        and (directory is None or directory.customer(entry.customer) is None)
    ]
    if unknown:
        raise DeskFileError(path, unknown)
    return tuple(BenchConversation(entry.customer, tuple(entry.messages)) for entry in entries)


def _tools(folder: Path, file: DeskFile) -> list[tuple[Any, ToolEffects | None]]:
    """The tools file's ``TOOLS``, each with what its calls establish: ``EFFECTS = {"tool_name": ToolEffects(...)}``
    (optional; a tool it does not name establishes nothing but grounding)."""
    name = file.python.tools
    path = folder / (name or "tools.py")
    if not path.is_file():
        if name:
            raise DeskFileError(path, ["file not found (named by desk.toml [python] tools)"])
        return []
    module = _desk_module(folder, path)
    tools = getattr(module, "TOOLS", None)
    if tools is None:
        raise ConfigurationError(f"{path}: define TOOLS = [...] (the functions the desk may call)")
    if not isinstance(tools, list | tuple):
        raise ConfigurationError(f"{path}: TOOLS must be a list of functions, got {type(tools).__name__}")
    listed = list(cast(Sequence[Any], tools))
    effects = getattr(module, "EFFECTS", None) or {}
    if not isinstance(effects, dict):
        raise ConfigurationError(
            f"{path}: EFFECTS must be a dict of tool name -> ToolEffects, got {type(effects).__name__}"
        )
    declared = cast(dict[object, object], effects)
    names = [_tool_name(tool) for tool in listed]
    problems = [
        f"EFFECTS[{key!r}]: no tool of TOOLS is named so (tools: {', '.join(names)})"
        for key in declared
        if key not in names
    ]
    problems += [
        f"EFFECTS[{key!r}]: expected relevo.tools.ToolEffects(...), got {type(value).__name__}"
        for key, value in declared.items()
        if not isinstance(value, ToolEffects)
    ]
    if problems:
        raise DeskFileError(path, problems)
    return [
        (tool, cast(ToolEffects | None, declared.get(tool_name))) for tool, tool_name in zip(listed, names, strict=True)
    ]


def _tool_name(tool: object) -> str:
    """The name a tool registers under: a langchain tool's ``name``, else the function's ``__name__``."""
    return str(getattr(tool, "name", None) or getattr(tool, "__name__", ""))


def _desk_attribute(folder: Path, reference: str, *, what: str) -> Callable[..., Any]:
    module_name, _, attr = reference.partition(":")
    if module_name.endswith(".py"):
        module = _desk_module(folder, folder / module_name)
        found = getattr(module, attr, None)
        if not callable(found):
            raise ConfigurationError(f"{folder / 'desk.toml'}: {what}: {module_name} has no function {attr!r}")
        return cast(Callable[..., Any], found)
    return _import_attribute(module_name, attr, what=f"{folder / 'desk.toml'}: {what} {reference!r}")


def _desk_module(folder: Path, path: Path) -> ModuleType:
    """Import one of the desk's Python files under a name unique to its folder (two desks never collide)."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"relevo_desk_{digest}_{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigurationError(f"{path}: cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ConfigurationError(f"{path}: importing it failed: {type(exc).__name__}: {exc}") from exc
    return module


def _import_attribute(module_name: str, attr: str, *, what: str) -> Callable[..., Any]:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module_name.startswith(exc.name):
            raise UnknownDeskError(f"{what}: no module named {module_name!r}") from exc
        raise
    found = getattr(module, attr, None)
    if found is None or not callable(found):
        raise UnknownDeskError(f"{what}: module {module_name!r} has no function {attr!r}")
    return cast(Callable[..., Any], found)


def _under(base: dict[str, Any], defaults: dict[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``layer``'s values where ``base`` still equals ``defaults`` (unknown keys kept, so that
    validation names them)."""
    out = dict(base)
    for key, value in layer.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            sub_defaults = defaults.get(key)
            out[key] = _under(
                cast(dict[str, Any], out[key]),
                cast(dict[str, Any], sub_defaults) if isinstance(sub_defaults, dict) else {},
                cast(Mapping[str, Any], value),
            )
        elif key not in out or out.get(key) == defaults.get(key):
            out[key] = value
    return out
