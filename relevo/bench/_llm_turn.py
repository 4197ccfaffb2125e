"""``relevo bench llm-turn``: how many model round trips a customer waits for, in LLM mode.

Every agent runs on a model (litellm against a loopback OpenAI-compatible server, relevo.testing's fake) that
answers schema-valid outputs after a fixed latency, so a turn's time is dominated by the model calls on its
critical path. ``critical_path_ratio`` is a turn's p50 time divided by one model call's p50: about 1 when the
customer waits for one call, 2 or 3 when triage, resolver and summarizer run in series.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from relevo._config import RelevoConfig
from relevo.contracts import ModelCall
from relevo.desks import DEFAULT_DESK, load_desk
from relevo.models import LiteLLMModel
from relevo.testing import Behaviour, fake_openai_server, schema_instance

__all__ = ["LLM_TURN_SCRIPT", "bench_llm_turn"]

LLM_TURN_SCRIPT: tuple[tuple[str, str], ...] = (
    ("answer", "Hi there"),
    ("answer", "thanks, that is good to know"),
    ("handoff", "please have a colleague look at it"),
)
"""One benchmark conversation: (expected kind, customer text). The handoff is one only the model's triage
sees (the loopback model reads "colleague" as a request for a person; the offline engine's cues do not), so
the policy decides it on the model's reading: the slowest kind of handoff."""

_REPLIES = ("Happy to help with that.", "Glad I could help.", "You are welcome.", "Good to hear from you.")


class _Responder:
    """Answers like a well-behaved model: a schema-valid object for structured output, a short reply otherwise."""

    def __init__(self) -> None:
        self._n = itertools.count()
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Behaviour:
        fmt = body.get("response_format") or {}
        schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema")
        if schema:
            props: dict[str, Any] = schema.get("properties", {})
            overrides: dict[str, Any] = {}
            intents: list[str] = (props.get("intent") or {}).get("enum", [])
            if intents:
                overrides["intent"] = "greeting" if "greeting" in intents else intents[0]
            if "confidence" in props:
                overrides["confidence"] = 0.95
            asked = str((body.get("messages") or [{}])[-1].get("content", ""))
            if "explicit_human_request" in props and "colleague" in asked:
                overrides["explicit_human_request"] = True
            return Behaviour.json_answer(schema_instance(schema, overrides=overrides))
        with self._lock:
            n = next(self._n)
        return Behaviour.answer(_REPLIES[n % len(_REPLIES)] + " " * (n // len(_REPLIES)))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def bench_llm_turn(
    config: RelevoConfig,
    *,
    latency_ms: float = 300.0,
    conversations: int = 6,
    progress: TextIO | None = None,
) -> dict[str, Any]:
    """Run ``conversations`` scripted conversations with every agent on the loopback model; report p50/p95s.

    Returns:
        ``model_call_ms_p50`` and, for ``answer`` and ``handoff`` turns each: ``turns``, ``turn_ms_p50``,
        ``turn_ms_p95``, ``calls_per_turn`` (model calls the turn caused, on or off its critical path, including a
        handoff summary written after the reply) and ``critical_path_ratio``.
    """
    with (
        fake_openai_server(latency_s=latency_ms / 1000, responder=_Responder()) as server,
        tempfile.TemporaryDirectory(prefix="relevo-bench-llm-") as tmp,
    ):
        builder = load_desk(DEFAULT_DESK, config)
        for agent in ("triage", "resolver", "summarizer"):
            builder.with_model(agent, LiteLLMModel("openai/bench", api_base=server.base_url, timeout=30))
        desk = builder.open(Path(tmp))
        call_ms: list[float] = []
        turns: dict[str, list[float]] = {"answer": [], "handoff": []}
        calls: dict[str, list[int]] = {"answer": [], "handoff": []}
        warmup = 1
        for n in range(conversations + warmup):
            conv = desk.start(customer_id=None)
            for kind, line in LLM_TURN_SCRIPT:
                start = time.perf_counter()
                result = desk.send(conv, line)
                elapsed = (time.perf_counter() - start) * 1000
                actual = "handoff" if result.packet is not None else "answer"
                later: list[ModelCall] = []
                if actual == "handoff":
                    # Untimed: a human takes over, which collects the summary written after the handoff message.
                    later = desk.takeover(conv, "bench").model_calls
                if n >= warmup and actual == kind:
                    turns[kind].append(elapsed)
                    calls[kind].append(len(result.model_calls) + len(later))
                    call_ms.extend(c.latency_ms for c in [*result.model_calls, *later] if c.ok)
            if progress is not None:
                progress.write(f"\rbench llm-turn: {n + 1}/{conversations + warmup} conversations")
                progress.flush()
        if progress is not None:
            progress.write("\n")
        desk.close()
    one_call = statistics.median(call_ms) if call_ms else latency_ms
    report: dict[str, Any] = {"latency_ms": latency_ms, "model_call_ms_p50": round(one_call, 1)}
    for kind in ("answer", "handoff"):
        p50 = _p(turns[kind], 0.5)
        report[kind] = {
            "turns": len(turns[kind]),
            "turn_ms_p50": round(p50, 1),
            "turn_ms_p95": round(_p(turns[kind], 0.95), 1),
            "calls_per_turn": round(statistics.mean(calls[kind]), 2) if calls[kind] else 0.0,
            "critical_path_ratio": round(p50 / one_call, 2) if one_call else 0.0,
        }
    return report
