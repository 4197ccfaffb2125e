"""``relevo bench models``: the model adapter's per-call overhead and the cost of one fallback hop.

Side by side in one run against the same loopback OpenAI-compatible server (relevo.testing's fake server,
so the server's own time is constant): a direct HTTP call with httpx, relevo's port + litellm adapter, and a
chain whose first model answers 500 so the second one answers.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, TextIO

import httpx

from relevo.models import CallLedger, LiteLLMModel, ModelChain, ModelRequest, UserTurn
from relevo.testing import Behaviour, fake_openai_server

__all__ = ["bench_models"]


def bench_models(*, calls: int = 200, progress: TextIO | None = None) -> dict[str, Any]:
    """Measure ``calls`` calls of each kind, interleaved, and report p50s in milliseconds."""
    request = ModelRequest(messages=[UserTurn(content="What is the status of request AB-1042?")])
    body = {"model": "bench", "messages": [{"role": "user", "content": "What is the status of request AB-1042?"}]}
    with fake_openai_server("It is on its way.") as server, fake_openai_server("backup") as backup:
        adapter = LiteLLMModel("openai/bench", api_base=server.base_url, timeout=10)
        chain = ModelChain(
            "bench",
            [
                LiteLLMModel("openai/first", api_base=server.base_url, timeout=10),
                LiteLLMModel("openai/second", api_base=backup.base_url, timeout=10),
            ],
        )
        client = httpx.Client(base_url=server.base_url, timeout=10)
        adapter.complete(request)  # warm-up: imports, connection set-up
        client.post("/chat/completions", json=body)
        direct: list[float] = []
        via_adapter: list[float] = []
        with_fallback: list[float] = []
        for n in range(calls):
            start = time.perf_counter()
            client.post("/chat/completions", json=body).json()
            direct.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            adapter.complete(request)
            via_adapter.append((time.perf_counter() - start) * 1000)
            server.push(Behaviour.error(500))
            start = time.perf_counter()
            chain.complete(request, CallLedger())
            with_fallback.append((time.perf_counter() - start) * 1000)
            if progress is not None and (n + 1) % 20 == 0:
                progress.write(f"\rbench models: {n + 1}/{calls}")
                progress.flush()
        if progress is not None:
            progress.write("\n")
        client.close()
    adapter_p50 = statistics.median(via_adapter)
    direct_p50 = statistics.median(direct)
    return {
        "calls": calls,
        "direct_ms_p50": round(direct_p50, 3),
        "adapter_ms_p50": round(adapter_p50, 3),
        "overhead_ms_p50": round(adapter_p50 - direct_p50, 3),
        "fallback_ms_p50": round(statistics.median(with_fallback), 3),
        "fallback_added_ms_p50": round(statistics.median(with_fallback) - adapter_p50, 3),
    }
