"""relevo's configuration: one typed object, loaded from the packaged defaults plus a deployment file."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from relevo._errors import ConfigurationError

__all__ = [
    "EscalationConfig",
    "GuardConfig",
    "MemoryConfig",
    "ModelsConfig",
    "ReasonRoute",
    "RelevoConfig",
    "ResolverConfig",
    "RoutingConfig",
    "StorageConfig",
    "TriageConfig",
    "environment_overrides",
    "load_config",
]

_DEFAULTS = Path(__file__).parent / "_defaults" / "relevo.toml"

ENVIRONMENT: dict[str, tuple[str, str]] = {
    "RELEVO_DATA_DIR": ("storage", "data_dir"),
    "RELEVO_DATABASE_URL": ("storage", "database_url"),
    "RELEVO_CHROMA_URL": ("memory", "server_url"),
}
"""Environment variables that override a setting (section, key); the CLI and the server read them."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StorageConfig(_Section):
    """Where conversations and the server's bookkeeping live (see the Storage table in the README)."""

    data_dir: Path = Path(".relevo")
    database_url: str = ""
    """Empty: SQLite files in ``data_dir``. ``postgresql://...``: scale-out mode (several processes share it)."""


class TriageConfig(_Section):
    min_confidence: float = Field(default=0.40, ge=0, le=1)
    similarity_margin: float = 0.02
    trend_window: int = Field(default=3, ge=2)


class ResolverConfig(_Section):
    kb_min_score: float = Field(default=0.80, ge=0, le=1)
    kb_margin: float = Field(default=0.0, ge=0, le=1)


class ToggleRule(_Section):
    enabled: bool = True


class NegativeSentimentRule(ToggleRule):
    threshold: float = Field(default=-0.6, ge=-1, le=1)


class SentimentTrendRule(ToggleRule):
    window: int = Field(default=3, ge=2)
    drop: float = Field(default=0.5, gt=0, le=2)
    level: float = Field(default=-0.25, ge=-1, le=1)


class ConsecutiveRule(ToggleRule):
    consecutive: int = Field(default=2, ge=1)


class LoopRule(ToggleRule):
    same_intent_turns: int = Field(default=3, ge=2)


class RepeatedFailureRule(ToggleRule):
    rejections: int = Field(default=2, ge=1)


SensitiveTopicName = Literal["legal_threat", "chargeback", "data_protection", "safety"]
"""The sensitive topics the offline engine detects (lexicons/sensitive.yaml): a legal threat (lawyer, court,
consumer authority); a chargeback (the customer disputing or reversing a charge with their bank or card issuer:
drop it where disputing charges is the desk's own everyday business, a bank's); a data-protection request
(access, erasure under GDPR/LGPD); a safety incident (injury, fire, a product that hurt someone)."""


class PolicySensitiveRule(ToggleRule):
    topics: list[SensitiveTopicName] = Field(
        default_factory=lambda: ["legal_threat", "chargeback", "data_protection", "safety"]
    )
    amount_above: float = Field(default=100.0, ge=0)
    amount_intents: list[str] = Field(default_factory=list[str])


class LeadRule(ToggleRule):
    intents: list[str] = Field(default_factory=list[str])
    min_confidence: float = Field(default=0.5, ge=0, le=1)


class VipRule(ToggleRule):
    tiers: list[str] = Field(default_factory=list[str])
    sentiment_below: float = Field(default=-0.2, ge=-1, le=1)
    intents: list[str] = Field(default_factory=list[str])


class EscalationConfig(_Section):
    """Thresholds of the built-in escalation rules (see ``relevo/_defaults/relevo.toml``)."""

    explicit_request: ToggleRule = ToggleRule()
    negative_sentiment: NegativeSentimentRule = NegativeSentimentRule()
    sentiment_trend: SentimentTrendRule = SentimentTrendRule()
    out_of_scope: ConsecutiveRule = ConsecutiveRule()
    low_confidence: ConsecutiveRule = ConsecutiveRule()
    loop_detected: LoopRule = LoopRule()
    repeated_failure: RepeatedFailureRule = RepeatedFailureRule()
    policy_sensitive: PolicySensitiveRule = PolicySensitiveRule()
    lead_qualified: LeadRule = LeadRule()
    vip: VipRule = VipRule()
    tool_failure: ToggleRule = ToggleRule()
    model_error: ToggleRule = ToggleRule()
    budget_exhausted: ToggleRule = ToggleRule()


class ReasonRoute(_Section):
    """Where the handoffs of one escalation reason go (``[routing.reason_queues]``)."""

    queue: str = Field(min_length=1)
    skill: str | None = None
    """The skill asked of the agent; None: the queue's name."""


class RoutingConfig(_Section):
    reason_queues: dict[str, ReasonRoute] = Field(default_factory=dict[str, ReasonRoute])
    """Escalation reason code -> queue (and skill) for its handoffs, e.g. ``lead_qualified = {queue = "sales"}``.
    A reason not listed keeps the intent's queue; a trigger that names its own queue wins over both."""
    urgent_reasons: list[str] = Field(default_factory=list[str])
    high_reasons: list[str] = Field(default_factory=list[str])
    high_tiers: list[str] = Field(default_factory=list[str])
    pending_timeout_s: float = Field(default=900.0, ge=0)
    """``relevo serve``: a conversation waiting this long for a human goes back to the AI with an apology and a
    follow-up promise (0: wait forever)."""


class MemoryConfig(_Section):
    """Customer memory: consent default, retention, and where it is stored."""

    enabled: bool = True
    default_consent: bool = True
    consent_basis: str = "legitimate_interest"
    episode_ttl_days: int = Field(default=365, ge=1)
    fact_ttl_days: int = Field(default=730, ge=1)
    highlights: int = Field(default=3, ge=0, le=20)
    server_url: str = ""
    write_behind: bool = True
    """Store a closing conversation's episode after the reply is sent (reads of memory wait for it)."""


class ModelsConfig(_Section):
    """Which model each agent runs on (``offline`` = the embedded engine) and how calls behave."""

    default: str = "offline"
    agents: dict[str, str] = Field(default_factory=dict[str, str])
    """Per-agent model strings: ``triage``, ``resolver``, ``summarizer``."""
    fallbacks: list[str] = Field(default_factory=list[str])
    api_base: str = ""
    api_key_env: str = ""
    timeout_s: float = Field(default=30.0, gt=0)
    budget_usd: float = Field(default=0.0, ge=0)
    on_failure: Literal["handoff", "offline"] = "handoff"
    max_tool_steps: int = Field(default=4, ge=1, le=12)
    retries: int = Field(default=0, ge=0, le=5)
    """Extra tries of one model when it is unavailable (429, 5xx, timeout) before the next in the chain."""
    max_retry_wait_s: float = Field(default=2.0, ge=0, le=60)
    """The longest ``Retry-After`` worth waiting for; longer ones fall over to the next model at once."""
    parallel_triage: bool = True
    """With model-backed triage and resolver: the offline engine's triage decides before the resolver, and the
    model's triage runs beside the resolver's call (the policy decides on both), so a turn waits for one call."""
    summary_after_handoff: bool = True
    """With a model-backed summarizer: the handoff message goes out with the offline summary in the packet, and
    the model's summary is written in the background (put in the packet by the next event; a takeover waits)."""
    structured_output: Literal["auto", "json_schema", "json_object"] = "auto"
    """How output schemas are sent: ``json_schema`` (OpenAI style), ``json_object`` with a schema
    (llama-cpp-python), or ``auto`` (json_schema, switching to json_object when a server rejects it)."""

    def for_agent(self, agent: str) -> str:
        """The model string for ``agent``."""
        return self.agents.get(agent, self.default)


class GuardConfig(_Section):
    """The grounding guard on model-written replies (relevo.agents.GroundingGuard)."""

    mode: Literal["enforce", "observe"] = "enforce"
    """``enforce``: a reply with a claim not in evidence is regenerated once, then replaced (``on_failure``);
    ``observe``: checked and reported only (to measure a model without the guard)."""
    on_failure: Literal["offline", "handoff"] = "offline"
    """What replaces a reply that failed twice: the offline resolver's answer, or a handoff (``ungrounded_reply``)."""
    allowed_urls: list[str] = Field(default_factory=list[str])
    """Links and addresses the AI may always give: URL prefixes, domains (``example.com``) or e-mail addresses."""
    id_patterns: list[str] = Field(default_factory=list[str])
    """Extra regular expressions for the desk's own ids (reference numbers the generic patterns miss)."""


class RelevoConfig(_Section):
    """Everything configurable about a relevo deployment."""

    storage: StorageConfig = StorageConfig()
    triage: TriageConfig = TriageConfig()
    resolver: ResolverConfig = ResolverConfig()
    escalation: EscalationConfig = EscalationConfig()
    routing: RoutingConfig = RoutingConfig()
    models: ModelsConfig = ModelsConfig()
    memory: MemoryConfig = MemoryConfig()
    guard: GuardConfig = GuardConfig()


def environment_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings named by ``RELEVO_*`` variables in ``environ`` (empty values are ignored)."""
    out: dict[str, Any] = {}
    for variable, (section, key) in ENVIRONMENT.items():
        value = environ.get(variable, "").strip()
        if value:
            out.setdefault(section, {})[key] = value
    return out


def load_config(
    path: Path | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> RelevoConfig:
    """The packaged defaults, with ``path`` (a TOML file), then ``environ``'s ``RELEVO_*`` variables (see
    :data:`ENVIRONMENT`; only when ``environ`` is given), then ``overrides`` merged over them.

    Raises:
        ConfigurationError: the file is missing, is not valid TOML, or has an unknown key or a bad value.
    """
    merged = _read_toml(_DEFAULTS)
    if path is not None:
        merged = _merge(merged, _read_toml(path))
    if environ is not None:
        merged = _merge(merged, environment_overrides(environ))
    if overrides:
        merged = _merge(merged, overrides)
    try:
        return RelevoConfig.model_validate(merged)
    except ValidationError as exc:
        where = path or _DEFAULTS
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"{where}: {problems}") from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigurationError(f"config file {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)  # pyright: ignore[reportUnknownArgumentType]
        else:
            out[key] = value
    return out
