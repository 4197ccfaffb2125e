"""One writer process per embedded data directory: an OS file lock (``flock``) taken at start, held until exit.

The embedded stores (SQLite files, embedded Chroma) keep in-process state a second process would not see (the
memory store's resident index, the inbox's leases): two servers on one data directory would drop messages in
silence. A second ``relevo serve`` (or ``relevo memory forget``) on the same directory is refused at once with a
clear message instead; several processes run in scale-out mode (PostgreSQL and a Chroma server). The kernel
drops the lock when the process dies, so a crash never leaves the directory locked.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from relevo._config import RelevoConfig
from relevo._errors import StorageError

__all__ = ["DataDirLock"]

LOCK_FILE = "relevo.lock"


class DataDirLock:
    """An exclusive lock on ``<data_dir>/relevo.lock``; see the module docstring.

    Raises:
        StorageError: another process holds the lock (its pid is in the message).
    """

    def __init__(self, data_dir: Path, *, purpose: str = "relevo serve") -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / LOCK_FILE
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.pread(self._fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(self._fd)
            self._fd = -1
            raise StorageError(
                f"{purpose}: the data directory {data_dir} is in use by {holder}; the embedded stores allow one "
                "writer process. Stop it first, or run several processes in scale-out mode "
                "(RELEVO_DATABASE_URL and RELEVO_CHROMA_URL)"
            ) from exc
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{purpose} (pid {os.getpid()})".encode(), 0)

    @classmethod
    def for_config(cls, config: RelevoConfig, data_dir: Path, *, purpose: str) -> DataDirLock | None:
        """The lock of ``data_dir`` when the configuration keeps anything in it (None in scale-out mode)."""
        if not cls.needed(config.storage.database_url, config.memory.server_url):
            return None
        return cls(data_dir, purpose=purpose)

    @staticmethod
    def needed(database_url: str, chroma_url: str) -> bool:
        """Whether a deployment keeps anything in embedded stores (then one process owns its data directory)."""
        return not (database_url and chroma_url)

    def release(self) -> None:
        """Give the directory up (idempotent)."""
        if self._fd >= 0:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1
