"""Fixtures for the server's tests: a runtime on the session's fitted engine, and the app on a real loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_harness import LiveServer, serve_settings

from relevo._config import load_config
from relevo.channels import ChannelGateway
from relevo.orchestrator import RunContext
from relevo.server import ServerRuntime, open_runtime


@pytest.fixture
def runtime(tmp_path: Path, run_context: RunContext) -> Iterator[ServerRuntime]:
    """A server runtime (desk, SQLite store, accounts) in a fresh data directory; workers not started."""
    opened = open_runtime(
        serve_settings(tmp_path / "data"), config=load_config(), context=run_context, gateway=ChannelGateway()
    )
    yield opened
    opened.close()


@pytest.fixture
def live(runtime: ServerRuntime) -> Iterator[LiveServer]:
    """The app served on loopback with its workers running."""
    with LiveServer(runtime) as server:
        yield server


@pytest.fixture
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=30) as http:
        yield http
