"""Write-behind for memory: a conversation's episode is stored after the reply, not before it.

Embedding an episode and adding it to the vector store costs tens of milliseconds that the customer would
otherwise wait for on the closing turn. The memorize node hands the write to one background thread instead;
every read of memory (recall, show, export, forget) waits for the pending writes first, so nobody ever reads
around a write that was already accepted.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable

__all__ = ["WriteBehind"]

_log = logging.getLogger("relevo.memory")


class WriteBehind:
    """One daemon thread running memory writes in submission order."""

    def __init__(self, name: str = "relevo-memory-writer") -> None:
        self._jobs: queue.Queue[tuple[str, Callable[[], object]] | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending: Counter[str] = Counter()
        self._thread: threading.Thread | None = None
        self._name = name
        self.failures: list[str] = []
        """``customer_id: error`` of every write that failed (also logged); writes are never retried blindly."""

    def submit(self, customer_id: str, job: Callable[[], object]) -> None:
        """Run ``job`` on the writer thread (started on first use)."""
        with self._idle:
            self._pending[customer_id] += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._jobs.put((customer_id, job))

    def flush(self, customer_id: str | None = None, timeout: float | None = 60.0) -> bool:
        """Wait until the submitted writes (of ``customer_id``, or all) have run; False if ``timeout`` passed."""
        if threading.current_thread() is self._thread:
            return True  # a job reading memory must not wait for itself
        with self._idle:
            if customer_id is None:
                return self._idle.wait_for(lambda: self._pending.total() == 0, timeout)
            return self._idle.wait_for(lambda: self._pending[customer_id] == 0, timeout)

    def pending(self, customer_id: str | None = None) -> int:
        """Writes submitted and not yet run (of ``customer_id``, or all)."""
        with self._idle:
            return self._pending.total() if customer_id is None else self._pending[customer_id]

    def close(self) -> None:
        """Run what is pending, then stop the thread."""
        self.flush(timeout=None)
        thread = self._thread
        if thread is not None:
            self._jobs.put(None)
            thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            customer_id, job = item
            try:
                job()
            except Exception as exc:  # a failed write must not kill the writer; it is recorded and logged
                self.failures.append(f"{customer_id}: {exc}")
                _log.warning("memory write for customer %s failed: %s", customer_id, type(exc).__name__)
            finally:
                with self._idle:
                    self._pending[customer_id] -= 1
                    if self._pending[customer_id] <= 0:
                        del self._pending[customer_id]
                    self._idle.notify_all()
