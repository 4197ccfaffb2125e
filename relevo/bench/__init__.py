"""Benchmarks: speed measured against a baseline run side by side, never asserted in tests."""

from relevo.bench._desk_load import bench_desk_load
from relevo.bench._llm_turn import LLM_TURN_SCRIPT, bench_llm_turn
from relevo.bench._memory import MEMORY_SIZES, bench_memory
from relevo.bench._models import bench_models
from relevo.bench._serve import bench_serve
from relevo.bench._turn import CONVERSATIONS, bench_turn

__all__ = [
    "CONVERSATIONS",
    "LLM_TURN_SCRIPT",
    "MEMORY_SIZES",
    "bench_desk_load",
    "bench_llm_turn",
    "bench_memory",
    "bench_models",
    "bench_serve",
    "bench_turn",
]
