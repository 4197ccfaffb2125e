"""Model failures, classified by what the caller should do about them."""

from __future__ import annotations

from relevo._errors import ConfigurationError, ModelError

__all__ = ["BudgetExhausted", "InvalidOutput", "ProviderAuthError", "ProviderRejected", "ProviderUnavailable"]


class ProviderUnavailable(ModelError):
    """Rate limited, 5xx, timed out or unreachable: another provider may answer."""

    def __init__(self, model: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{model} unavailable: {reason}")
        self.model = model
        self.reason = reason
        self.retry_after = retry_after


class ProviderRejected(ModelError):
    """The provider refused the request (bad request, content policy): retrying elsewhere will not help."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"{model} rejected the request: {reason}")
        self.model = model
        self.reason = reason


class ProviderAuthError(ModelError, ConfigurationError):
    """The provider refused our credentials (401, 403, a missing or revoked key): a configuration error.

    Never retried against the same model; the chain may try the next one, but the failure is recorded, logged
    and reported as a configuration error, never as "unavailable".
    """

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"{model} configuration error (credentials refused): {reason}")
        self.model = model
        self.reason = reason


class InvalidOutput(ModelError):
    """The model's answer did not follow the required schema, even after a repair attempt."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"{model} gave invalid structured output: {reason}")
        self.model = model
        self.reason = reason


class BudgetExhausted(ModelError):
    """The conversation's model budget is spent."""

    def __init__(self, spent_usd: float, budget_usd: float) -> None:
        super().__init__(f"model budget exhausted: spent ${spent_usd:.4f} of ${budget_usd:.4f}")
        self.spent_usd = spent_usd
        self.budget_usd = budget_usd
