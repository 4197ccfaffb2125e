"""The narrow model port agents depend on: relevo's own request and response types, no vendor SDK."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AssistantTurn",
    "ModelMessage",
    "ModelPort",
    "ModelRequest",
    "ModelResponse",
    "SystemTurn",
    "ToolCallRequest",
    "ToolDefinition",
    "ToolTurn",
    "Usage",
    "UserTurn",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ToolCallRequest(_Frozen):
    """A model asking for a tool to run."""

    id: str
    name: str
    arguments: dict[str, Any]


class SystemTurn(_Frozen):
    role: Literal["system"] = "system"
    content: str


class UserTurn(_Frozen):
    role: Literal["user"] = "user"
    content: str


class AssistantTurn(_Frozen):
    role: Literal["assistant"] = "assistant"
    content: str = ""
    tool_calls: list[ToolCallRequest] = Field(default_factory=list[ToolCallRequest])


class ToolTurn(_Frozen):
    role: Literal["tool"] = "tool"
    tool_call_id: str
    name: str
    content: str


ModelMessage = Annotated[SystemTurn | UserTurn | AssistantTurn | ToolTurn, Field(discriminator="role")]


class ToolDefinition(_Frozen):
    """A tool offered to the model: name, description and JSON schema of its arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


class ModelRequest(_Frozen):
    """One call to a model."""

    messages: list[ModelMessage]
    tools: list[ToolDefinition] = Field(default_factory=list[ToolDefinition])
    output_schema: dict[str, Any] | None = None
    """A JSON schema the answer must follow (structured output); ``None`` for free text or tool calls."""
    schema_name: str = "answer"
    tool_choice: str | None = None
    """``auto`` (the provider's default when None), ``required``, ``none``, or the name of one tool to call."""
    temperature: float = 0.0
    max_tokens: int = 512


class Usage(_Frozen):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ModelResponse(_Frozen):
    """What a model answered, and what it cost."""

    text: str = ""
    tool_calls: list[ToolCallRequest] = Field(default_factory=list[ToolCallRequest])
    usage: Usage = Usage()
    model: str
    provider: str
    cost_usd: float = 0.0
    latency_ms: float = 0.0


class ModelPort(Protocol):
    """Anything that can answer a :class:`ModelRequest`.

    Implementations raise :class:`relevo.models.ProviderUnavailable` for failures worth falling over on
    (rate limits, 5xx, timeouts, connection errors) and :class:`relevo.models.ProviderRejected` for requests
    the provider refused (400, content refusal): falling over would not help those.
    """

    @property
    def name(self) -> str: ...

    def complete(self, request: ModelRequest) -> ModelResponse: ...
