"""Benchmarks: speed measured against a baseline run side by side, never asserted in tests.

``bench turn``, ``bench serve`` and ``bench llm-turn`` replay the conversations of the desk they are given
(:func:`bench_conversations`: the desk's ``DeskBuilder.with_bench``, else its scripted scenarios)."""

from relevo.bench._conversations import bench_conversations
from relevo.bench._desk_load import bench_desk_load
from relevo.bench._llm_turn import bench_llm_turn
from relevo.bench._memory import MEMORY_SIZES, bench_memory
from relevo.bench._models import bench_models
from relevo.bench._serve import bench_serve, serve_conversations
from relevo.bench._turn import bench_turn

__all__ = [
    "MEMORY_SIZES",
    "bench_conversations",
    "bench_desk_load",
    "bench_llm_turn",
    "bench_memory",
    "bench_models",
    "bench_serve",
    "bench_turn",
    "serve_conversations",
]
