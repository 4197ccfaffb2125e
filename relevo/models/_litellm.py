"""The litellm adapter: any vendor by model string, with keys, bases and timeouts passed per call."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
import time
import warnings
from collections.abc import Generator
from typing import Any, Literal, TextIO, cast

from relevo._errors import ConfigurationError
from relevo.models._errors import ProviderAuthError, ProviderRejected, ProviderUnavailable
from relevo.models._hygiene import sanitize_history
from relevo.models._port import (
    AssistantTurn,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    SystemTurn,
    ToolCallRequest,
    ToolTurn,
    Usage,
)
from relevo.models._retry_after import parse_retry_after

__all__ = ["LiteLLMModel", "StructuredOutput", "to_openai_messages"]

StructuredOutput = Literal["auto", "json_schema", "json_object"]
"""How an output schema is sent: OpenAI's ``json_schema`` response format; ``json_object`` with a ``schema``
(llama-cpp-python's server, which turns it into a grammar); ``auto``: ``json_schema`` until the server rejects
that response format, then ``json_object`` for the rest of this model's life."""


_DEFAULT_BASE = frozenset({"ollama", "ollama_chat"})
"""Providers whose base URL litellm defaults to a local daemon when none is configured."""


def _litellm() -> Any:
    # litellm fetches its model price map from the network when imported unless told to use the copy it ships;
    # relevo must not reach the network except the configured providers. Set before the first import only.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    return litellm


class LiteLLMModel:
    """A model reached through litellm: ``openai/gpt-4o-mini``, ``anthropic/claude-…``, ``ollama/llama3``,
    or ``openai/<name>`` with an ``api_base`` for any OpenAI-compatible server.

    Nothing is set on the ``litellm`` module: every setting travels with the call.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        extra_headers: dict[str, str] | None = None,
        structured_output: StructuredOutput = "auto",
    ) -> None:
        self.model = model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout = timeout
        self.extra_headers = extra_headers
        self.structured_output: StructuredOutput = structured_output

    @property
    def name(self) -> str:
        return self.model

    @property
    def provider(self) -> str:
        return self.model.split("/", 1)[0] if "/" in self.model else "openai"

    def missing_credentials(self) -> list[str]:
        """The environment variables litellm needs to reach this model and cannot find (``OPENAI_API_KEY``,
        ``AWS_ACCESS_KEY_ID``...), read the way litellm reads them, without calling the model.

        A model given an ``api_key`` needs no key variable; one given an ``api_base`` (a local OpenAI-compatible
        server) needs neither key nor base variables; Ollama's base defaults to the local daemon.

        Raises:
            ConfigurationError: litellm cannot tell which provider the model string names.
        """
        litellm = _litellm()
        banner = io.StringIO()  # litellm prints a provider-list banner before raising; our error says more
        try:
            with contextlib.redirect_stdout(banner):
                provider = litellm.get_llm_provider(self.model, api_base=self.api_base)[1]
                found = litellm.validate_environment(model=self.model, api_key=self.api_key, api_base=self.api_base)
        except Exception as exc:
            raise ConfigurationError(
                f"litellm cannot tell which provider serves model {self.model!r} (write it as "
                "'provider/model', e.g. openai/gpt-4o-mini; see https://docs.litellm.ai/docs/providers)"
            ) from exc
        missing = [str(name) for name in found.get("missing_keys", [])]
        if self.api_key or self.api_base:
            missing = [name for name in missing if "API_KEY" not in name]
        if self.api_base or provider in _DEFAULT_BASE:
            missing = [name for name in missing if "API_BASE" not in name]
        return missing

    def warm(self) -> None:
        """Import litellm and walk one call's code path for this model, answered by litellm's
        ``mock_response``: no network, no model call, no cost. A server calls this at start-up so that its first
        customer does not pay the import (seconds on a busy machine)."""
        litellm = _litellm()
        # A warm-up that fails only leaves the rest of the import to the first call: never worth failing start-up.
        # Its lazy imports warn about pydantic qualifiers: not ours, and not the operator's concern at start-up.
        with contextlib.suppress(Exception), _prints_to_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            litellm.completion(
                model=self.model,
                messages=[{"role": "user", "content": "warm-up"}],
                mock_response="ok",
                api_base=self.api_base,
                api_key=self.api_key or "not-needed",
                num_retries=0,
            )

    def complete(self, request: ModelRequest) -> ModelResponse:
        litellm = _litellm()
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": to_openai_messages(sanitize_history(request.messages)),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "timeout": self.timeout,
            "num_retries": 0,  # relevo's fallback chain decides what happens after a failure
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        elif self.api_base:
            kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore it; the client wants one
        if self.extra_headers:
            kwargs["extra_headers"] = self.extra_headers
        if request.tools:
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in request.tools
            ]
            if request.tool_choice in ("auto", "required", "none"):
                kwargs["tool_choice"] = request.tool_choice
            elif request.tool_choice:
                kwargs["tool_choice"] = {"type": "function", "function": {"name": request.tool_choice}}
        started = time.perf_counter()
        try:
            raw = self._call(litellm, kwargs, request)
        except Exception as exc:
            raise _classify(self.model, exc, litellm) from exc
        latency = (time.perf_counter() - started) * 1000
        try:
            choice = raw.choices[0].message
            text = choice.content or ""
            calls = [
                ToolCallRequest(
                    id=c.id or f"call_{i}", name=c.function.name, arguments=_arguments(c.function.arguments)
                )
                for i, c in enumerate(choice.tool_calls or [])
            ]
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise ProviderUnavailable(self.model, f"malformed response: {exc}") from exc
        usage = getattr(raw, "usage", None)
        return ModelResponse(
            text=text,
            tool_calls=calls,
            usage=Usage(
                prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
                completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            ),
            model=self.model,
            provider=self.provider,
            cost_usd=_cost(litellm, raw, self.api_base),
            latency_ms=latency,
        )

    def _call(self, litellm: Any, kwargs: dict[str, Any], request: ModelRequest) -> Any:
        if request.output_schema is not None:
            kwargs["response_format"] = self._response_format(request)
        try:
            return _completion(litellm, kwargs)
        except Exception as exc:
            if not (self.structured_output == "auto" and "response_format" in kwargs and _rejects_json_schema(exc)):
                raise
        # The server speaks the older dialect (llama-cpp-python): a JSON object constrained by the schema.
        self.structured_output = "json_object"
        kwargs["response_format"] = self._response_format(request)
        return _completion(litellm, kwargs)

    def _response_format(self, request: ModelRequest) -> dict[str, Any]:
        if self.structured_output == "json_object":
            return {"type": "json_object", "schema": request.output_schema}
        return {
            "type": "json_schema",
            "json_schema": {"name": request.schema_name, "schema": request.output_schema, "strict": True},
        }


_calling = threading.local()
_router_lock = threading.Lock()


class _StdoutRouter:
    """``sys.stdout`` once litellm is in use: what a thread prints while inside a litellm call goes to stderr,
    everything else to the real stdout. Per thread, unlike ``contextlib.redirect_stdout``: two threads swapping
    the global in overlapping calls leave it pointing at stderr for good (a turn's model triage and the
    background handoff summary overlap), and then the JSON a command prints lands on stderr."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        return (sys.stderr if getattr(_calling, "depth", 0) else self.target).write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


@contextlib.contextmanager
def _prints_to_stderr() -> Generator[None]:
    """This thread's prints go to stderr until the block ends."""
    with _router_lock:
        if not isinstance(sys.stdout, _StdoutRouter):
            sys.stdout = cast(TextIO, _StdoutRouter(sys.stdout))
    _calling.depth = getattr(_calling, "depth", 0) + 1
    try:
        yield
    finally:
        _calling.depth -= 1


def _completion(litellm: Any, kwargs: dict[str, Any]) -> Any:
    # litellm prints a help banner to stdout when it maps an error; stdout carries our JSON output, and relevo
    # never sets litellm's module globals, so the banner goes to stderr instead.
    with _prints_to_stderr():
        return litellm.completion(**kwargs)


def _rejects_json_schema(exc: Exception) -> bool:
    """The server refused OpenAI's ``json_schema`` response format (rather than failing for another reason)."""
    text = str(exc).lower()
    return "response_format" in text and "json_object" in text and "json_schema" in text


def to_openai_messages(messages: list[ModelMessage]) -> list[dict[str, Any]]:
    """relevo's messages in the OpenAI chat format litellm speaks."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, SystemTurn):
            out.append({"role": "system", "content": m.content})
        elif isinstance(m, AssistantTurn):
            entry: dict[str, Any] = {"role": "assistant", "content": m.content or None}
            if m.tool_calls:
                entry["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                    for c in m.tool_calls
                ]
            out.append(entry)
        elif isinstance(m, ToolTurn):
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "name": m.name, "content": m.content})
        else:
            out.append({"role": "user", "content": m.content})
    return out


def _arguments(raw: object) -> dict[str, Any]:
    if isinstance(raw, dict):
        return dict(raw)  # pyright: ignore[reportUnknownArgumentType]
    parsed = json.loads(str(raw or "{}"))
    if not isinstance(parsed, dict):
        raise ValueError("tool arguments are not a JSON object")
    return parsed  # pyright: ignore[reportUnknownVariableType]


def _cost(litellm: Any, raw: Any, api_base: str | None) -> float:
    if api_base and ("127.0.0.1" in api_base or "localhost" in api_base):
        return 0.0  # a local model costs nothing per token
    try:
        return float(litellm.completion_cost(completion_response=raw) or 0.0)
    except Exception:  # unknown models have no price in litellm's map
        return 0.0


def _classify(model: str, exc: Exception, litellm: Any) -> Exception:
    errors = litellm.exceptions
    headers = getattr(exc, "litellm_response_headers", None) or getattr(getattr(exc, "response", None), "headers", None)
    raw_retry_after = headers.get("retry-after") if headers is not None else None
    retry_after = parse_retry_after(str(raw_retry_after)) if raw_retry_after is not None else None
    status = getattr(exc, "status_code", None)
    if isinstance(exc, (errors.AuthenticationError, errors.PermissionDeniedError)) or status in (401, 403):
        return ProviderAuthError(model, f"{type(exc).__name__}: {_short(exc)}")
    unavailable = (
        errors.RateLimitError,
        errors.ServiceUnavailableError,
        errors.InternalServerError,
        errors.BadGatewayError,
        errors.Timeout,
        errors.APIConnectionError,
        errors.APIResponseValidationError,
    )
    if isinstance(exc, unavailable):
        return ProviderUnavailable(model, f"{type(exc).__name__}: {_short(exc)}", retry_after=retry_after)
    if isinstance(status, int) and (status == 429 or status >= 500):
        return ProviderUnavailable(model, f"HTTP {status}: {_short(exc)}", retry_after=retry_after)
    if isinstance(exc, errors.APIError) and status is None:
        return ProviderUnavailable(model, f"{type(exc).__name__}: {_short(exc)}")
    return ProviderRejected(model, f"{type(exc).__name__}: {_short(exc)}")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."
