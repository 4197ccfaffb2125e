"""Real processes for end-to-end tests and benchmarks: ``relevo serve`` and a ``chroma run`` server on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self

__all__ = ["ServeProcess", "chroma_server", "free_port"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), b""


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def _stop(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)


@contextmanager
def chroma_server(path: Path, *, ready_timeout: float = 90.0) -> Generator[str]:
    """``chroma run`` (from the chromadb package next to this Python) on a free port; yields its URL."""
    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    log_path = path / "chroma.log"
    chroma = Path(sys.executable).parent / "chroma"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + ready_timeout
            while True:
                try:
                    if _get(f"{url}/api/v2/heartbeat", timeout=1)[0] == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chroma run did not become ready: {_tail(log_path)}")
                time.sleep(0.1)
            yield url
        finally:
            _stop(proc)


class ServeProcess:
    """``relevo serve`` in a child process on a free loopback port, ready when ``/healthz`` says its workers run.

    Args:
        data_dir: the process's data directory (its log goes to ``serve.log`` next to it).
        env: variables added to this process's environment (``RELEVO_*`` settings).
        port: default: a free one.
    """

    def __init__(self, data_dir: Path, env: Mapping[str, str], *, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir.parent / f"{data_dir.name}-serve.log"
        self._env = {**os.environ, **env}
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> Self:
        """Start the process (returns at once; see :meth:`wait_ready`)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "relevo.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=self._env,
        )
        return self

    def wait_ready(self, timeout: float = 300.0) -> Self:
        """Block until the server answers ``/healthz`` with running workers.

        Raises:
            RuntimeError: the process exited or did not get ready in time (with the end of its log).
        """
        deadline = time.monotonic() + timeout
        while True:
            if self._proc is None or self._proc.poll() is not None:
                raise RuntimeError(f"relevo serve exited during start-up:\n{_tail(self.log_path)}")
            try:
                code, body = _get(f"{self.url}/healthz", timeout=1)
                if code == 200 and json.loads(body).get("workers") is True:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"relevo serve was not ready after {timeout:g}s:\n{_tail(self.log_path)}")
            time.sleep(0.2)

    def log(self) -> str:
        """What the process printed so far (the last 20,000 characters)."""
        return _tail(self.log_path, 20_000)

    def stop(self) -> None:
        """Terminate the process (gracefully, then by force) and close its log."""
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        self.start()
        try:
            return self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()
