"""``relevo bench llm-turn``: how many model round trips a customer waits for, in LLM mode.

Every agent runs on a model (litellm against a loopback OpenAI-compatible server, relevo.testing's fake) that
answers schema-valid outputs after a fixed latency, so a turn's time is dominated by the model calls on its
critical path. ``critical_path_ratio`` is a turn's p50 time divided by one model call's p50: about 1 when the
customer waits for one call, 2 or 3 when triage, resolver and summarizer run in series.

The customer side is the desk's benchmark conversations (:func:`~relevo.bench.bench_conversations`). The loopback
model reads every message as a confident greeting (so the model, not the desk's content, decides answers), and
the last message of each conversation as a request for a person as well: every conversation that has not handed
off earlier ends with a handoff only the model's reading decides, the slowest kind (the offline engine's cues
need not see one in it).
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from relevo.bench._conversations import bench_conversations
from relevo.contracts import ModelCall
from relevo.models import LiteLLMModel
from relevo.orchestrator import DeskBuilder
from relevo.testing import Behaviour, fake_openai_server, schema_instance

__all__ = ["bench_llm_turn"]

_REPLIES = ("Happy to help with that.", "Glad I could help.", "You are welcome.", "Good to hear from you.")


class _Responder:
    """Answers like a well-behaved model: a schema-valid object for structured output, a short reply otherwise.

    Triage reads a request for a person in the messages ``asks_for_a_person`` lists (the conversations' last)."""

    def __init__(self, asks_for_a_person: frozenset[str]) -> None:
        self._n = itertools.count()
        self._lock = threading.Lock()
        self._asks = asks_for_a_person

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
            # The message to classify is quoted as <<<text>>> (prompts.yaml triage_user); the history is not.
            if "explicit_human_request" in props and any(f"<<<{text}>>>" in asked for text in self._asks):
                overrides["explicit_human_request"] = True
            return Behaviour.json_answer(schema_instance(schema, overrides=overrides))
        with self._lock:
            n = next(self._n)
        return Behaviour.answer(_REPLIES[n % len(_REPLIES)] + " " * (n // len(_REPLIES)))


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def bench_llm_turn(
    builder: DeskBuilder,
    *,
    latency_ms: float = 300.0,
    conversations: int = 6,
    progress: TextIO | None = None,
    desk: str = "the desk",
) -> dict[str, Any]:
    """Replay ``conversations`` of the desk's benchmark conversations (in order, after one unmeasured warm-up)
    with every agent on the loopback model, and report p50/p95s in milliseconds.

    A turn counts as ``handoff`` when it handed the conversation off, else as ``answer`` when the AI replied; after
    a handoff a human takes over (untimed, collecting the summary written after the handoff message) and the rest
    of that conversation is skipped, since the AI no longer answers it.

    Args:
        builder: the desk to measure; its triage, resolver and summarizer are put on the loopback model.
        desk: how error messages name the desk.

    Returns:
        ``model_call_ms_p50`` and, for ``answer`` and ``handoff`` turns each: ``turns``, ``turn_ms_p50``,
        ``turn_ms_p95``, ``calls_per_turn`` (model calls the turn caused, on or off its critical path, including a
        handoff summary written after the reply) and ``critical_path_ratio``.

    Raises:
        BadInputError: the desk has no conversations to replay.
    """
    script = bench_conversations(builder, desk=desk)
    last_messages = frozenset(c.messages[-1] for c in script)
    with (
        fake_openai_server(latency_s=latency_ms / 1000, responder=_Responder(last_messages)) as server,
        tempfile.TemporaryDirectory(prefix="relevo-bench-llm-") as tmp,
    ):
        for agent in ("triage", "resolver", "summarizer"):
            builder.with_model(agent, LiteLLMModel("openai/bench", api_base=server.base_url, timeout=30))
        opened = builder.open(Path(tmp))
        call_ms: list[float] = []
        turns: dict[str, list[float]] = {"answer": [], "handoff": []}
        calls: dict[str, list[int]] = {"answer": [], "handoff": []}
        warmup = 1
        for n in range(conversations + warmup):
            replayed = script[n % len(script)]
            conv = opened.start(customer_id=replayed.customer)
            for line in replayed.messages:
                start = time.perf_counter()
                result = opened.send(conv, line)
                elapsed = (time.perf_counter() - start) * 1000
                later: list[ModelCall] = []
                if result.packet is not None:
                    kind = "handoff"
                    # Untimed: a human takes over, which collects the summary written after the handoff message.
                    later = opened.takeover(conv, "bench").model_calls
                elif result.reply is not None and result.mode == "ai_active":
                    kind = "answer"
                else:
                    break  # the conversation is no longer the AI's to answer
                if n >= warmup:
                    turns[kind].append(elapsed)
                    calls[kind].append(len(result.model_calls) + len(later))
                    call_ms.extend(c.latency_ms for c in [*result.model_calls, *later] if c.ok)
                if kind == "handoff":
                    break
            if progress is not None:
                progress.write(f"\rbench llm-turn: {n + 1}/{conversations + warmup} conversations")
                progress.flush()
        if progress is not None:
            progress.write("\n")
        opened.close()
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
