"""A registry of tools: typed Python functions or langchain-core tools, called with validated arguments."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, create_model
from pydantic_core import PydanticSerializationError, to_jsonable_python

from relevo._errors import BadInputError, ConfigurationError, ToolError
from relevo.tools._protocol import ToolContext, ToolEffects, ToolRefused, ToolResult, ToolSpec

_ARG_LINE = re.compile(r"(?P<name>\w+)\s*(?:\([^)]*\))?\s*:\s*(?P<text>.*)")


class ToolRegistry:
    """Named tools with their specs; ``call`` validates arguments and turns every failure into a result."""

    def __init__(self) -> None:
        self._tools: dict[str, _Tool] = {}
        self._effects: dict[str, ToolEffects] = {}

    def register(
        self, tool: Callable[..., object] | BaseTool, *, name: str | None = None, effects: ToolEffects | None = None
    ) -> None:
        """Add a tool under its own name (or ``name``), with what its successful calls establish (``effects``).

        A plain function may take a ``ToolContext`` first parameter, injected and left out of the schema; its
        other parameters must be annotated, and its docstring's summary becomes the description.

        Raises:
            ConfigurationError: the name is taken, or the function cannot be described as a tool.
        """
        registered: _Tool = _LangChainTool(tool, name) if isinstance(tool, BaseTool) else _FunctionTool(tool, name)
        tool_name = registered.spec.name
        if tool_name in self._tools:
            raise ConfigurationError(f"a tool named {tool_name!r} is already registered; pass name= to rename one")
        self._tools[tool_name] = registered
        self._effects[tool_name] = effects or ToolEffects()

    def copy(self) -> ToolRegistry:
        """A new registry with the same tools (registering into it leaves this one as it is)."""
        twin = ToolRegistry()
        twin._tools = dict(self._tools)
        twin._effects = dict(self._effects)
        return twin

    def names(self) -> list[str]:
        """Registered tool names, in registration order."""
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        """The specs of every registered tool, in registration order."""
        return [tool.spec for tool in self._tools.values()]

    def spec(self, name: str) -> ToolSpec:
        """One tool's spec.

        Raises:
            BadInputError: no tool has this name.
        """
        if name not in self._tools:
            raise BadInputError(self._unknown(name))
        return self._tools[name].spec

    def effects(self, name: str) -> ToolEffects:
        """What a successful call of tool ``name`` establishes (nothing, unless declared at registration).

        Raises:
            BadInputError: no tool has this name.
        """
        if name not in self._effects:
            raise BadInputError(self._unknown(name))
        return self._effects[name]

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def call(self, name: str, arguments: Mapping[str, object], context: ToolContext) -> ToolResult:
        """Run a tool; a tool's own failure never raises, it comes back as ``ok=False`` with the reason.

        ``error_kind`` says why: ``rejected`` when the tool raised :class:`ToolRefused` (or ``BadInputError``),
        ``failed`` for any other exception, ``invalid_arguments`` or ``unknown_tool`` for a bad call.
        """
        tool = self._tools.get(name)
        if tool is None:
            return ToolResult(ok=False, error=self._unknown(name), error_kind="unknown_tool")
        try:
            value = tool.run(arguments, context)
        except _InvalidArgumentsError as exc:
            return ToolResult(ok=False, error=str(exc), error_kind="invalid_arguments")
        except ToolError as exc:
            return ToolResult(ok=False, error=str(exc), error_kind="failed")
        except (ToolRefused, BadInputError) as exc:
            return ToolResult(ok=False, error=str(exc), error_kind="rejected")
        except Exception as exc:  # a tool must never take the graph down; the reason travels as data
            return ToolResult(ok=False, error=f"tool {name} crashed: {type(exc).__name__}: {exc}", error_kind="failed")
        return ToolResult(ok=True, data=_as_data(value))

    def _unknown(self, name: str) -> str:
        return f"unknown tool {name}; known: {', '.join(self._tools) or '(none)'}"


class _Tool(Protocol):
    @property
    def spec(self) -> ToolSpec: ...

    def run(self, arguments: Mapping[str, object], context: ToolContext) -> object: ...


class _InvalidArgumentsError(Exception):
    """The arguments did not validate against the tool's schema."""

    def __init__(self, tool: str, error: ValidationError | str) -> None:
        problems = error
        if isinstance(error, ValidationError):
            problems = "; ".join(
                f"{'.'.join(str(part) for part in item['loc']) or '(arguments)'}: {item['msg']}"
                for item in error.errors()
            )
        super().__init__(f"invalid arguments for {tool}: {problems}")


class _FunctionTool:
    """A plain typed function; arguments are validated by a pydantic model built from its signature."""

    def __init__(self, function: Callable[..., object], name: str | None) -> None:
        tool_name = name or getattr(function, "__name__", "")
        if not tool_name:
            raise ConfigurationError(f"cannot name tool {function!r}; pass name=")
        if inspect.iscoroutinefunction(function):
            raise ConfigurationError(f"tool {tool_name}: async functions are not supported; register a sync function")
        doc = inspect.getdoc(function) or ""
        if not doc.strip():
            raise ConfigurationError(f"tool {tool_name}: add a docstring; its first line is the tool's description")
        self._function = function
        self._wants_context, self._arguments = _arguments_model(function, tool_name, _argument_docs(doc))
        schema = self._arguments.model_json_schema()
        schema.pop("title", None)
        self._spec = ToolSpec(name=tool_name, description=_summary(doc), parameters=schema)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, object], context: ToolContext) -> object:
        try:
            validated = self._arguments.model_validate(dict(arguments))
        except ValidationError as exc:
            raise _InvalidArgumentsError(self._spec.name, exc) from exc
        # Attribute access keeps nested models as models (model_dump would turn them into dicts).
        kwargs = {field: getattr(validated, field) for field in type(validated).model_fields}
        if self._wants_context:
            return self._function(context, **kwargs)
        return self._function(**kwargs)


class _LangChainTool:
    """A langchain-core ``BaseTool``: schema from its args schema, run with ``.invoke``."""

    def __init__(self, tool: BaseTool, name: str | None) -> None:
        self._tool = tool
        schema = tool.tool_call_schema
        if isinstance(schema, dict):
            parameters: dict[str, Any] = dict(schema)
        elif issubclass(schema, BaseModel):
            parameters = schema.model_json_schema()
        else:
            raise ConfigurationError(f"tool {tool.name}: pydantic v1 argument schemas are not supported")
        parameters.pop("title", None)
        parameters.pop("description", None)
        self._spec = ToolSpec(name=name or tool.name, description=_summary(tool.description), parameters=parameters)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, object], context: ToolContext) -> object:
        known = self._spec.parameters.get("properties")
        if isinstance(known, dict):
            unexpected = sorted(set(arguments) - set(known))
            if unexpected:
                raise _InvalidArgumentsError(self._spec.name, f"unexpected argument(s) {', '.join(unexpected)}")
        try:
            return self._tool.invoke(dict(arguments))
        except ValidationError as exc:
            raise _InvalidArgumentsError(self._spec.name, exc) from exc


def _arguments_model(
    function: Callable[..., object], tool_name: str, docs: Mapping[str, str]
) -> tuple[bool, type[BaseModel]]:
    """Build the arguments model from the signature; says whether a ``ToolContext`` comes first."""
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except (NameError, TypeError) as exc:
        raise ConfigurationError(f"tool {tool_name}: cannot resolve its type annotations ({exc})") from exc
    parameters = list(inspect.signature(function).parameters.values())
    wants_context = bool(parameters) and hints.get(parameters[0].name) is ToolContext
    if wants_context:
        parameters = parameters[1:]
    fields: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD, parameter.POSITIONAL_ONLY):
            raise ConfigurationError(
                f"tool {tool_name}: parameter {parameter.name} must be named (no *args, **kwargs or /)"
            )
        if parameter.name not in hints:
            raise ConfigurationError(f"tool {tool_name}: parameter {parameter.name} needs a type annotation")
        if hints[parameter.name] is ToolContext:
            raise ConfigurationError(f"tool {tool_name}: the ToolContext parameter must come first")
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (hints[parameter.name], Field(default, description=docs.get(parameter.name)))
    model_name = "".join(part.title() for part in tool_name.split("_")) + "Arguments"
    model: type[BaseModel] = create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields)
    return wants_context, model


def _summary(doc: str) -> str:
    """The first paragraph of a docstring, on one line."""
    return " ".join(doc.strip().split("\n\n")[0].split())


def _argument_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from a Google-style ``Args:`` section."""
    docs: dict[str, str] = {}
    lines = iter(doc.splitlines())
    for line in lines:
        if line.strip() in ("Args:", "Arguments:"):
            break
    indent: int | None = None
    current = ""
    for line in lines:
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            break  # the next section (Returns:, Raises:) starts
        match = _ARG_LINE.fullmatch(line.strip())
        if match and (indent is None or depth == indent):
            indent = depth
            current = match["name"]
            docs[current] = match["text"].strip()
        elif current:
            docs[current] = f"{docs[current]} {line.strip()}".strip()
    return docs


def _as_data(value: object) -> dict[str, JsonValue]:
    """A tool's return value as JSON-able data: models and dicts as they are, anything else as ``result``."""
    try:
        plain = to_jsonable_python(value)
    except PydanticSerializationError:
        plain = str(value)
    if isinstance(plain, dict):
        return {str(key): item for key, item in typing.cast(dict[object, JsonValue], plain).items()}
    return {"result": typing.cast(JsonValue, plain)}


__all__ = ["ToolRegistry"]
