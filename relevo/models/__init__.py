"""Model backends behind relevo's model port: litellm (any vendor), LangChain chat models, the offline engine
(``relevo.models.offline``), with per-agent chains, fallback, accounting and budgets."""

from relevo.models._chain import CallLedger, ModelChain
from relevo.models._errors import (
    BudgetExhausted,
    InvalidOutput,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
)
from relevo.models._hygiene import sanitize_history
from relevo.models._langchain import LangChainModel
from relevo.models._litellm import LiteLLMModel, to_openai_messages
from relevo.models._port import (
    AssistantTurn,
    ModelMessage,
    ModelPort,
    ModelRequest,
    ModelResponse,
    SystemTurn,
    ToolCallRequest,
    ToolDefinition,
    ToolTurn,
    Usage,
    UserTurn,
)

__all__ = [
    "AssistantTurn",
    "BudgetExhausted",
    "CallLedger",
    "InvalidOutput",
    "LangChainModel",
    "LiteLLMModel",
    "ModelChain",
    "ModelMessage",
    "ModelPort",
    "ModelRequest",
    "ModelResponse",
    "ProviderAuthError",
    "ProviderRejected",
    "ProviderUnavailable",
    "SystemTurn",
    "ToolCallRequest",
    "ToolDefinition",
    "ToolTurn",
    "Usage",
    "UserTurn",
    "sanitize_history",
    "to_openai_messages",
]
