"""The live local-LLM tier: one real llama.cpp server with SmolLM2-135M-Instruct for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from relevo.testing import LocalLLMServer


@pytest.fixture(scope="session")
def llm() -> Iterator[LocalLLMServer]:
    """Started once per test session on a free loopback port; stopped at the end."""
    with LocalLLMServer() as server:
        yield server
