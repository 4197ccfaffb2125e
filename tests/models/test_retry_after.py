"""Retry-After in both RFC 9110 forms (delay-seconds and HTTP-date), at the parser and through the adapter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from relevo.models import CallLedger, LiteLLMModel, ModelChain, ModelRequest, ProviderUnavailable, UserTurn
from relevo.models._retry_after import parse_retry_after
from relevo.testing import Behaviour, FakeOpenAIServer

NOW = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        # delay-seconds
        ("30", 30.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("86400", 86400.0),
        # HTTP-date, 30 s after NOW, in the three forms RFC 9110 says a recipient must accept
        ("Wed, 21 Oct 2026 07:28:30 GMT", 30.0),  # IMF-fixdate
        ("Wednesday, 21-Oct-26 07:28:30 GMT", 30.0),  # obsolete RFC 850
        ("Wed Oct 21 07:28:30 2026", 30.0),  # obsolete asctime (no zone: UTC)
        ("Wed, 21 Oct 2026 09:28:30 +0200", 30.0),  # a numeric zone is honoured
        ("Wed, 21 Oct 2026 07:30:00 GMT", 120.0),
        # a date in the past, or now, means "try now"
        ("Wed, 21 Oct 2026 07:27:00 GMT", 0.0),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
        ("Wed, 21 Oct 2026 07:28:00 GMT", 0.0),
        # garbage is ignored (no wait from the header), never guessed at
        ("soon", None),
        ("", None),
        ("   ", None),
        ("-5", None),
        ("30s", None),
        ("1e3", None),
        ("Wed, 32 Oct 2026 07:28:30 GMT", None),
        ("Wed, 21 Oct 2026", None),
        (None, None),
    ],
)
def test_retry_after_forms(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def _request() -> ModelRequest:
    return ModelRequest(messages=[UserTurn(content="where is my order?")])


def test_an_http_date_reaches_the_chain_as_seconds(server: FakeOpenAIServer) -> None:
    # An hour ahead: whatever the machine's load, the parsed wait is far from the 1.5 s fallback back-off.
    server.push(Behaviour.error(429, retry_after=format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)))
    with pytest.raises(ProviderUnavailable, match="RateLimitError") as caught:
        LiteLLMModel("openai/primary", api_base=server.base_url, timeout=5).complete(_request())
    assert caught.value.retry_after is not None and 3500 < caught.value.retry_after <= 3600


def test_a_date_30_s_ahead_is_not_waited_for_when_another_model_can_answer(
    server: FakeOpenAIServer, backup: FakeOpenAIServer
) -> None:
    server.push(
        Behaviour.error(429, retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True))
    )
    waits: list[float] = []
    chain = ModelChain(
        "triage",
        [
            LiteLLMModel("openai/primary", api_base=server.base_url, timeout=5),
            LiteLLMModel("openai/backup", api_base=backup.base_url, timeout=5),
        ],
        retries=3,
        max_retry_wait_s=2.0,
        sleep=waits.append,
    )
    ledger = CallLedger()
    assert chain.complete(_request(), ledger).text == "backup answer"
    assert waits == [], "the date said 30 s: no 0.5 s back-off retry against the same server"
    assert [(c.ok, c.purpose) for c in ledger.calls] == [(False, "answer"), (True, "fallback")]


def test_a_past_date_retries_at_once(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(503, retry_after="Sun, 06 Nov 1994 08:49:37 GMT"))
    waits: list[float] = []
    chain = ModelChain(
        "triage", [LiteLLMModel("openai/primary", api_base=server.base_url, timeout=5)], retries=1, sleep=waits.append
    )
    assert chain.complete(_request(), CallLedger()).text == "primary answer"
    assert waits == [0.0]


def test_a_garbage_retry_after_backs_off_as_if_absent(server: FakeOpenAIServer) -> None:
    server.push(Behaviour.error(429, retry_after="in a moment"))
    waits: list[float] = []
    chain = ModelChain(
        "triage", [LiteLLMModel("openai/primary", api_base=server.base_url, timeout=5)], retries=1, sleep=waits.append
    )
    assert chain.complete(_request(), CallLedger()).text == "primary answer"
    assert waits == [0.5]
