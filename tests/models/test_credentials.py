"""Model credentials: checked when a desk opens (without calling the model), and a refused key at run time is a
configuration error — never retried, never labelled "unavailable", recorded, logged and shown on the card."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from relevo._config import load_config
from relevo._errors import ConfigurationError
from relevo.demo import desk as demo_desk
from relevo.models import (
    CallLedger,
    LiteLLMModel,
    ModelChain,
    ModelRequest,
    ProviderAuthError,
    ProviderUnavailable,
    UserTurn,
)
from relevo.orchestrator import DeskBuilder
from relevo.orchestrator._agents import check_model_credentials
from relevo.testing import Behaviour, FakeOpenAIServer

_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_API_KEY", "MISTRAL_API_KEY", "RELEVO_TEST_KEY")


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _KEYS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("model", "options", "missing"),
    [
        ("openai/gpt-4o-mini", {}, ["OPENAI_API_KEY"]),
        ("gpt-4o-mini", {}, ["OPENAI_API_KEY"]),
        ("anthropic/claude-3-5-haiku-latest", {}, ["ANTHROPIC_API_KEY"]),
        ("groq/llama-3.1-8b-instant", {}, ["GROQ_API_KEY"]),
        ("mistral/mistral-small-latest", {}, ["MISTRAL_API_KEY"]),
        ("bedrock/anthropic.claude-3-haiku", {}, ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
        ("openai/gpt-4o-mini", {"api_key": "sk-given"}, []),
        ("openai/smollm2", {"api_base": "http://127.0.0.1:8080/v1"}, []),  # a local OpenAI-compatible server
        ("ollama/llama3.1", {}, []),  # litellm defaults to the local Ollama daemon
    ],
)
def test_missing_credentials_as_litellm_reads_them(model: str, options: dict[str, str], missing: list[str]) -> None:
    assert LiteLLMModel(model, **options).missing_credentials() == missing  # type: ignore[arg-type]


def test_a_key_in_the_environment_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert LiteLLMModel("openai/gpt-4o-mini").missing_credentials() == []


def test_a_model_string_litellm_cannot_place_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"cannot tell which provider serves model 'nonsense'"):
        LiteLLMModel("nonsense").missing_credentials()


def test_opening_checks_every_agent_and_fallback() -> None:
    config = load_config(
        overrides={
            "models": {
                "agents": {"resolver": "openai/gpt-4o-mini", "triage": "anthropic/claude-3-5-haiku-latest"},
                "fallbacks": ["groq/llama-3.1-8b-instant"],
            }
        }
    )
    with pytest.raises(ConfigurationError) as caught:
        check_model_credentials(config)
    message = str(caught.value)
    assert "agent 'triage': model 'anthropic/claude-3-5-haiku-latest' needs ANTHROPIC_API_KEY" in message
    assert "agent 'resolver': model 'openai/gpt-4o-mini' needs OPENAI_API_KEY" in message
    assert "agent 'resolver': model 'groq/llama-3.1-8b-instant' needs GROQ_API_KEY" in message
    assert "summarizer" not in message, "an agent on the offline engine needs no key"


@pytest.mark.parametrize(
    "models",
    [
        {},  # every agent offline
        {"agents": {"resolver": "openai/smollm2"}, "api_base": "http://127.0.0.1:9/v1"},
        {"agents": {"resolver": "openai/gpt-4o-mini"}, "api_key_env": "RELEVO_TEST_KEY"},
    ],
    ids=["offline", "api-base", "api-key-env"],
)
def test_configurations_that_open(models: dict[str, object], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEVO_TEST_KEY", "sk-from-another-variable")
    check_model_credentials(load_config(overrides={"models": models}))


def test_the_desk_refuses_to_open_without_the_key(tmp_path: Path) -> None:
    config = load_config(overrides={"models": {"agents": {"resolver": "openai/gpt-4o-mini"}}})
    with pytest.raises(ConfigurationError, match=r"agent 'resolver': model 'openai/gpt-4o-mini' needs OPENAI_API_KEY"):
        DeskBuilder(config).open(tmp_path)


def test_the_cli_exits_at_once_naming_the_variable(tmp_path: Path) -> None:
    config = tmp_path / "llm.toml"
    config.write_text('[models.agents]\nresolver = "openai/gpt-4o-mini"\n', encoding="utf-8")
    script = tmp_path / "script.txt"
    script.write_text("where is my order?\n", encoding="utf-8")
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in _KEYS}
    for command in (["chat", "--script", str(script), "--data-dir", str(data)], ["demo", "--data-dir", str(data)]):
        done = subprocess.run(
            [sys.executable, "-m", "relevo.cli", "--config", str(config), *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        assert "agent 'resolver': model 'openai/gpt-4o-mini' needs OPENAI_API_KEY" in done.stderr
        assert done.stdout == ""
        assert not data.exists(), "nothing was opened: no conversation store was created"


# -- at run time ----------------------------------------------------------------------------------------------


def _request() -> ModelRequest:
    return ModelRequest(messages=[UserTurn(content="where is my order?")])


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_a_configuration_error(server: FakeOpenAIServer, status: int) -> None:
    server.push(Behaviour.error(status))
    with pytest.raises(ProviderAuthError, match="configuration error") as caught:
        LiteLLMModel("openai/primary", api_base=server.base_url, api_key="sk-revoked", timeout=5).complete(_request())
    assert isinstance(caught.value, ConfigurationError)
    assert not isinstance(caught.value, ProviderUnavailable)


def test_refused_credentials_are_never_retried_and_are_recorded_and_logged(
    server: FakeOpenAIServer, backup: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.push(Behaviour.error(401))
    waits: list[float] = []
    chain = ModelChain(
        "resolver",
        [
            LiteLLMModel("openai/primary", api_base=server.base_url, timeout=5),
            LiteLLMModel("openai/backup", api_base=backup.base_url, timeout=5),
        ],
        retries=3,
        sleep=waits.append,
    )
    ledger = CallLedger()
    with caplog.at_level(logging.ERROR, logger="relevo.models"):
        assert chain.complete(_request(), ledger).text == "backup answer"
    assert len(server.requests) == 1 and waits == [], "a refused key is not retried"
    failed = ledger.calls[0]
    assert (failed.ok, failed.model) == (False, "openai/primary")
    assert "configuration error" in failed.error and "unavailable" not in failed.error
    assert any("agent resolver" in r.getMessage() and "configuration error" in r.getMessage() for r in caplog.records)


class Verdict(BaseModel):
    intent: str


def test_a_chain_with_every_key_refused_raises_the_configuration_error(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(401), Behaviour.error(401))
    chain = ModelChain("triage", [LiteLLMModel("openai/primary", api_base=server.base_url, timeout=5)], retries=2)
    with pytest.raises(ProviderAuthError, match="configuration error"):
        chain.complete(_request(), CallLedger())
    with pytest.raises(ProviderAuthError, match="configuration error"):
        chain.structured(_request(), Verdict, CallLedger())
    assert len(server.requests) == 2


def test_the_handoff_card_says_configuration_error(server: FakeOpenAIServer, tmp_path: Path) -> None:
    server.push(Behaviour.error(401))
    config = load_config(overrides={"models": {"agents": {"resolver": "openai/primary"}, "api_base": server.base_url}})
    with demo_desk(config).open(tmp_path) as desk:
        conv = desk.start(customer_id="C-1001")
        turn = desk.send(conv, "how many days do I have to return an item?")
    assert turn.mode == "pending_human"
    assert turn.escalation is not None and turn.escalation.codes == ["model_error"]
    assert turn.packet is not None and "configuration error" in turn.packet.reasons[0].evidence
    failed = [c for c in turn.model_calls if not c.ok]
    assert [c.model for c in failed] == ["openai/primary"] and "configuration error" in failed[0].error
