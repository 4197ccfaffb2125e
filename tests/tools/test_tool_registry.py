"""The tool registry: plain functions and langchain tools, validation, and failures as results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pytest
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from relevo._errors import BadInputError, ConfigurationError, ToolError
from relevo.tools import ToolContext, ToolRegistry

Contexts = Callable[..., ToolContext]


class Greeting(BaseModel):
    text: str
    conversation_id: str


def greet(ctx: ToolContext, name: str, times: Annotated[int, Field(ge=1, le=3)] = 1) -> Greeting:
    """Greet someone by name.

    Args:
        name: Who to greet.
        times: How many times, 1 to 3.
    """
    return Greeting(text=" ".join([f"hello {name}"] * times), conversation_id=ctx.conversation_id)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def backend_down(ctx: ToolContext) -> dict[str, str]:
    """Always fails like a tool whose backend is down."""
    raise ToolError("backend_down", "service unavailable")


def refuses(ctx: ToolContext) -> dict[str, str]:
    """Always refuses the request."""
    raise BadInputError("no order ORD-0000")


def crashes() -> dict[str, str]:
    """Fails with a bug."""
    raise KeyError("missing")


@pytest.fixture
def registry() -> ToolRegistry:
    registry = ToolRegistry()
    for function in (greet, add, multiply, backend_down, refuses, crashes):
        registry.register(function)
    return registry


def test_plain_function_schema_leaves_out_the_context_and_uses_the_docstring(registry: ToolRegistry) -> None:
    spec = next(spec for spec in registry.specs() if spec.name == "greet")
    assert spec.description == "Greet someone by name."
    properties = spec.parameters["properties"]
    assert isinstance(properties, dict)
    assert set(properties) == {"name", "times"}
    assert spec.parameters["required"] == ["name"]
    assert properties["name"] == {"type": "string", "title": "Name", "description": "Who to greet."}


def test_plain_function_gets_the_context_injected(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("greet", {"name": "Maria", "times": 2}, contexts())
    assert result.ok
    assert result.data == {"text": "hello Maria hello Maria", "conversation_id": "conv-test"}


def test_function_without_context_and_scalar_result(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("add", {"a": 2, "b": "3"}, contexts())
    assert result.ok
    assert result.data == {"result": 5}


def test_langchain_tool_is_described_and_invoked(registry: ToolRegistry, contexts: Contexts) -> None:
    spec = next(spec for spec in registry.specs() if spec.name == "multiply")
    assert spec.description == "Multiply two integers."
    properties = spec.parameters["properties"]
    assert isinstance(properties, dict)
    assert set(properties) == {"a", "b"}
    assert registry.call("multiply", {"a": 6, "b": 7}, contexts()).data == {"result": 42}


def test_bad_arguments_are_a_result_not_an_exception(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("greet", {"times": 5}, contexts())
    assert not result.ok
    assert result.error_kind == "invalid_arguments"
    assert result.error.startswith("invalid arguments for greet:")
    assert "name: Field required" in result.error
    assert "times: Input should be less than or equal to 3" in result.error


def test_unexpected_arguments_are_refused(registry: ToolRegistry, contexts: Contexts) -> None:
    for name in ("add", "multiply"):
        result = registry.call(name, {"a": 1, "b": 2, "c": 3}, contexts())
        assert not result.ok
        assert result.error_kind == "invalid_arguments"
        assert "c" in result.error


def test_langchain_tool_bad_arguments(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("multiply", {"a": "six", "b": 7}, contexts())
    assert not result.ok
    assert result.error_kind == "invalid_arguments"
    assert "a: Input should be a valid integer" in result.error


def test_unknown_tool_names_the_known_ones(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("teleport", {}, contexts())
    assert not result.ok
    assert result.error_kind == "unknown_tool"
    assert result.error == "unknown tool teleport; known: greet, add, multiply, backend_down, refuses, crashes"


def test_tool_error_becomes_a_failed_result(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("backend_down", {}, contexts())
    assert (result.ok, result.error_kind) == (False, "failed")
    assert result.error == "tool backend_down failed: service unavailable"


def test_bad_input_error_becomes_a_rejected_result(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("refuses", {}, contexts())
    assert (result.ok, result.error_kind, result.error) == (False, "rejected", "no order ORD-0000")


def test_any_other_exception_keeps_its_message(registry: ToolRegistry, contexts: Contexts) -> None:
    result = registry.call("crashes", {}, contexts())
    assert (result.ok, result.error_kind) == (False, "failed")
    assert result.error == "tool crashes crashed: KeyError: 'missing'"


def test_names_contains_and_spec(registry: ToolRegistry) -> None:
    assert registry.names() == ["greet", "add", "multiply", "backend_down", "refuses", "crashes"]
    assert "add" in registry
    assert "subtract" not in registry
    assert len(registry) == 6
    assert registry.spec("add").name == "add"
    with pytest.raises(BadInputError, match="unknown tool subtract; known: greet"):
        registry.spec("subtract")


def test_duplicate_name_is_a_configuration_error(registry: ToolRegistry) -> None:
    with pytest.raises(ConfigurationError, match="a tool named 'add' is already registered"):
        registry.register(add)
    registry.register(add, name="add_again")
    assert "add_again" in registry


def test_functions_that_cannot_be_described_are_refused() -> None:
    def untyped(ctx: ToolContext, value) -> None:
        """Has an unannotated parameter."""

    def undocumented(value: int) -> int:
        return value

    def variadic(*values: int) -> int:
        """Takes *args."""
        return sum(values)

    def context_last(value: int, ctx: ToolContext) -> int:
        """Takes the context in the wrong place."""
        return value

    registry = ToolRegistry()
    with pytest.raises(ConfigurationError, match="parameter value needs a type annotation"):
        registry.register(untyped)
    with pytest.raises(ConfigurationError, match="add a docstring"):
        registry.register(undocumented)
    with pytest.raises(ConfigurationError, match="parameter values must be named"):
        registry.register(variadic)
    with pytest.raises(ConfigurationError, match="the ToolContext parameter must come first"):
        registry.register(context_last)
    assert registry.names() == []
