"""``relevo bench turn``: turn latency on the offline graph, and orchestration overhead vs bare LangGraph.

Both graphs run side by side in one process, interleaved conversation by conversation, each with its own
SQLite checkpointer file, so machine noise hits both alike. Overhead is the turn's wall time minus the time
spent inside the agents (triage, policy, resolver, summarizer), i.e. what relevo's orchestration costs:
state validation, reducers, checkpoint serialisation and writes.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, TypedDict

from langgraph.graph import END, START, StateGraph

from relevo.agents import OfflineResolver, OfflineSummarizer, OfflineTriage
from relevo.bench._conversations import bench_conversations
from relevo.models.offline import E5Embedder
from relevo.orchestrator import DeskBuilder, NodeName, open_sqlite_checkpointer
from relevo.orchestrator._builder import embedding_cache_path

__all__ = ["bench_turn"]


class _BareState(TypedDict, total=False):
    inbox: str
    route: str


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _bare_graph(path: Path) -> Any:
    """The support graph's topology with no-op nodes, on the same kind of checkpointer."""

    def noop(state: _BareState) -> dict[str, Any]:
        return {}

    def to_triage(state: _BareState) -> str:
        return NodeName.TRIAGE.value

    def to_resolve(state: _BareState) -> str:
        return NodeName.RESOLVE.value

    def to_end(state: _BareState) -> str:
        return END

    g = StateGraph(_BareState)
    for node in NodeName:
        g.add_node(node.value, noop)
    g.add_edge(START, NodeName.INGEST.value)
    g.add_conditional_edges(
        NodeName.INGEST.value,
        to_triage,
        [NodeName.TRIAGE.value, NodeName.HUMAN_DESK.value, END],
    )
    g.add_edge(NodeName.TRIAGE.value, NodeName.ESCALATE.value)
    g.add_conditional_edges(
        NodeName.ESCALATE.value,
        to_resolve,
        [NodeName.RESOLVE.value, NodeName.SUMMARIZE.value],
    )
    g.add_conditional_edges(NodeName.RESOLVE.value, to_end, [NodeName.SUMMARIZE.value, NodeName.MEMORIZE.value, END])
    g.add_edge(NodeName.SUMMARIZE.value, NodeName.HANDOFF.value)
    g.add_edge(NodeName.HANDOFF.value, NodeName.MEMORIZE.value)
    g.add_edge(NodeName.MEMORIZE.value, END)
    g.add_conditional_edges(NodeName.HUMAN_DESK.value, to_end, [NodeName.MEMORIZE.value, END])
    return g.compile(checkpointer=open_sqlite_checkpointer(path))


class _Stopwatch:
    """Accumulates time spent inside agent calls."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def bench_turn(
    builder: DeskBuilder,
    *,
    conversations: int = 40,
    progress: TextIO | None = None,
    desk: str = "the desk",
) -> dict[str, Any]:
    """Replay the desk's benchmark conversations through both graphs, ``conversations`` of them (cycling through
    :func:`~relevo.bench.bench_conversations` in order, after two unmeasured warm-up ones), and report latency
    figures in milliseconds: ``turn_ms_p50``/``_p95``, ``agent_ms_p50``, ``overhead_ms_p50`` (turn minus agent
    and memory time), ``bare_langgraph_ms_p50`` and ``overhead_ratio`` (overhead p50 ÷ bare p50).

    Args:
        builder: the desk to measure, on the offline engine (its agents are timed by wrapping them).
        desk: how error messages name the desk.

    Raises:
        BadInputError: the desk has no conversations to replay.
    """
    script = bench_conversations(builder, desk=desk)
    # A tiny in-memory cache: each message is embedded once per turn (memory recall and triage share it),
    # never reused across turns, as it would be live.
    embedder = E5Embedder(embedding_cache_path(), memory_items=16)
    watch = _Stopwatch()
    with tempfile.TemporaryDirectory(prefix="relevo-bench-") as tmp:
        root = Path(tmp)
        opened = builder.with_embedder(embedder).open(root / "relevo")
        agents = opened.context.agents
        triage = agents.triage
        resolver = agents.resolver
        summarizer = agents.summarizer
        assert isinstance(triage, OfflineTriage)
        assert isinstance(resolver, OfflineResolver)
        assert isinstance(summarizer, OfflineSummarizer)
        triage.assess = watch.wrap(triage.assess)  # type: ignore[method-assign]
        triage.detect_language = watch.wrap(triage.detect_language)  # type: ignore[method-assign]
        resolver.resolve = watch.wrap(resolver.resolve)  # type: ignore[method-assign]
        summarizer.packet = watch.wrap(summarizer.packet)  # type: ignore[method-assign]
        policy = agents.policy
        policy.evaluate = watch.wrap(policy.evaluate)  # type: ignore[method-assign]
        memory = opened.context.memory
        if memory is not None:
            # Memory recall and writes are agent work (embedding, vector search, storage), not orchestration.
            for method in ("highlights", "redact", "remember_conversation", "note_conversation"):
                setattr(memory, method, watch.wrap(getattr(memory, method)))
        bare = _bare_graph(root / "bare.sqlite")

        turn_ms: list[float] = []
        overhead_ms: list[float] = []
        bare_ms: list[float] = []
        warmup = 2
        for n in range(conversations + warmup):
            replayed = script[n % len(script)]
            conv = opened.start(customer_id=replayed.customer)
            bare_thread = {"configurable": {"thread_id": f"bare-{n}"}}
            for line in replayed.messages:
                text = f"{line} ({n})" if n >= len(script) else line
                watch.seconds = 0.0
                start = time.perf_counter()
                opened.send(conv, text)
                elapsed = time.perf_counter() - start
                b_start = time.perf_counter()
                bare.invoke({"inbox": text}, bare_thread)
                b_elapsed = time.perf_counter() - b_start
                if n >= warmup:
                    turn_ms.append(elapsed * 1000)
                    overhead_ms.append((elapsed - watch.seconds) * 1000)
                    bare_ms.append(b_elapsed * 1000)
            if progress is not None:
                stage = f"warm-up {n + 1}/{warmup}" if n < warmup else f"{n + 1 - warmup}/{conversations} conversations"
                progress.write(f"\rbench turn: {stage}   ")
                progress.flush()
        if progress is not None:
            progress.write("\n")
        opened.close()
        bare.checkpointer.conn.close()

    overhead_p50 = statistics.median(overhead_ms)
    bare_p50 = statistics.median(bare_ms)
    return {
        "conversations": conversations,
        "turns": len(turn_ms),
        "turn_ms_p50": round(statistics.median(turn_ms), 2),
        "turn_ms_p95": round(_p(turn_ms, 0.95), 2),
        "agent_ms_p50": round(statistics.median(t - o for t, o in zip(turn_ms, overhead_ms, strict=True)), 2),
        "overhead_ms_p50": round(overhead_p50, 2),
        "bare_langgraph_ms_p50": round(bare_p50, 2),
        "overhead_ratio": round(overhead_p50 / bare_p50, 3),
    }
