"""Per-agent model chains: fallback across vendors, one repair for invalid structured output, accounting
and a per-conversation budget."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from relevo.contracts import ModelCall
from relevo.models._errors import (
    BudgetExhausted,
    InvalidOutput,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
)
from relevo.models._port import AssistantTurn, ModelPort, ModelRequest, ModelResponse, UserTurn

__all__ = ["CallLedger", "ModelChain"]

_T = TypeVar("_T", bound=BaseModel)
_log = logging.getLogger("relevo.models")


class CallLedger:
    """The model calls of one turn, and the conversation's budget they draw on."""

    def __init__(self, *, spent_before: float = 0.0, budget_usd: float | None = None) -> None:
        self.spent_before = spent_before
        self.budget_usd = budget_usd
        self.calls: list[ModelCall] = []

    @property
    def spent(self) -> float:
        return self.spent_before + sum(c.cost_usd for c in self.calls)

    def check(self) -> None:
        """Raises:
        BudgetExhausted: the conversation has spent its budget.
        """
        if self.budget_usd is not None and self.spent >= self.budget_usd:
            raise BudgetExhausted(self.spent, self.budget_usd)

    def record(self, call: ModelCall) -> None:
        self.calls.append(call)


class ModelChain:
    """The models one agent may use, in order: the first that answers well wins."""

    def __init__(
        self,
        agent: str,
        models: Sequence[ModelPort],
        *,
        retries: int = 0,
        max_retry_wait_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``retries``: how many more times one model is tried after it is unavailable (429, 5xx, timeout)
        before the chain moves on; each retry waits the provider's ``Retry-After``, or 0.5 s, 1 s, ... without
        one. A ``Retry-After`` longer than ``max_retry_wait_s`` is not waited for: the next model answers now.
        """
        if not models:
            raise ValueError("a model chain needs at least one model")
        if retries < 0 or max_retry_wait_s < 0:
            raise ValueError("retries and max_retry_wait_s cannot be negative")
        self.agent = agent
        self.models = tuple(models)
        self.retries = retries
        self.max_retry_wait_s = max_retry_wait_s
        self._sleep = sleep

    @property
    def name(self) -> str:
        return " → ".join(m.name for m in self.models)

    def complete(self, request: ModelRequest, ledger: CallLedger) -> ModelResponse:
        """The first answer from the chain. Falls over on unavailability and on refused credentials (never
        retried, logged as a configuration error), never on a rejection.

        Raises:
            ProviderRejected: a provider refused the request.
            ProviderAuthError: no model answered and at least one refused its credentials.
            ProviderUnavailable: every model in the chain was unavailable.
            BudgetExhausted: the budget ran out before an answer.
        """
        failures: list[str] = []
        misconfigured = False
        for position, model in enumerate(self.models):
            try:
                return self._attempt(model, request, ledger, "fallback" if position else "answer")
            except ProviderUnavailable as exc:
                failures.append(exc.reason)
            except ProviderAuthError as exc:
                misconfigured = True
                failures.append(f"{model.name}: {exc.reason}")
        raise self._exhausted(failures, misconfigured=misconfigured)

    def _exhausted(self, failures: list[str], *, misconfigured: bool) -> ProviderUnavailable | ProviderAuthError:
        """The error when no model answered: a configuration error outranks unavailability."""
        if misconfigured:
            return ProviderAuthError(self.name, "; ".join(failures))
        return ProviderUnavailable(self.name, "; ".join(failures))

    def structured(self, request: ModelRequest, schema: type[_T], ledger: CallLedger) -> _T:
        """A validated ``schema`` instance: each model gets one repair attempt, then the next model is tried.

        Raises:
            InvalidOutput: no model produced valid output.
            ProviderRejected, ProviderAuthError, ProviderUnavailable, BudgetExhausted: as for :meth:`complete`.
        """
        request = request.model_copy(
            update={"output_schema": schema.model_json_schema(), "schema_name": schema.__name__}
        )
        failures: list[str] = []
        unavailable = 0
        misconfigured = False
        for position, model in enumerate(self.models):
            try:
                response = self._attempt(model, request, ledger, "fallback" if position else "answer")
                try:
                    return _parse(response.text, schema)
                except (ValueError, ValidationError) as first:
                    repair = request.model_copy(
                        update={
                            "messages": [
                                *request.messages,
                                AssistantTurn(content=response.text or "(empty)"),
                                UserTurn(
                                    content="That answer was not valid JSON for the required schema "
                                    f"({_brief(first)}). Reply again with only the JSON object."
                                ),
                            ]
                        }
                    )
                    retry = self._call(model, repair, ledger, "repair")
                    try:
                        return _parse(retry.text, schema)
                    except (ValueError, ValidationError) as second:
                        failures.append(f"{model.name}: {_brief(second)}")
            except ProviderUnavailable as exc:
                unavailable += 1
                failures.append(exc.reason)
            except ProviderAuthError as exc:
                unavailable += 1
                misconfigured = True
                failures.append(f"{model.name}: {exc.reason}")
        if unavailable == len(self.models):
            raise self._exhausted(failures, misconfigured=misconfigured)
        raise InvalidOutput(self.name, "; ".join(failures))

    def _attempt(self, model: ModelPort, request: ModelRequest, ledger: CallLedger, purpose: str) -> ModelResponse:
        """One model, with its retries."""
        for attempt in range(self.retries + 1):
            try:
                return self._call(model, request, ledger, purpose if attempt == 0 else "retry")
            except ProviderUnavailable as exc:
                wait = exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt
                if attempt == self.retries or wait > self.max_retry_wait_s:
                    raise
                self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _call(self, model: ModelPort, request: ModelRequest, ledger: CallLedger, purpose: str) -> ModelResponse:
        ledger.check()
        started = time.perf_counter()
        try:
            response = model.complete(request)
        except (ProviderUnavailable, ProviderRejected, ProviderAuthError) as exc:
            if isinstance(exc, ProviderAuthError):
                # A configuration error, not bad luck: loud in the logs, whatever the chain does next.
                _log.error("agent %s: %s", self.agent, exc)
            ledger.record(
                ModelCall.model_validate(
                    {
                        "agent": self.agent,
                        "provider": model.name.split("/", 1)[0],
                        "model": model.name,
                        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
                        "ok": False,
                        "error": str(exc)[:300],
                        "purpose": purpose,
                    }
                )
            )
            raise
        ledger.record(
            ModelCall.model_validate(
                {
                    "agent": self.agent,
                    "provider": response.provider,
                    "model": response.model,
                    "latency_ms": round(response.latency_ms or (time.perf_counter() - started) * 1000, 2),
                    "prompt_tokens": response.usage.prompt_tokens,
                    "completion_tokens": response.usage.completion_tokens,
                    "cost_usd": response.cost_usd,
                    "purpose": purpose,
                }
            )
        )
        return response


def _parse(text: str, schema: type[_T]) -> _T:
    cleaned = text.strip()
    if cleaned.startswith("```"):
        cleaned = cleaned.strip("`").removeprefix("json").strip()
    return schema.model_validate(json.loads(cleaned))


def _brief(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc)[:200]
