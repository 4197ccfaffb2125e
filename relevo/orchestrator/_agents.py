"""Which backend each agent runs on, from configuration: the offline engine, or a model chain via litellm."""

from __future__ import annotations

import os
from collections.abc import Mapping

from relevo._config import RelevoConfig
from relevo._errors import ConfigurationError
from relevo.agents import (
    GroundingGuard,
    KnowledgeBase,
    LLMResolver,
    LLMSummarizer,
    LLMTriage,
    OfflineResolver,
    OfflineSummarizer,
    OfflineTriage,
)
from relevo.models import LiteLLMModel, ModelChain, ModelPort
from relevo.orchestrator._context import SupportAgents

__all__ = ["AGENTS", "OFFLINE", "check_model_credentials", "model_backed_agents", "model_credential_problems"]

OFFLINE = "offline"
AGENTS = ("triage", "resolver", "summarizer")


def _litellm_models(agent: str, config: RelevoConfig, override: ModelPort | None) -> list[LiteLLMModel] | None:
    """The litellm models configured for ``agent`` (its own, then the fallbacks); ``None`` when it runs offline."""
    models = config.models
    spec = models.for_agent(agent)
    if override is None and spec == OFFLINE:
        return None
    api_key = None
    if models.api_key_env:
        api_key = os.environ.get(models.api_key_env)
        if not api_key:
            raise ConfigurationError(f"models.api_key_env names {models.api_key_env}, which is not set")
    return [
        LiteLLMModel(
            name,
            api_base=models.api_base or None,
            api_key=api_key,
            timeout=models.timeout_s,
            structured_output=models.structured_output,
        )
        for name in ([] if override is not None else [spec]) + [f for f in models.fallbacks if f != OFFLINE]
    ]


def _chain(agent: str, config: RelevoConfig, override: ModelPort | None) -> ModelChain | None:
    configured = _litellm_models(agent, config, override)
    if configured is None:
        return None
    models = config.models
    ports: list[ModelPort] = [override, *configured] if override is not None else [*configured]
    return ModelChain(agent, ports, retries=models.retries, max_retry_wait_s=models.max_retry_wait_s)


def model_credential_problems(config: RelevoConfig, overrides: Mapping[str, ModelPort] | None = None) -> list[str]:
    """What keeps the configured models from being reached, one line per agent and model (empty: nothing),
    read the way litellm reads credentials, without calling any model or warming anything up."""
    problems: list[str] = []
    for agent, model in _configured_models(config, overrides):
        try:
            missing = model.missing_credentials()
        except ConfigurationError as exc:
            problems.append(f"agent {agent!r}: {exc}")
            continue
        if missing:
            problems.append(f"agent {agent!r}: model {model.model!r} needs {', '.join(missing)}, which is not set")
    return problems


def check_model_credentials(config: RelevoConfig, overrides: Mapping[str, ModelPort] | None = None) -> None:
    """Check that every model an agent may call has its credentials, the way litellm reads them, without
    calling any model, and warm litellm up (:meth:`LiteLLMModel.warm`): litellm is imported only when an agent
    is configured for a model, so a server pays that import at start-up, never on a customer's first turn, and
    an all-offline configuration never imports it.

    Raises:
        ConfigurationError: naming each agent, model and missing environment variable.
    """
    problems = model_credential_problems(config, overrides)
    if problems:
        raise ConfigurationError(
            "; ".join(problems) + ". Export the variable, name another one in models.api_key_env, or point "
            "models.api_base (--api-base) at a local OpenAI-compatible server"
        )
    for model in {m.model: m for _, m in _configured_models(config, overrides)}.values():
        model.warm()


def _configured_models(
    config: RelevoConfig, overrides: Mapping[str, ModelPort] | None
) -> list[tuple[str, LiteLLMModel]]:
    return [
        (agent, model)
        for agent in AGENTS
        for model in _litellm_models(agent, config, (overrides or {}).get(agent)) or []
    ]


def model_backed_agents(
    config: RelevoConfig,
    offline: SupportAgents,
    knowledge: KnowledgeBase,
    overrides: Mapping[str, ModelPort],
    *,
    desk_name: str = "Support",
    scope: str = "your questions",
) -> SupportAgents:
    """``offline`` with each agent whose configuration names a model replaced by its LLM backend.

    ``desk_name`` and ``scope`` go into the prompts (which are English: pass the desk's English texts).

    Raises:
        ConfigurationError: an unknown agent name in ``models.agents`` or a missing credential.
    """
    unknown = (set(config.models.agents) | set(overrides)) - set(AGENTS)
    if unknown:
        raise ConfigurationError(f"models.agents: unknown agent(s) {sorted(unknown)}; known: {', '.join(AGENTS)}")
    check_model_credentials(config, overrides)
    triage, resolver, summarizer = offline.triage, offline.resolver, offline.summarizer
    failure = config.models.on_failure
    if (chain := _chain("triage", config, overrides.get("triage"))) is not None:
        assert isinstance(triage, OfflineTriage)
        triage = LLMTriage(
            chain,
            triage,
            on_failure=failure,
            desk_name=desk_name,
            scope=scope,
            min_confidence=config.triage.min_confidence,
        )
    if (chain := _chain("resolver", config, overrides.get("resolver"))) is not None:
        assert isinstance(resolver, OfflineResolver)
        resolver = LLMResolver(
            chain,
            knowledge,
            resolver,
            max_steps=config.models.max_tool_steps,
            kb_min_score=config.resolver.kb_min_score,
            on_failure=failure,
            guard=GroundingGuard(id_patterns=config.guard.id_patterns),
            guard_mode=config.guard.mode,
            on_ungrounded=config.guard.on_failure,
            allowed_urls=config.guard.allowed_urls,
            desk_name=desk_name,
            scope=scope,
        )
    if (chain := _chain("summarizer", config, overrides.get("summarizer"))) is not None:
        assert isinstance(summarizer, OfflineSummarizer)
        summarizer = LLMSummarizer(
            chain, summarizer, after_handoff=config.models.summary_after_handoff, desk_name=desk_name
        )
    return SupportAgents(triage=triage, policy=offline.policy, resolver=resolver, summarizer=summarizer)
