"""A progress line on stderr for long runs: done/total, rate and time left."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Rewrites one line (``\\r``) at most every ``every`` seconds; silent when ``stream`` is None."""

    def __init__(self, label: str, total: int, stream: TextIO | None, *, unit: str = "items", every: float = 0.25):
        self.label, self.total, self.stream, self.unit, self.every = label, total, stream, unit, every
        self.done = 0
        self.started = time.perf_counter()
        self._shown = 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.perf_counter()
        if self.stream is not None and (now - self._shown >= self.every or self.done >= self.total):
            self._shown = now
            self._draw(now)

    @property
    def rate(self) -> float:
        elapsed = time.perf_counter() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _draw(self, now: float) -> None:
        assert self.stream is not None
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        rate = self.rate
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{rate:.1f} {self.unit}/s, {left:.0f}s left "
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.stream is not None and self.total:
            self._draw(time.perf_counter())
            self.stream.write("\n")
            self.stream.flush()
