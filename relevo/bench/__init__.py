"""Benchmarks: speed measured against a baseline run side by side, never asserted in tests."""

from relevo.bench._turn import CONVERSATIONS, bench_turn

__all__ = ["CONVERSATIONS", "bench_turn"]
