"""Loopback OpenAI-compatible servers shared by the model adapter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from relevo.testing import FakeOpenAIServer, fake_openai_server


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server("primary answer") as s:
        yield s


@pytest.fixture
def backup() -> Iterator[FakeOpenAIServer]:
    with fake_openai_server("backup answer") as s:
        yield s
