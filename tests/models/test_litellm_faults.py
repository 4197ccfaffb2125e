"""The litellm adapter against a real loopback HTTP server that answers like an OpenAI-compatible endpoint,
or fails on purpose: 429 with Retry-After, 500, 400, malformed JSON, a truncated body, a hang."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from relevo.models import (
    CallLedger,
    LiteLLMModel,
    ModelChain,
    ModelRequest,
    ProviderRejected,
    ProviderUnavailable,
    ToolDefinition,
    UserTurn,
)
from relevo.testing import Behaviour, FakeOpenAIServer, fake_openai_server


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server("primary answer") as s:
        yield s


@pytest.fixture
def backup() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server("backup answer") as s:
        yield s


def request() -> ModelRequest:
    return ModelRequest(messages=[UserTurn(content="where is my order?")])


def model(server: FakeOpenAIServer, timeout: float = 5.0) -> LiteLLMModel:
    return LiteLLMModel("openai/primary", api_base=server.base_url, timeout=timeout)


def test_answer_usage_and_zero_cost_for_local(server: FakeOpenAIServer) -> None:
    response = model(server).complete(request())
    assert response.text == "primary answer"
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (10, 5)
    assert response.cost_usd == 0.0 and response.provider == "openai"
    sent = server.requests[0]
    assert sent["model"] == "primary" and sent["messages"] == [{"role": "user", "content": "where is my order?"}]


def test_tools_and_structured_output_are_sent_per_call(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.answer(tool_calls=[{"id": "call_1", "name": "lookup_order", "arguments": {"order_id": "X"}}]))
    tool = ToolDefinition(name="lookup_order", description="find an order", parameters={"type": "object"})
    response = model(server).complete(request().model_copy(update={"tools": [tool]}))
    assert response.tool_calls[0].name == "lookup_order" and response.tool_calls[0].arguments == {"order_id": "X"}
    assert server.requests[0]["tools"][0]["function"]["name"] == "lookup_order"
    model(server).complete(request().model_copy(update={"output_schema": {"type": "object"}}))
    assert server.requests[1]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize(
    ("behaviour", "match"),
    [
        (Behaviour.error(429, retry_after=7), "RateLimitError"),
        (Behaviour.error(500), "InternalServerError"),
        (Behaviour.error(503), "unavailable"),
        (Behaviour.malformed(), "unavailable"),
        (Behaviour.truncated(), "unavailable"),
    ],
    ids=["429", "500", "503", "malformed", "truncated"],
)
def test_failures_worth_falling_over_on(server: FakeOpenAIServer, behaviour: Behaviour, match: str) -> None:
    server.push(behaviour)
    with pytest.raises(ProviderUnavailable, match=match) as caught:
        model(server).complete(request())
    if behaviour.status == 429:
        assert caught.value.retry_after == 7.0


def test_hang_times_out(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.hang())
    with pytest.raises(ProviderUnavailable, match="Timeout"):
        model(server, timeout=1.0).complete(request())


def test_bad_request_is_not_retried_elsewhere(server: FakeOpenAIServer, backup: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(400))
    chain = ModelChain("resolver", [model(server), LiteLLMModel("openai/backup", api_base=backup.base_url)])
    with pytest.raises(ProviderRejected, match="BadRequestError"):
        chain.complete(request(), CallLedger())
    assert backup.requests == []


def test_fallback_to_a_second_server_records_who_answered(server: FakeOpenAIServer, backup: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(429, retry_after=1))
    ledger = CallLedger()
    chain = ModelChain("resolver", [model(server), LiteLLMModel("openai/backup", api_base=backup.base_url)])
    assert chain.complete(request(), ledger).text == "backup answer"
    assert [(c.model, c.ok) for c in ledger.calls] == [("openai/primary", False), ("openai/backup", True)]
