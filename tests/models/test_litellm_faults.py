"""The litellm adapter against a real loopback HTTP server that answers like an OpenAI-compatible endpoint,
or fails on purpose: 429 with Retry-After, 500, 400, malformed JSON, a truncated body, a hang."""

from __future__ import annotations

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
from relevo.testing import Behaviour, FakeOpenAIServer


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


def test_a_429_is_retried_after_the_servers_retry_after(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(429, retry_after=1))
    waits: list[float] = []
    chain = ModelChain("triage", [model(server)], retries=2, max_retry_wait_s=2.0, sleep=waits.append)
    ledger = CallLedger()
    response = chain.complete(request(), ledger)
    assert response.text == "primary answer"
    assert waits == [1.0], "waited exactly what the server asked"
    assert [(c.ok, c.purpose) for c in ledger.calls] == [(False, "answer"), (True, "retry")]


def test_a_long_retry_after_falls_over_at_once(server: FakeOpenAIServer, backup: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(429, retry_after=30))
    waits: list[float] = []
    chain = ModelChain("triage", [model(server), model(backup)], retries=3, sleep=waits.append)
    ledger = CallLedger()
    assert chain.complete(request(), ledger).text == "backup answer"
    assert waits == [], "nobody keeps a customer waiting 30 s when another model can answer"
    assert [(c.ok, c.purpose) for c in ledger.calls] == [(False, "answer"), (True, "fallback")]


def test_retries_back_off_without_retry_after_and_then_give_up(server: FakeOpenAIServer) -> None:
    for _ in range(3):
        server.push(Behaviour.error(503))
    waits: list[float] = []
    chain = ModelChain("triage", [model(server)], retries=2, sleep=waits.append)
    with pytest.raises(ProviderUnavailable):
        chain.complete(request(), CallLedger())
    assert waits == [0.5, 1.0]
    assert len(server.requests) == 3


def test_a_rejection_is_never_retried(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(400))
    waits: list[float] = []
    with pytest.raises(ProviderRejected):
        ModelChain("triage", [model(server)], retries=3, sleep=waits.append).complete(request(), CallLedger())
    assert waits == [] and len(server.requests) == 1
