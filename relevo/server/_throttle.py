"""Sign-in throttling: too many failed logins to one account, or from one address, and sign-in waits.

A sliding window of failure times per key (``account:<username>``, ``address:<ip>``). While a key holds its limit
of failures, every sign-in for it is refused before the password is checked (so a locked-out guesser learns
nothing, and pays no scrypt work on the server), until the oldest failure leaves the window. A successful sign-in
clears the account's failures. Counts live in the process: N server processes allow N times the attempts.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

__all__ = ["LoginThrottle"]

_MAX_KEYS = 50_000
"""Tracked keys at most (the least recently failed are forgotten first): bounded memory under a spray."""


class LoginThrottle:
    """Failure counts per account and per address over a sliding window; thread-safe.

    Args:
        per_account: failures to one account within ``window_s`` that lock its sign-in.
        per_address: failures from one client address within ``window_s`` that lock sign-in from it.
        window_s: the window, in seconds.
        clock: monotonic seconds (injected in tests).
    """

    def __init__(
        self,
        *,
        per_account: int,
        per_address: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"account": per_account, "address": per_address}
        self._window = window_s
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._guard = threading.Lock()

    def retry_after(self, username: str, address: str | None) -> int | None:
        """Whole seconds until this sign-in may be tried again; None when it may be tried now."""
        now = self._clock()
        waits: list[float] = []
        with self._guard:
            for kind, key in self._keys(username, address):
                times = self._recent(key, now)
                if len(times) >= self._limits[kind]:
                    waits.append(times[len(times) - self._limits[kind]] + self._window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str | None) -> None:
        """Record a failed sign-in."""
        now = self._clock()
        with self._guard:
            for _, key in self._keys(username, address):
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > _MAX_KEYS:
                self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        """A right password: the account's failures are cleared (the address keeps its count)."""
        with self._guard:
            self._failures.pop(f"account:{_account(username)}", None)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", f"account:{_account(username)}")]
        if address:
            keys.append(("address", f"address:{address}"))
        return keys

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key) or deque[float]()
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times


def _account(username: str) -> str:
    return username.strip().lower()
